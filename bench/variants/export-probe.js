'use strict';
// Ablation probes of the export side, loaded with --require before the app, with
// OTEL_TRACES_EXPORTER=none (nestjs-tracing makes and ends its spans, nothing is exported) and
// EXPORT_PROBE naming what is done with each ended span instead:
// - `retain` (variant nestjs-tracing-retain): held the way the BatchSpanProcessor holds it, in a
//   batch of 512 released all at once when full; against nestjs-tracing-no-export, what keeping
//   spans until their batch leaves costs the process;
// - `serialize-batch`: the same batches, each written by nestjs-tracing's own OTLP serializer, as
//   the BatchSpanProcessor and our exporter do (by then the batch's early spans are ~100 ms old,
//   out of the caches), the bytes dropped (no gRPC);
// - `serialize-end`: each span written as it ends, while its objects are still in the caches, its
//   bytes copied into a batch buffer (what queueing bytes instead of span objects would do; here
//   each span also carries its own resource and scope, which such a design would write once per batch).
// The serializer is reached by path: the package does not export it.
const { dirname, join } = require('node:path');
const { trace } = require('@opentelemetry/api');

const BATCH = 512;
const mode = process.env.EXPORT_PROBE;
if (!['retain', 'serialize-batch', 'serialize-end'].includes(mode)) throw new Error(`EXPORT_PROBE=${mode}: retain, serialize-batch or serialize-end`);
const serializer = mode === 'retain' ? undefined : require(join(dirname(require.resolve('nestjs-tracing/package.json')), 'dist/sdk/otlp-trace.serializer.js'));

let held = [];
const bytes = Buffer.alloc(1 << 20);
let used = 0;
let written = 0; // the bytes' total: keeps the work observable

function onEnd(span) {
  if (mode === 'serialize-end') {
    const request = serializer.otlpTraceSerializer.serializeRequest([span]);
    if (used + request.length > bytes.length) used = 0;
    bytes.set(request, used);
    used += request.length;
    written += request.length;
    serializer.releaseRequest(request);
    return;
  }
  held.push(span);
  if (held.length < BATCH) return;
  if (mode === 'serialize-batch') {
    const request = serializer.otlpTraceSerializer.serializeRequest(held);
    written += request.length;
    serializer.releaseRequest(request);
  }
  held = [];
}

const processor = { onStart() {}, onEnd, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

// Added to the provider's MultiSpanProcessor once TracingModule has started it (a private field:
// acceptable in a bench probe only).
const timer = setInterval(() => {
  const provider = trace.getTracerProvider();
  const sdk = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider;
  const multi = sdk && sdk._activeSpanProcessor;
  if (!multi || !Array.isArray(multi._spanProcessors)) return;
  multi._spanProcessors.push(processor);
  clearInterval(timer);
}, 10);
timer.unref();
