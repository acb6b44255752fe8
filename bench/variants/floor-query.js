'use strict';
// The floor probe plus the least a tracer can do for a query: one CLIENT span per pg query made
// inside a traced request, child of the SERVER span, no attributes, ended when the query settles.
// The like-for-like floor for GET /orders/:id, where nestjs-tracing also makes two spans (the
// query's with the database conventions and sqlcommenter). Preloaded like floor.js.
require('./floor');
const { context, trace, SpanKind } = require('@opentelemetry/api');
const pg = require('pg');

const tracer = trace.getTracer('bench-floor');
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function queryWithSpan(config, values, callback) {
  const parent = context.active();
  if (trace.getSpan(parent) === undefined) return query.apply(this, arguments);
  const span = tracer.startSpan('query', { kind: SpanKind.CLIENT }, parent);
  const last = arguments.length - 1;
  if (typeof arguments[last] === 'function') {
    const args = Array.prototype.slice.call(arguments);
    const done = args[last];
    args[last] = function (...results) {
      span.end();
      return context.with(parent, done, this, ...results);
    };
    return query.apply(this, args);
  }
  const result = query.apply(this, arguments);
  if (result && typeof result.then === 'function') {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error) => {
        span.end();
        throw error;
      },
    );
  }
  span.end();
  return result;
};
