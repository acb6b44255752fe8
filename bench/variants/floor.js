'use strict';
// The floor probe: the least a tracer can do for a request and still be one. Preloaded with
// --require in front of app/main.js. One SERVER span per request, started in the http server's
// `request` emit with the incoming traceparent extracted, the handler run in its context
// (AsyncLocalStorage, via the provider's context manager), ended on `finish` with the status code;
// BatchSpanProcessor + OTLP gRPC exporter with their defaults, the same SDK and exporter versions
// as nestjs-tracing. No instrumentation of Nest or pg, no route, no other attribute.
const http = require('node:http');
const { context, propagation, trace, ROOT_CONTEXT, SpanKind } = require('@opentelemetry/api');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');

// FLOOR_EXPORT=none (variant floor-no-export): the same span, ended and dropped — the floor's own
// export share, against which nestjs-tracing-no-export reads.
const resource = resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'bench-floor' });
const spanProcessor = process.env.FLOOR_EXPORT === 'none' ? undefined : new BatchSpanProcessor(new OTLPTraceExporter());
const provider = new NodeTracerProvider({ resource, spanProcessors: spanProcessor ? [spanProcessor] : [] });
provider.register(); // AsyncLocalStorage context manager, W3C trace-context + baggage propagator
const tracer = trace.getTracer('bench-floor');

// The request handler, chosen once so that the floor itself runs no mode checks per request.
// FLOOR_SPAN picks one piece of it instead, for the probes that take the floor apart
// (bench/README.md, "What the floor's one span costs, piece by piece").
const emit = http.Server.prototype.emit;
const handlers = {
  // The floor.
  span(server, request, response, parent) {
    const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent);
    response.once('finish', () => {
      span.setAttribute('http.response.status_code', response.statusCode);
      span.end();
    });
    return context.with(trace.setSpan(parent, span), emit, server, 'request', request, response);
  },
  // floor-query-deferred: the floor, and once its span has ended, the spans of the request's
  // queries (variants/floor-query-deferred.js), made then with the times they were measured at.
  deferred(server, request, response, parent) {
    const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent);
    response.once('finish', () => {
      span.setAttribute('http.response.status_code', response.statusCode);
      span.end();
      module.exports.afterServerSpan(span);
    });
    return context.with(trace.setSpan(parent, span), emit, server, 'request', request, response);
  },
  // floor-context-only: no span, only the context work any tracer pays before it makes one.
  none(server, request, response, parent) {
    return context.with(parent, emit, server, 'request', request, response);
  },
  // floor-context-listener: the same plus the floor's `finish` listener.
  listener(server, request, response, parent) {
    response.once('finish', () => {});
    return context.with(parent, emit, server, 'request', request, response);
  },
  // floor-span-ended: the span made, put in the request's context and ended at once.
  ended(server, request, response, parent) {
    const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent);
    span.end();
    return context.with(trace.setSpan(parent, span), emit, server, 'request', request, response);
  },
  // floor-span-aside: the same span, but the request's context never holds it.
  aside(server, request, response, parent) {
    tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent).end();
    return context.with(parent, emit, server, 'request', request, response);
  },
  // floor-span-aside-twice: two such spans, one after the other: does the second cost what the first does?
  asideTwice(server, request, response, parent) {
    tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent).end();
    tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent).end();
    return context.with(parent, emit, server, 'request', request, response);
  },
  // floor-span-aside-timed / -twice-timed: the same, each span's making and ending timed in place
  // (a SPAN_TIMED line at stop, with the same code timed in a loop in the same process).
  asideTimed(server, request, response, parent) {
    const t0 = performance.now();
    tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent).end();
    timed.first[timed.n++ & 65535] = performance.now() - t0;
    return context.with(parent, emit, server, 'request', request, response);
  },
  asideTwiceTimed(server, request, response, parent) {
    const t0 = performance.now();
    tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent).end();
    const t1 = performance.now();
    tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent).end();
    timed.second[timed.n & 65535] = performance.now() - t1;
    timed.first[timed.n++ & 65535] = t1 - t0;
    return context.with(parent, emit, server, 'request', request, response);
  },
};
const timed = { n: 0, first: new Float64Array(65536), second: new Float64Array(65536) };
process.once('SIGTERM', () => {
  if (timed.n === 0) return;
  const summary = (samples) => {
    const s = Array.from(samples.subarray(0, Math.min(timed.n, 65536))).sort((a, b) => a - b);
    const q = (f) => +(s[Math.floor(f * (s.length - 1))] * 1000).toFixed(2);
    return { meanUs: +(s.reduce((a, b) => a + b, 0) / s.length * 1000).toFixed(2), p10: q(0.1), p50: q(0.5), p90: q(0.9), p99: q(0.99) };
  };
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  const t0 = performance.now();
  for (let i = 0; i < 20000; i++) tracer.startSpan('GET', { kind: SpanKind.SERVER }, parent).end();
  const loopUs = +((performance.now() - t0) / 20000 * 1000).toFixed(2);
  const report = { n: timed.n, first: summary(timed.first), loopUs };
  if (handle === handlers.asideTwiceTimed) report.second = summary(timed.second);
  process.stderr.write(`SPAN_TIMED ${JSON.stringify(report)}\n`);
});
const handle = handlers[process.env.FLOOR_SPAN ?? 'span'];
if (handle === undefined) throw new Error(`FLOOR_SPAN=${process.env.FLOOR_SPAN}: expected one of ${Object.keys(handlers).join(', ')}`);

http.Server.prototype.emit = function emitWithSpan(event, request, response) {
  if (event !== 'request') return emit.apply(this, arguments);
  return handle(this, request, response, propagation.extract(ROOT_CONTEXT, request.headers));
};

// For floor-query-lite: the same processor and resource, to hand it spans made without the SDK's
// tracer. For floor-query-deferred: the tracer, and `afterServerSpan`, which it replaces.
module.exports = { resource, spanProcessor, tracer, afterServerSpan: () => {} };

process.on('SIGTERM', () => {
  provider.shutdown().finally(() => process.exit(0));
});
