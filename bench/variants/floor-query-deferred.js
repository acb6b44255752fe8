'use strict';
// floor-query with the query span made later: the same pg wrapper (floor-pg.js) takes each query's
// start and end times when it runs, and its span is made and ended (with those times) right after
// the request's SERVER span ends. Does a span cost less when the code that makes it has just run?
// (bench/README.md, "What the floor's one span costs, piece by piece").
const floor = require('./floor');
const { trace, SpanKind } = require('@opentelemetry/api');
const { wrapPgQueries } = require('./floor-pg');

const pending = new WeakMap(); // SERVER span -> [parent, start, end, ...]
wrapPgQueries((parent) => {
  const start = performance.now();
  return {
    end() {
      const server = trace.getSpan(parent);
      let list = pending.get(server);
      if (list === undefined) pending.set(server, (list = []));
      list.push(parent, start, performance.now());
    },
  };
});
floor.afterServerSpan = (server) => {
  const list = pending.get(server);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i += 3) {
    floor.tracer.startSpan('query', { kind: SpanKind.CLIENT, startTime: list[i + 1] }, list[i]).end(list[i + 2]);
  }
};
