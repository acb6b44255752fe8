'use strict';
// What floor-query and floor-query-lite share: pg's Client#query wrapped so that each query made
// inside a traced request gets the span `startSpan(parentContext)` returns, ended when the query
// settles (callback, promise or synchronous result), its callback run back in the caller's context.
const { context, trace } = require('@opentelemetry/api');
const pg = require('pg');

function wrapPgQueries(startSpan) {
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function queryWithSpan(config, values, callback) {
    const parent = context.active();
    if (trace.getSpan(parent) === undefined) return query.apply(this, arguments);
    const span = startSpan(parent);
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
}

module.exports = { wrapPgQueries };
