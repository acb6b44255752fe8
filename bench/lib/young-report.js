'use strict';
// `--node-flags "--allow-natives-syntax --require ./lib/young-report.js"`: when the server is
// stopped, one stderr line counting, over the spans ended after the first 3000, which of each
// span's objects (and of the request's context and RPC metadata) V8 had allocated in the old
// generation. A count close to the number of spans means that object's allocation site is
// pretenured (bench/README.md, "Where the memory goes").
const { createRequire } = require('node:module');
const load = createRequire(require.resolve('nestjs-tracing', { paths: [process.cwd()] }));
const api = load('@opentelemetry/api');
// SpanImpl lives in @opentelemetry/sdk-trace; follow the library's own chain to the copy it runs.
const fromNode = createRequire(load.resolve('@opentelemetry/sdk-trace-node'));
const { SpanImpl } = createRequire(fromNode.resolve('@opentelemetry/sdk-trace-base'))('@opentelemetry/sdk-trace/build/src/Span.js');
// eslint-disable-next-line no-new-func -- natives syntax parses only with --allow-natives-syntax, at run time
const inYoungGeneration = new Function('value', 'return %InYoungGeneration(value)');
const RPC_METADATA = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');
const SHARED = new Set(['_spanLimits', 'resource', 'instrumentationScope', '_spanProcessor']);

let spans = 0;
const old = {};
const check = (name, value) => {
  if (value !== null && (typeof value === 'object' || typeof value === 'function') && !inYoungGeneration(value)) old[name] = (old[name] ?? 0) + 1;
};
const end = SpanImpl.prototype.end;
SpanImpl.prototype.end = function endAndCheck(time) {
  spans += 1;
  const active = api.context.active();
  const result = end.call(this, time);
  if (spans > 3000) {
    check('span', this);
    for (const [name, value] of Object.entries(this)) if (!SHARED.has(name)) check(`span.${name}`, value);
    check('context', active);
    check('rpcMetadata', active.getValue(RPC_METADATA));
  }
  return result;
};
process.once('SIGTERM', () => {
  process.stderr.write(`YOUNG_REPORT ${JSON.stringify({ spans, checked: Math.max(0, spans - 3000), old })}\n`);
  if (process.listenerCount('SIGTERM') === 0) process.exit(0);
});
