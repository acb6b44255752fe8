'use strict';
// The floor probe with nestjs-tracing's own query spans in place of floor-query's bare ones: our pg
// instrumentation (name from the statement, the database attributes, sqlcommenter, the pool's
// callback kept in its caller's context) with its default settings, and nothing else of ours —
// the SERVER span is the floor's. Does our query span cost what it costs in our app, or what a
// bare span costs in the floor's? Preloaded like floor.js.
require('nestjs-tracing/register');

const registry = globalThis[Symbol.for('nestjs-tracing.instrumentations')];
if (!registry) throw new Error('floor-ours-query: nestjs-tracing/register did not register its instrumentations');
for (const instrumentation of [registry.server, registry.nest, registry.http, registry.undici]) {
  instrumentation.disable();
  instrumentation.enable = () => {};
}
require('./floor');
// What phase 2 gives the pg instrumentation by default (lib/db/pg.config.ts); its tracer is the
// API's proxy, which reaches the provider floor.js registered.
registry.pg.settings = { requireParentSpan: true, sqlCommenter: true, sqlLiterals: 'mask', connectSpans: false, attributesAtStart: false };
