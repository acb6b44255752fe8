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
};
const handle = handlers[process.env.FLOOR_SPAN ?? 'span'];
if (handle === undefined) throw new Error(`FLOOR_SPAN=${process.env.FLOOR_SPAN}: expected one of ${Object.keys(handlers).join(', ')}`);

http.Server.prototype.emit = function emitWithSpan(event, request, response) {
  if (event !== 'request') return emit.apply(this, arguments);
  return handle(this, request, response, propagation.extract(ROOT_CONTEXT, request.headers));
};

// For floor-query-lite: the same processor and resource, to hand it spans made without the SDK's tracer.
module.exports = { resource, spanProcessor };

process.on('SIGTERM', () => {
  provider.shutdown().finally(() => process.exit(0));
});
