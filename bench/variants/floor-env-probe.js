'use strict';
// The floor, or floor-query (FLOOR_ENV_QUERY=1), with pieces of nestjs-tracing's surroundings added
// but none of its spans: does a bare query span cost more next to them than in the floor alone?
// FLOOR_ENV is a comma-separated list:
// - `register`: nestjs-tracing/register loaded first (its require hooks), every instrumentation
//   disabled but pg's, which stays in place without settings: queries pass through it and the
//   pool's callbacks are kept in their caller's context, as in nestjs-tracing;
// - `prime`: nestjs-tracing's start-up priming of the SDK's allocation sites (cut 10), run once
//   after the floor's provider exists, as phase 2 runs it.
// Preloaded like floor.js.
const { dirname, join } = require('node:path');

const parts = (process.env.FLOOR_ENV ?? '').split(',').filter(Boolean);
for (const part of parts) if (part !== 'register' && part !== 'prime') throw new Error(`FLOOR_ENV=${part}: register or prime`);
if (parts.includes('register')) {
  require('nestjs-tracing/register');
  const registry = globalThis[Symbol.for('nestjs-tracing.instrumentations')];
  for (const instrumentation of [registry.server, registry.nest, registry.http, registry.undici]) {
    instrumentation.disable();
    instrumentation.enable = () => {};
  }
}
require(process.env.FLOOR_ENV_QUERY === '1' ? './floor-query' : './floor');
if (parts.includes('prime')) {
  const dist = join(dirname(require.resolve('nestjs-tracing/package.json')), 'dist');
  require(join(dist, 'sdk/allocation-sites.primer.js')).primeSpanAllocationSites();
}
