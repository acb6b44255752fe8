'use strict';
// Ablation probe, loaded with --require before the app, with OTEL_TRACES_EXPORTER=none (variants
// `nestjs-tracing-serialize-batch` and `nestjs-tracing-serialize-end`): nestjs-tracing's own OTLP
// serializer run on every span, the bytes then dropped (no gRPC).
// - batch: spans held until 512 have ended, then serialized together, as the BatchSpanProcessor
//   and our exporter do (by then the early spans of the batch are ~100 ms old, out of the caches);
// - end: each span serialized as it ends, while its objects are still in the caches, its bytes
//   copied into a batch buffer (what queueing bytes instead of span objects would do; here each
//   span also carries its own resource and scope, which such a design would write once per batch).
// The serializer is reached by path: the package does not export it.
const { dirname, join } = require('node:path');
const { trace } = require('@opentelemetry/api');

const { otlpTraceSerializer, releaseRequest } = require(join(dirname(require.resolve('nestjs-tracing/package.json')), 'dist/sdk/otlp-trace.serializer.js'));

const BATCH = 512;
const mode = process.env.SERIALIZE_PROBE === 'end' ? 'end' : 'batch';
let held = [];
const bytes = Buffer.alloc(1 << 20);
let used = 0;
let sink = 0; // the bytes' total: keeps the work observable

const processor = {
  onStart() {},
  onEnd(span) {
    if (mode === 'batch') {
      held.push(span);
      if (held.length < BATCH) return;
      const request = otlpTraceSerializer.serializeRequest(held);
      sink += request.length;
      releaseRequest(request);
      held = [];
      return;
    }
    const request = otlpTraceSerializer.serializeRequest([span]);
    if (used + request.length > bytes.length) used = 0;
    bytes.set(request, used);
    used += request.length;
    sink += request.length;
    releaseRequest(request);
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

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
