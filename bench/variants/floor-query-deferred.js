'use strict';
// floor-query with the query span made later: each query's start and end times are taken when it
// runs, its span is made and ended (with those times) right after the request's SERVER span ends.
// Does a span cost less when the code that makes it has just run? (bench/README.md, "What the
// floor's one span costs, piece by piece").
const floor = require('./floor');
const { context, trace, SpanKind } = require('@opentelemetry/api');
const pg = require('pg');

const pending = new WeakMap(); // SERVER span -> [parent, start, end, ...]
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function queryDeferred() {
  const parent = context.active();
  const server = trace.getSpan(parent);
  if (server === undefined) return query.apply(this, arguments);
  const start = performance.now();
  const result = query.apply(this, arguments);
  const record = () => {
    let list = pending.get(server);
    if (list === undefined) pending.set(server, (list = []));
    list.push(parent, start, performance.now());
  };
  if (result && typeof result.then === 'function') {
    return result.then(
      (value) => {
        record();
        return value;
      },
      (error) => {
        record();
        throw error;
      },
    );
  }
  record();
  return result;
};
floor.afterServerSpan = (server) => {
  const list = pending.get(server);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i += 3) {
    floor.tracer.startSpan('query', { kind: SpanKind.CLIENT, startTime: list[i + 1] }, list[i]).end(list[i + 2]);
  }
};
