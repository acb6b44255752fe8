'use strict';
// Ablation probe, loaded with --require before nestjs-tracing's app: it takes whole parts of
// nestjs-tracing out through the process's instrumentation registry (phase 1), to see in the
// server what each part costs. ABLATE_PROBE is a comma-separated list:
// - `db`: the pg wrapper stays in place but never gets its settings, so every query passes
//   straight through (no query span, no sqlcommenter);
// - `nest`: the Nest handler instrumentation is never enabled (no controller attributes, no
//   5xx recording, no hook entry point);
// - `outgoing`: the outgoing http and undici instrumentations are never enabled;
// - `query-bare`: each query span made bare (named `query`, no attributes), as floor-query makes it;
// - `query-no-attributes`: each query span named as usual (`SELECT orders`) but given no attributes;
// - `no-prime`: phase 2 skips its start-up priming of the SDK's allocation sites (cut 10);
// - `floor-pg` (with `db`): floor-query's own pg wrapper (`floor-pg.js`) outside ours, making the
//   same bare query span through the app's provider: our wrapper against the floor's.
// The query-span parts replace nestjs-tracing's `startQuerySpan`, reached by path (the package
// does not export it; the compiled pg wrapper reads it from the module at each call).
// The SERVER span is always left as it is.
require('nestjs-tracing/register');
const { dirname, join } = require('node:path');
const { SpanKind } = require('@opentelemetry/api');

const CLIENT = SpanKind.CLIENT;
const dist = join(dirname(require.resolve('nestjs-tracing/package.json')), 'dist');
const replaceQuerySpan = (start) => {
  require(join(dist, 'db/pg-query.span.js')).startQuerySpan = start;
};

const parts = (process.env.ABLATE_PROBE ?? '').split(',').filter(Boolean);
const registry = globalThis[Symbol.for('nestjs-tracing.instrumentations')];
if (!registry) throw new Error('ablate-probe: nestjs-tracing/register did not register its instrumentations');
const off = (instrumentation) => {
  instrumentation.disable();
  instrumentation.enable = () => {};
};
for (const part of parts) {
  if (part === 'db') Object.defineProperty(registry.pg, 'settings', { get: () => undefined, set: () => {} });
  else if (part === 'nest') off(registry.nest);
  else if (part === 'outgoing') (off(registry.http), off(registry.undici));
  else if (part === 'query-bare') replaceQuerySpan((tracer, _settings, _params, _text, parent) => tracer.startSpan('query', { kind: CLIENT }, parent));
  else if (part === 'query-no-attributes') {
    const { summarizeSql } = require(join(dist, 'db/sql-summary.js'));
    replaceQuerySpan((tracer, _settings, _params, text, parent) => tracer.startSpan(summarizeSql(text).spanName, { kind: CLIENT }, parent));
  } else if (part === 'no-prime') {
    require(join(dist, 'sdk/allocation-sites.primer.js')).primeSpanAllocationSites = () => {};
  } else if (part === 'floor-pg') {
    const { trace } = require('@opentelemetry/api');
    require('./floor-pg').wrapPgQueries((parent) => trace.getTracer('bench-floor').startSpan('query', { kind: CLIENT }, parent));
  } else throw new Error(`ABLATE_PROBE=${part}: db, nest, outgoing, query-bare, query-no-attributes, no-prime or floor-pg`);
}
