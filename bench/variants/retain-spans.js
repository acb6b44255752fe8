'use strict';
// Ablation probe, loaded with --require before the app (variant `nestjs-tracing-retain`, with
// OTEL_TRACES_EXPORTER=none): every ended span is kept the way the BatchSpanProcessor keeps it —
// in a buffer of 512, released all at once when full — but nothing is serialized or sent. Against
// `nestjs-tracing-no-export` (spans die as soon as they end) it measures what holding spans until
// their batch leaves costs the process (GC, and the heap the app's own objects share); against
// `nestjs-tracing` what serialization and gRPC cost on top.
const { trace } = require('@opentelemetry/api');

const BATCH = 512;
let buffer = [];
const retaining = {
  onStart() {},
  onEnd(span) {
    buffer.push(span);
    if (buffer.length >= BATCH) buffer = [];
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

// The provider exists once TracingModule has started it (phase 2); its processors are a
// MultiSpanProcessor whose list this adds to (a private field: acceptable in a bench probe only).
const timer = setInterval(() => {
  const provider = trace.getTracerProvider();
  const sdk = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider;
  const multi = sdk && sdk._activeSpanProcessor;
  if (!multi || !Array.isArray(multi._spanProcessors)) return;
  multi._spanProcessors.push(retaining);
  clearInterval(timer);
}, 10);
timer.unref();
