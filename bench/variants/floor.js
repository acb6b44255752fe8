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

// FLOOR_SPAN=none (variant floor-context-only): no span at all, only the floor's context work —
// the traceparent extracted and the handler run in a context holding it (AsyncLocalStorage) —
// the part of the floor that any tracer pays before it makes a span.
const contextOnly = process.env.FLOOR_SPAN === 'none';
// FLOOR_SPAN=listener (floor-context-listener): the same, plus the floor's `finish` listener.
const contextListener = process.env.FLOOR_SPAN === 'listener';
// FLOOR_SPAN=ended (floor-span-ended): the span made and put in the request's context, but ended
// at once: no `finish` listener, nothing recorded while the app runs.
const spanEnded = process.env.FLOOR_SPAN === 'ended';
// FLOOR_SPAN=aside (floor-span-aside): the same span made and ended at once, but the request runs
// in the extracted context, which never holds it: "a span was made" without "the request's
// context holds a span".
const spanAside = process.env.FLOOR_SPAN === 'aside';

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function emitWithSpan(event, request, response) {
  if (event !== 'request') return emit.apply(this, arguments);
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  if (contextOnly) return context.with(parent, emit, this, event, request, response);
  if (contextListener) {
    response.once('finish', () => {});
    return context.with(parent, emit, this, event, request, response);
  }
  const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent);
  if (spanEnded || spanAside) {
    span.end();
    return context.with(spanAside ? parent : trace.setSpan(parent, span), emit, this, event, request, response);
  }
  response.once('finish', () => {
    span.setAttribute('http.response.status_code', response.statusCode);
    span.end();
  });
  return context.with(trace.setSpan(parent, span), emit, this, event, request, response);
};

// For floor-query-lite: the same processor and resource, to hand it spans made without the SDK's tracer.
module.exports = { resource, spanProcessor };

process.on('SIGTERM', () => {
  provider.shutdown().finally(() => process.exit(0));
});
