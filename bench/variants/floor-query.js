'use strict';
// The floor probe plus the least a tracer can do for a query: one CLIENT span per pg query made
// inside a traced request, child of the SERVER span, no attributes, ended when the query settles.
// The like-for-like floor for GET /orders/:id, where nestjs-tracing also makes two spans (the
// query's with the database conventions and sqlcommenter). Preloaded like floor.js.
require('./floor');
const { trace, SpanKind } = require('@opentelemetry/api');
const { wrapPgQueries } = require('./floor-pg');

const tracer = trace.getTracer('bench-floor');
wrapPgQueries((parent) => tracer.startSpan('query', { kind: SpanKind.CLIENT }, parent));
