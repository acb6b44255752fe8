#!/usr/bin/env node
// The overhead benchmark: `npm run bench` at the top level (or `node bench/run.mjs`).
//
//   npm run bench                      full run on this machine's Node (~11 min)
//   npm run bench -- --quick           2 short rounds (~3 min): a smoke test, not for publishing
//   npm run bench -- --node 24         the server on Node 24 from test/runtimes (also 22, 26)
//   npm run bench -- --profile         node --cpu-prof of untraced, floor, nestjs-tracing on GET /orders/:id
//   npm run bench -- --perf            the same with Linux perf attached for the window (every thread,
//                                      no in-process sampler; needs perf): bench/lib/perf-summary.mjs
//   npm run bench -- --perf --together  perf on every server of paired windows, recordings of all
//                                      rounds added up per variant (profile.{json,md}), plus the usual report
//   node bench/run.mjs --smoke --database-url URL   seconds long, what npm test runs to keep this
//                                      harness working (test/e2e/bench-smoke.e2e-spec.ts)
//   options: --rounds N --duration S --warmup S --connections N --variants a,b --routes db,ping
//            --loader wrk|autocannon|node (default: wrk when installed) --skip-pack (reuse the installed
//            tarball) --out DIR --baseline REF (adds variant `baseline`: the tarball of git REF,
//            interleaved with the others, for a before/after in one run) --node-flags "F ..." (given to
//            every server process, e.g. "--max-semi-space-size=16" or "--require ./lib/heap-report.js")
//            --together [--slice-ms 200] (each round's variants loaded in the same windows, taking
//            turns on the server core: the machine's drift lands on all of them alike; --duration is
//            then the shared window, each variant running ~1/N of it; bench/README.md, Method,
//            "Paired windows")
//
// What it does (see bench/README.md): installs bench/ (npm ci), packs this repository (npm pack) and
// installs the tarball into bench/node_modules, starts an embedded PostgreSQL with 1000 orders and
// an OTLP gRPC receiver in processes of their own, then runs every variant of the same NestJS app
// in rounds (A B C D E, A B C D E, ...), one fresh server process per variant and round, pinned to
// core 0 while everything else runs on core 1. Per route: warm-up, then a measured window. Results
// go to bench/results/ as JSON and markdown.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { addPerf, readPerf, summarizePerf } from './lib/perf-summary.mjs';
import { summarizeProfile, profileTable } from './lib/profile-summary.mjs';
import { cpuBusy, cpuTimes, peakRssKb, rssKb } from './lib/proc.mjs';
import { aggregate, markdownReport } from './lib/report.mjs';
import { ORDER_ROWS, seedOrders } from './lib/seed.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Variants: the same app (app/app.js), five ways of tracing it.
const VARIANTS = {
  untraced: { description: 'no tracing', args: ['app/main.js'] },
  'nestjs-tracing': {
    description: 'README quick start, default options, from the npm pack tarball',
    args: ['variants/nestjs-tracing.js'],
  },
  'sdk-node-auto': {
    description: 'node --require @opentelemetry/auto-instrumentations-node/register, OTLP gRPC',
    args: ['--require', '@opentelemetry/auto-instrumentations-node/register', 'app/main.js'],
  },
  'nestjs-otel': {
    description: 'nestjs-otel README: NodeSDK + auto-instrumentations + BSP + OTLP gRPC, OpenTelemetryModule.forRoot()',
    args: ['variants/nestjs-otel.js'],
  },
  floor: {
    description: 'one SERVER span per request in the request emit, ALS context, BSP + OTLP gRPC',
    args: ['--require', './variants/floor.js', 'app/main.js'],
  },
  // Ablations, only with --variants: what one part of a setup costs.
  'nestjs-tracing-no-export': {
    description: 'nestjs-tracing with OTEL_TRACES_EXPORTER=none: spans created and ended, no batching, serialization or gRPC',
    args: ['variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none' },
    ablation: true,
  },
  'nestjs-tracing-retain': {
    description: 'nestjs-tracing-no-export, but ended spans held in batches of 512 as the BatchSpanProcessor holds them (variants/export-probe.js)',
    args: ['--require', './variants/export-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', EXPORT_PROBE: 'retain' },
    ablation: true,
  },
  'nestjs-tracing-serialize-batch': {
    description: 'nestjs-tracing-no-export, plus our serializer on batches of 512 ended spans, bytes dropped (variants/export-probe.js)',
    args: ['--require', './variants/export-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', EXPORT_PROBE: 'serialize-batch' },
    ablation: true,
  },
  'nestjs-tracing-export-noop': {
    description: 'nestjs-tracing, its OTLP exporter reporting each batch exported at once, unserialized: the batch processor and its wrappers only (variants/transport-probe.js)',
    args: ['--require', './variants/transport-probe.js', 'variants/nestjs-tracing.js'],
    env: { TRANSPORT_PROBE: 'drop' },
    ablation: true,
  },
  'nestjs-tracing-send-noop': {
    description: 'nestjs-tracing, its transport replaced by one that reports each export sent at once: the gRPC call taken out (variants/transport-probe.js)',
    args: ['--require', './variants/transport-probe.js', 'variants/nestjs-tracing.js'],
    env: { TRANSPORT_PROBE: 'noop' },
    ablation: true,
  },
  'nestjs-tracing-http2': {
    description: 'nestjs-tracing, each export one unary gRPC call on a bare node:http2 session instead of @grpc/grpc-js (variants/transport-probe.js)',
    args: ['--require', './variants/transport-probe.js', 'variants/nestjs-tracing.js'],
    env: { TRANSPORT_PROBE: 'http2' },
    ablation: true,
  },
  'nestjs-tracing-serialize-end': {
    description: 'nestjs-tracing-no-export, plus our serializer on each span as it ends, bytes kept in a buffer (variants/export-probe.js)',
    args: ['--require', './variants/export-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', EXPORT_PROBE: 'serialize-end' },
    ablation: true,
  },
  'nestjs-tracing-nest-spans': {
    description: 'nestjs-tracing with OTEL_NESTJS_NEST_SPANS=true: the two Nest INTERNAL spans per request as well',
    args: ['variants/nestjs-tracing.js'],
    env: { OTEL_NESTJS_NEST_SPANS: 'true' },
    ablation: true,
  },
  'nestjs-tracing-no-sqlcommenter': {
    description: 'nestjs-tracing with OTEL_NESTJS_SQL_COMMENTER=false: statements sent without the traceparent comment',
    args: ['variants/nestjs-tracing.js'],
    env: { OTEL_NESTJS_SQL_COMMENTER: 'false' },
    ablation: true,
  },
  'nestjs-tracing-no-export-no-sqlcommenter': {
    description: 'nestjs-tracing-no-export with OTEL_NESTJS_SQL_COMMENTER=false',
    args: ['variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_NESTJS_SQL_COMMENTER: 'false' },
    ablation: true,
  },
  'nestjs-tracing-no-export-comment-constant': {
    description: 'nestjs-tracing-no-export, the sqlcommenter comment replaced by one of the same length that never changes (variants/comment-probe.js)',
    args: ['--require', './variants/comment-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', COMMENT_PROBE: 'constant' },
    ablation: true,
  },
  'nestjs-tracing-no-export-comment-discard': {
    description: 'nestjs-tracing-no-export, the sqlcommenter comment built for each query and not sent (variants/comment-probe.js)',
    args: ['--require', './variants/comment-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', COMMENT_PROBE: 'discard' },
    ablation: true,
  },
  'nestjs-tracing-no-export-comment-flat': {
    description: 'nestjs-tracing-no-export, the commented statement flattened before pg gets it (variants/comment-probe.js)',
    args: ['--require', './variants/comment-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', COMMENT_PROBE: 'flat' },
    ablation: true,
  },
  'nestjs-tracing-no-export-no-db': {
    description: 'nestjs-tracing-no-export with the query spans (and sqlcommenter) taken out: queries pass through the pg wrapper untouched (variants/ablate-probe.js)',
    args: ['--require', './variants/ablate-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', ABLATE_PROBE: 'db' },
    ablation: true,
  },
  'nestjs-tracing-no-export-server-only': {
    description: 'nestjs-tracing-no-export-no-db without the Nest handler and the outgoing http/undici instrumentations: only the SERVER span (variants/ablate-probe.js)',
    args: ['--require', './variants/ablate-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', ABLATE_PROBE: 'db,nest,outgoing' },
    ablation: true,
  },
  'nestjs-tracing-no-export-no-sqlcommenter-query-bare': {
    description: 'nestjs-tracing-no-export-no-sqlcommenter with each query span made bare, as floor-query makes it: no name from the statement, no attributes (variants/ablate-probe.js)',
    args: ['--require', './variants/ablate-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_NESTJS_SQL_COMMENTER: 'false', ABLATE_PROBE: 'query-bare' },
    ablation: true,
  },
  'nestjs-tracing-no-export-no-sqlcommenter-query-no-attributes': {
    description: 'nestjs-tracing-no-export-no-sqlcommenter with each query span named from its statement but given no attributes (variants/ablate-probe.js)',
    args: ['--require', './variants/ablate-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_NESTJS_SQL_COMMENTER: 'false', ABLATE_PROBE: 'query-no-attributes' },
    ablation: true,
  },
  'nestjs-tracing-no-export-floor-pg': {
    description: 'nestjs-tracing-no-export-no-db with floor-query\'s pg wrapper making the same bare query span: our wrapper against the floor\'s (variants/ablate-probe.js)',
    args: ['--require', './variants/ablate-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', ABLATE_PROBE: 'db,floor-pg' },
    ablation: true,
  },
  'nestjs-tracing-no-export-server-only-floor-pg': {
    description: 'nestjs-tracing-no-export-server-only with floor-query\'s pg wrapper making a bare query span (variants/ablate-probe.js)',
    args: ['--require', './variants/ablate-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', ABLATE_PROBE: 'db,nest,outgoing,floor-pg' },
    ablation: true,
  },
  'nestjs-tracing-no-prime': {
    description: 'nestjs-tracing without its start-up priming of the SDK\'s allocation sites (cut 10; variants/ablate-probe.js)',
    args: ['--require', './variants/ablate-probe.js', 'variants/nestjs-tracing.js'],
    env: { ABLATE_PROBE: 'no-prime' },
    ablation: true,
  },
  'nestjs-tracing-no-export-no-prime': {
    description: 'nestjs-tracing-no-export without its start-up priming of the SDK\'s allocation sites (variants/ablate-probe.js)',
    args: ['--require', './variants/ablate-probe.js', 'variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', ABLATE_PROBE: 'no-prime' },
    ablation: true,
  },
  'nestjs-tracing-no-export-keep-literals': {
    description: 'nestjs-tracing-no-export with OTEL_NESTJS_SQL_LITERALS=keep: db.query.text not masked',
    args: ['variants/nestjs-tracing.js'],
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_NESTJS_SQL_LITERALS: 'keep' },
    ablation: true,
  },
  // Spans wait in the BatchSpanProcessor until a batch is full (512 by default): smaller batches
  // let them die young instead of being promoted to the old generation.
  'nestjs-tracing-batch128': {
    description: 'nestjs-tracing with OTEL_BSP_MAX_EXPORT_BATCH_SIZE=128',
    args: ['variants/nestjs-tracing.js'],
    env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128' },
    ablation: true,
  },
  'nestjs-tracing-batch32': {
    description: 'nestjs-tracing with OTEL_BSP_MAX_EXPORT_BATCH_SIZE=32',
    args: ['variants/nestjs-tracing.js'],
    env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '32' },
    ablation: true,
  },
  'nestjs-tracing-batch2048': {
    description: 'nestjs-tracing with OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048 and OTEL_BSP_MAX_QUEUE_SIZE=8192',
    args: ['variants/nestjs-tracing.js'],
    env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048', OTEL_BSP_MAX_QUEUE_SIZE: '8192' },
    ablation: true,
  },
  'floor-batch128': {
    description: 'floor with OTEL_BSP_MAX_EXPORT_BATCH_SIZE=128',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128' },
    ablation: true,
  },
  // Node 24 sizes V8's young generation from the allocation rate: the same three with it capped.
  'untraced-semi16': {
    description: 'untraced with --max-semi-space-size=16',
    args: ['--max-semi-space-size=16', 'app/main.js'],
    ablation: true,
  },
  'nestjs-tracing-semi16': {
    description: 'nestjs-tracing with --max-semi-space-size=16',
    args: ['--max-semi-space-size=16', 'variants/nestjs-tracing.js'],
    ablation: true,
  },
  'floor-semi16': {
    description: 'floor with --max-semi-space-size=16',
    args: ['--max-semi-space-size=16', '--require', './variants/floor.js', 'app/main.js'],
    ablation: true,
  },
  // Node 22 runs AsyncLocalStorage on async_hooks' promise hooks unless this flag (the default from
  // Node 24 on) switches it to AsyncContextFrame: what that is worth to a tracer there.
  'floor-acf': {
    description: 'floor with --experimental-async-context-frame (Node 22)',
    args: ['--experimental-async-context-frame', '--require', './variants/floor.js', 'app/main.js'],
    ablation: true,
  },
  'nestjs-tracing-acf': {
    description: 'nestjs-tracing with --experimental-async-context-frame (Node 22)',
    args: ['--experimental-async-context-frame', 'variants/nestjs-tracing.js'],
    ablation: true,
  },
  'floor-no-export': {
    description: 'floor with FLOOR_EXPORT=none: its span made and ended, no batching, serialization or gRPC',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { FLOOR_EXPORT: 'none' },
    ablation: true,
  },
  'floor-context-only': {
    description: 'floor with FLOOR_SPAN=none: the traceparent extracted and the request run in that context, no span (probe)',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { FLOOR_SPAN: 'none' },
    ablation: true,
  },
  'floor-context-listener': {
    description: 'floor-context-only plus the floor\'s response `finish` listener (probe)',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { FLOOR_SPAN: 'listener' },
    ablation: true,
  },
  'floor-span-ended': {
    description: 'floor-no-export with the span ended as soon as it is made: in the context, no `finish` listener (probe)',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { FLOOR_SPAN: 'ended', FLOOR_EXPORT: 'none' },
    ablation: true,
  },
  'floor-span-aside': {
    description: 'floor-span-ended, but the request runs in the extracted context, which never holds the span (probe)',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { FLOOR_SPAN: 'aside', FLOOR_EXPORT: 'none' },
    ablation: true,
  },
  'floor-query-deferred': {
    description: 'floor-query with each query span made and ended (at the times measured) right after the SERVER span ends (probe)',
    args: ['--require', './variants/floor-query-deferred.js', 'app/main.js'],
    env: { FLOOR_SPAN: 'deferred' },
    ablation: true,
  },
  'floor-span-aside-twice': {
    description: 'floor-span-aside with two spans made and ended, one after the other (probe)',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { FLOOR_SPAN: 'asideTwice', FLOOR_EXPORT: 'none' },
    ablation: true,
  },
  'floor-span-aside-timed': {
    description: 'floor-span-aside with the span\'s making and ending timed where it runs (probe; a SPAN_TIMED line at stop)',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { FLOOR_SPAN: 'asideTimed', FLOOR_EXPORT: 'none' },
    ablation: true,
  },
  'floor-span-aside-twice-timed': {
    description: 'floor-span-aside-twice with each span timed where it runs (probe; a SPAN_TIMED line at stop)',
    args: ['--require', './variants/floor.js', 'app/main.js'],
    env: { FLOOR_SPAN: 'asideTwiceTimed', FLOOR_EXPORT: 'none' },
    ablation: true,
  },
  // V8 decides for good, early under load, to allocate some literal sites straight into the old
  // generation (bench/README.md, "Where the memory goes"): the same three with that switched off.
  'untraced-no-pretenuring': {
    description: 'untraced with --no-allocation-site-pretenuring',
    args: ['--no-allocation-site-pretenuring', 'app/main.js'],
    ablation: true,
  },
  'floor-no-pretenuring': {
    description: 'floor with --no-allocation-site-pretenuring',
    args: ['--no-allocation-site-pretenuring', '--require', './variants/floor.js', 'app/main.js'],
    ablation: true,
  },
  'nestjs-tracing-no-pretenuring': {
    description: 'nestjs-tracing with --no-allocation-site-pretenuring',
    args: ['--no-allocation-site-pretenuring', 'variants/nestjs-tracing.js'],
    ablation: true,
  },
  'floor-query': {
    description: 'floor + one CLIENT span per pg query (no attributes): the two-span floor of the db route',
    args: ['--require', './variants/floor-query.js', 'app/main.js'],
    ablation: true,
  },
  'floor-ours-query': {
    description: 'floor with nestjs-tracing\'s own query spans (its pg instrumentation, default settings) instead of floor-query\'s bare ones (variants/floor-ours-query.js)',
    args: ['--require', './variants/floor-ours-query.js', 'app/main.js'],
    ablation: true,
  },
  'floor-ours-query-no-export': {
    description: 'floor-no-export with nestjs-tracing\'s own query spans (its pg instrumentation, default settings) instead of bare ones (variants/floor-ours-query.js)',
    args: ['--require', './variants/floor-ours-query.js', 'app/main.js'],
    env: { FLOOR_EXPORT: 'none' },
    ablation: true,
  },
  'floor-query-no-export': {
    description: 'floor-query with FLOOR_EXPORT=none: its two spans made and ended, no batching, serialization or gRPC',
    args: ['--require', './variants/floor-query.js', 'app/main.js'],
    env: { FLOOR_EXPORT: 'none' },
    ablation: true,
  },
  'floor-query-lite': {
    description: 'floor-query with the query span a plain object handed to the same BatchSpanProcessor, no SDK tracer or span class (probe)',
    args: ['--require', './variants/floor-query-lite.js', 'app/main.js'],
    ablation: true,
  },
  'floor-interceptor': {
    description: 'floor + one global pass-through Nest interceptor',
    args: ['variants/floor-interceptor.js'],
    ablation: true,
  },
};
const ROUTES = {
  db: { label: 'GET /orders/:id', path: '/orders/1' },
  ping: { label: 'GET /ping', path: '/ping' },
};

// Calibration, untraced: SPIN_MICROS of pure CPU per request in the request emit, nothing
// allocated (variants/spin-probe.js) — what "extra µs per request" reads for a known cost.
for (const micros of [5, 10, 20, 40, 80]) {
  VARIANTS[`untraced-spin${micros}`] = {
    description: `untraced, plus a ${micros} µs busy loop per request that allocates nothing (variants/spin-probe.js)`,
    args: ['--require', './variants/spin-probe.js', 'app/main.js'],
    env: { SPIN_MICROS: String(micros) },
    ablation: true,
  };
  VARIANTS[`untraced-work${micros}`] = {
    description: `untraced, plus ${micros} µs of integer steps per request (calibrated at start-up, no clock read; variants/spin-probe.js)`,
    args: ['--require', './variants/spin-probe.js', 'app/main.js'],
    env: { SPIN_MICROS: String(micros), SPIN_MODE: 'work' },
    ablation: true,
  };
}

// The floor and floor-query next to one piece of nestjs-tracing's surroundings, no span of ours
// (variants/floor-env-probe.js): does a second bare span cost more there than in the floor alone?
const FLOOR_ENVS = {
  register: 'nestjs-tracing/register loaded first and every instrumentation disabled but pg\'s, which passes queries through',
  prime: 'nestjs-tracing\'s start-up priming of the SDK\'s allocation sites',
};
for (const [part, what] of Object.entries(FLOOR_ENVS)) {
  for (const floor of ['floor', 'floor-query']) {
    VARIANTS[`${floor}-no-export-${part}`] = {
      description: `${floor}-no-export with ${what} (variants/floor-env-probe.js)`,
      args: ['--require', './variants/floor-env-probe.js', 'app/main.js'],
      env: { FLOOR_EXPORT: 'none', FLOOR_ENV: part, FLOOR_ENV_QUERY: floor === 'floor-query' ? '1' : '0' },
      ablation: true,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Options
function usage(message) {
  return Object.assign(new Error(message), { usage: true });
}

function parseArgs(argv) {
  const opts = {
    quick: false,
    smoke: false,
    databaseUrl: undefined,
    profile: false,
    perf: false,
    node: undefined,
    rounds: undefined,
    duration: undefined,
    warmup: undefined,
    connections: 10,
    variants: undefined,
    routes: undefined,
    skipPack: false,
    together: false,
    sliceMs: 200,
    baseline: undefined,
    loader: undefined,
    probeRequests: 20,
    nodeFlags: [],
    out: join(BENCH, 'results'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw usage(`${arg} needs a value`);
      return v;
    };
    const number = (min) => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < min) throw usage(`${arg} must be a number >= ${min}`);
      return n;
    };
    switch (arg) {
      case '--quick': opts.quick = true; break;
      case '--smoke': opts.smoke = true; break;
      case '--database-url': opts.databaseUrl = value(); break;
      case '--profile': opts.profile = true; break;
      case '--perf': opts.profile = true; opts.perf = true; break;
      case '--node': opts.node = value(); break;
      case '--rounds': opts.rounds = number(1); break;
      case '--duration': opts.duration = number(1); break;
      case '--warmup': opts.warmup = number(0); break;
      case '--connections': opts.connections = number(1); break;
      case '--variants': opts.variants = value().split(','); break;
      case '--routes': opts.routes = value().split(','); break;
      case '--skip-pack': opts.skipPack = true; break;
      case '--together': opts.together = true; break;
      case '--slice-ms': opts.sliceMs = number(20); break;
      case '--baseline': opts.baseline = value(); break;
      case '--loader': opts.loader = value(); break;
      case '--out': opts.out = value(); break;
      case '--node-flags': opts.nodeFlags = value().split(' ').filter(Boolean); break;
      case '-h': case '--help':
        console.log(
          readFileSync(fileURLToPath(import.meta.url), 'utf8')
            .split('\n')
            .slice(1)
            .filter((line, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('//')))
            .join('\n')
            .replace(/^\/\/ ?/gm, ''),
        );
        process.exit(0);
        break;
      default: throw usage(`unknown option ${arg} (--help lists them)`);
    }
  }
  if (opts.smoke) {
    // What npm test runs: no bench/ install, no npm pack, no peers; the library from this
    // repository's build (npm test's pretest builds it) and Node's own http as the load generator.
    if (opts.profile || opts.baseline !== undefined || opts.node !== undefined) throw usage('--smoke runs on its own');
    opts.variants ??= ['untraced', 'floor', 'nestjs-tracing'];
    opts.routes ??= ['db', 'ping'];
    opts.rounds ??= 1;
    opts.duration ??= 2;
    opts.warmup ??= 1;
    opts.probeRequests = 5;
    opts.connections = 4;
    opts.loader ??= 'node';
  } else if (opts.profile) {
    opts.variants ??= ['untraced', 'floor', 'nestjs-tracing'];
    opts.routes ??= ['db'];
    opts.rounds ??= 1;
    opts.duration ??= opts.quick ? 8 : 20;
    opts.warmup ??= opts.quick ? 3 : 8;
  } else if (opts.quick) {
    opts.rounds ??= 2;
    opts.duration ??= 3;
    opts.warmup ??= 2;
  } else {
    opts.rounds ??= 3;
    opts.duration ??= 10;
    opts.warmup ??= 5;
  }
  if (opts.loader !== undefined && !['wrk', 'autocannon', 'node'].includes(opts.loader)) throw usage('--loader is wrk, autocannon or node');
  // wrk (C, one thread) leaves far more of the load core to PostgreSQL than autocannon does.
  opts.loader ??= hasWrk() ? 'wrk' : 'autocannon';
  opts.variants ??= Object.keys(VARIANTS).filter((v) => !VARIANTS[v].ablation);
  if (opts.baseline !== undefined) {
    // The same quick start from another commit's tarball, run right after nestjs-tracing in each
    // round: a before/after comparison that shares every round's machine state.
    VARIANTS.baseline = { description: `nestjs-tracing at ${opts.baseline} (--baseline)`, args: [] };
    if (!opts.variants.includes('baseline')) {
      const at = opts.variants.indexOf('nestjs-tracing');
      opts.variants.splice(at < 0 ? opts.variants.length : at + 1, 0, 'baseline');
    }
  }
  opts.routes ??= Object.keys(ROUTES);
  for (const v of opts.variants) if (!VARIANTS[v]) throw usage(`unknown variant ${v}: ${Object.keys(VARIANTS).join(', ')}`);
  for (const r of opts.routes) if (!ROUTES[r]) throw usage(`unknown route ${r}: ${Object.keys(ROUTES).join(', ')}`);
  if (!opts.profile && !opts.variants.includes('untraced')) throw usage('the ratios need the untraced variant');
  if (opts.together && opts.profile && !opts.perf) throw usage('--together profiles with --perf only (--cpu-prof would sample through the other servers\' turns)');
  return opts;
}

function hasWrk() {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return !r.error && /wrk/.test(`${r.stdout}${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked and killed on exit, error or Ctrl-C.
const children = new Set();

function track(child, name) {
  child.benchName = name;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child, { signal = 'SIGTERM', timeoutMs = 15000, closeStdin = false } = {}) {
  if (child.exitCode !== null || child.signalCode !== null) return { forced: false };
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (closeStdin) child.stdin?.end();
  else child.kill(signal);
  const forced = await Promise.race([exited.then(() => false), sleep(timeoutMs).then(() => true)]);
  if (forced) {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
  }
  return { forced };
}

async function killAll() {
  await Promise.all(
    [...children].map((child) =>
      stopChild(child, { closeStdin: child.benchName === 'postgres', timeoutMs: 10000 }).catch(() => child.kill('SIGKILL')),
    ),
  );
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n[bench] ${signal}: stopping every child process`);
    void killAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// CPU pinning: the server gets core 0 to itself; load generator, PostgreSQL, receiver and this
// harness share the rest.
function pinning() {
  const n = cpus().length;
  const taskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!taskset || n < 2) {
    console.warn(`[bench] ${taskset ? `only ${n} CPU` : 'taskset not found'}: processes are not pinned; results are noisier`);
    return { server: undefined, load: undefined, pinned: false };
  }
  return { server: '0', load: n === 2 ? '1' : `1-${n - 1}`, pinned: true };
}

function spawnPinned(cores, command, args, options) {
  return cores === undefined ? spawn(command, args, options) : spawn('taskset', ['-c', cores, command, ...args], options);
}

// ---------------------------------------------------------------------------------------------
// Set-up: bench dependencies, the packed library, the Node binary.
function run(command, args, cwd, what) {
  console.log(`[bench] ${what}: ${command} ${args.join(' ')}${cwd === ROOT ? '' : `  (in ${relative(ROOT, cwd) || '.'})`}`);
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${what} failed (${command} ${args.join(' ')} exited ${result.status ?? result.signal})`);
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

function ensureBenchDependencies() {
  const stamp = join(BENCH, 'node_modules', '.bench-lock-sha256');
  const want = sha256(join(BENCH, 'package-lock.json'));
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  run('npm', ['ci', '--no-audit', '--no-fund'], BENCH, 'installing bench/ dependencies');
  writeFileSync(stamp, want);
}

function packAndInstallLibrary(skipPack) {
  const installed = join(BENCH, 'node_modules', 'nestjs-tracing', 'package.json');
  if (skipPack && existsSync(installed)) {
    console.log('[bench] --skip-pack: using the nestjs-tracing already in bench/node_modules');
    try {
      return { ...JSON.parse(readFileSync(join(BENCH, '.tmp', 'pack.json'), 'utf8')), reused: true };
    } catch {
      return { reused: true };
    }
  }
  if (!existsSync(join(ROOT, 'node_modules', 'typescript'))) {
    run('npm', ['ci', '--no-audit', '--no-fund'], ROOT, 'installing the repository (needed to build the package)');
  }
  const tmp = join(BENCH, '.tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // npm pack runs `prepack` (npm run build): the tarball is what `npm publish` would upload.
  run('npm', ['pack', '--pack-destination', tmp, '--silent'], ROOT, 'packing nestjs-tracing');
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack wrote no tarball to ${tmp}`);
  // Installed like a user would (npm install <tarball>), without touching bench/package.json or its
  // lockfile: the library's own dependencies resolve from its package.json.
  rmSync(join(BENCH, 'node_modules', 'nestjs-tracing'), { recursive: true, force: true });
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', `./.tmp/${tgz}`], BENCH, 'installing the tarball into bench/');
  const info = { tarball: tgz, sha256: sha256(join(tmp, tgz)), git: gitState(), packedAt: new Date().toISOString() };
  writeFileSync(join(tmp, 'pack.json'), JSON.stringify(info, null, 2));
  return { ...info, reused: false };
}

/**
 * `--baseline REF`: the tarball of another commit, built from `git archive` with that commit's own
 * lockfile and installed into bench/.baseline/<sha>/ (kept for the next run). Its dependencies
 * come from its package.json; peers (@nestjs/*, @opentelemetry/api) resolve to bench/node_modules,
 * the app's own copies, as they would for a user.
 */
function installBaseline(ref) {
  const resolved = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' });
  const sha = resolved.stdout?.trim();
  if (resolved.status !== 0 || !sha) throw usage(`--baseline ${ref}: not a commit in this repository`);
  const dir = join(BENCH, '.baseline', sha.slice(0, 12));
  const entry = join(dir, 'nestjs-tracing.js');
  const installedApi = () => {
    try {
      return JSON.parse(readFileSync(join(dir, 'node_modules', '@opentelemetry', 'api', 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  if (!existsSync(join(dir, 'node_modules', 'nestjs-tracing', 'package.json')) || installedApi() !== versionOf('@opentelemetry/api')) {
    rmSync(dir, { recursive: true, force: true });
    const src = join(dir, 'src');
    mkdirSync(src, { recursive: true });
    const archive = spawnSync('sh', ['-c', `git archive ${sha} | tar -x -C "${src}"`], { cwd: ROOT, stdio: 'inherit' });
    if (archive.status !== 0) throw new Error(`git archive ${sha} failed`);
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], src, `installing what ${ref} needs to build`);
    run('npm', ['pack', '--pack-destination', dir, '--silent'], src, `packing nestjs-tracing at ${ref}`);
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack of ${ref} wrote no tarball`);
    rmSync(src, { recursive: true, force: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    // --legacy-peer-deps keeps a second @nestjs/* out of this folder (the app's copies must be the
    // ones the module registers with); the API, a peer too, is then pinned to the version the
    // `nestjs-tracing` variant runs with, or a dependency's `^1.x` range would pull in the newest.
    const api = versionOf('@opentelemetry/api');
    run('npm', ['install', '--no-save', '--legacy-peer-deps', '--no-audit', '--no-fund', `./${tgz}`, ...(api ? [`@opentelemetry/api@${api}`] : [])], dir, `installing the ${ref} tarball`);
  }
  // variants/nestjs-tracing.js, pointed at the app from here.
  const quickStart = readFileSync(join(BENCH, 'variants', 'nestjs-tracing.js'), 'utf8');
  writeFileSync(entry, quickStart.replace("require('../app/app')", `require(${JSON.stringify(join(BENCH, 'app', 'app'))})`));
  return { sha, entry };
}

function nodeBinary(line) {
  if (line === undefined) return process.execPath;
  const runtimes = join(ROOT, 'test', 'runtimes');
  const bin = join(runtimes, 'node_modules', `node${line}-${process.platform}-${process.arch}`, 'bin', 'node');
  if (!existsSync(bin)) {
    if (!existsSync(join(runtimes, 'package.json'))) throw new Error('test/runtimes/ is missing: --node needs it');
    run('npm', ['ci', '--no-audit', '--no-fund', '--prefix', runtimes], ROOT, `installing Node ${line} (test/runtimes)`);
    if (!existsSync(bin)) throw new Error(`no Node ${line} binary for ${process.platform}-${process.arch} in test/runtimes/package.json`);
  }
  return bin;
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(join(BENCH, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function gitState() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'lib', 'package.json'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
  return { head: head || undefined, libDirty: Boolean(dirty) };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL and the receiver
// The sample's embedded PostgreSQL (its own process, stopped when our stdin pipe closes), built by
// `npm run build:sample`; throw-away data, so no durability work on the load core.
async function startPostgres(cores, databaseUrl) {
  if (databaseUrl !== undefined) {
    // --database-url: an empty database on a server someone else runs (npm test's own PostgreSQL).
    await seedOrders(schemaModule(), databaseUrl);
    return { url: databaseUrl, rows: ORDER_ROWS };
  }
  run('npm', ['run', 'build:sample', '--silent'], ROOT, 'building the sample (its PostgreSQL launcher and schema)');
  const server = join(ROOT, 'dist-sample', 'database', 'embedded-postgres.server.js');
  const flags = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const child = track(
    spawnPinned(cores, process.execPath, [server, 'orders', ...flags], { cwd: BENCH, stdio: ['pipe', 'pipe', 'inherit'] }),
    'postgres',
  );
  const { url } = JSON.parse(await firstLine(child, 120000, 'embedded PostgreSQL'));
  await seedOrders(schemaModule(), url);
  return { child, url, rows: ORDER_ROWS };
}

/** The sample's compiled schema: from `npm run build:sample`, or from npm test's `pretest`. */
function schemaModule() {
  for (const dir of ['dist-sample', join('dist-test', 'sample')]) {
    const file = join(ROOT, dir, 'database', 'schema.js');
    if (existsSync(file)) return file;
  }
  run('npm', ['run', 'build:sample', '--silent'], ROOT, 'building the sample (its schema)');
  return join(ROOT, 'dist-sample', 'database', 'schema.js');
}

/**
 * --smoke: the app and the variants copied under the repository root, so they resolve the
 * repository's own node_modules and `nestjs-tracing` to its build (a package may require itself
 * by name) — never bench/node_modules, which a fresh clone does not have.
 */
function stageSmoke() {
  if (!existsSync(join(ROOT, 'dist', 'register.js'))) run('npm', ['run', 'build', '--silent'], ROOT, 'building nestjs-tracing');
  const dir = join(ROOT, '.bench-smoke', String(process.pid));
  for (const file of ['app/app.js', 'app/main.js', 'variants/floor.js', 'variants/nestjs-tracing.js']) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), readFileSync(join(BENCH, file)));
  }
  return dir;
}

async function startReceiver(cores) {
  const child = track(
    spawnPinned(cores, process.execPath, [join(BENCH, 'lib', 'receiver.mjs')], { cwd: BENCH, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    'receiver',
  );
  const pending = new Map();
  let nextId = 1;
  let ready;
  const readyPromise = new Promise((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`the receiver exited (${code}) before it was ready`)));
  });
  child.on('message', (message) => {
    if (message.type === 'ready') ready(message.port);
    const waiter = pending.get(message.id);
    if (waiter) {
      pending.delete(message.id);
      waiter(message);
    }
  });
  const ask = (message) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the receiver did not answer ${message.type}`));
      }, 15000);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      child.send({ ...message, id });
    });
  const port = await Promise.race([readyPromise, sleep(30000).then(() => Promise.reject(new Error('the receiver did not start')))]);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    stats: (tags) => ask({ type: 'stats', tags }),
    reset: () => ask({ type: 'reset' }),
  };
}

function firstLine(child, timeoutMs, what, prefix) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`${what} gave no ${prefix ?? 'output'} within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready`));
    };
    child.once('exit', onExit);
    lines.on('line', (line) => {
      if (prefix && !line.startsWith(prefix)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(prefix ? line.slice(prefix.length) : line);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// One server process: start, probe, warm up, measure, stop, count spans.
let tagCounter = Math.floor(Math.random() * 0x1000) * 0x10000; // tags differ between runs
const nextTag = () => (++tagCounter).toString(16).padStart(8, '0');

function serverEnv(variant, ctx, extra = {}) {
  const env = {};
  // Nothing from the caller's OTEL_* environment leaks into a variant.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  return {
    ...env,
    NODE_ENV: 'production',
    DATABASE_URL: ctx.postgres.url,
    PORT: '0',
    OTEL_SERVICE_NAME: `bench-${variant}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: ctx.receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    // Traces only, for every variant: the NodeSDK would otherwise also start OTLP metrics and logs.
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    // Never the cloud detectors (they probe metadata addresses off this machine).
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance',
    ...extra,
  };
}

async function startServer(variant, ctx, { nodeFlags = [], env = {} } = {}) {
  const child = track(
    spawnPinned(ctx.cores.server, ctx.node, [...ctx.opts.nodeFlags, ...nodeFlags, ...VARIANTS[variant].args], {
      cwd: ctx.appDir ?? BENCH,
      env: serverEnv(variant, ctx, { ...VARIANTS[variant].env, ...env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
    `server:${variant}`,
  );
  const stderr = [];
  child.stderr.on('data', (chunk) => {
    stderr.push(chunk.toString());
    if (stderr.length > 200) stderr.shift();
  });
  const spawnedNs = process.hrtime.bigint();
  try {
    const ready = JSON.parse(await firstLine(child, 90000, `the ${variant} server`, 'BENCH_READY '));
    // Keep draining stdout so the child never blocks on a full pipe.
    child.stdout.resume();
    return { child, port: ready.port, pid: child.pid, stderr, spawnedNs, node: ready.node };
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n--- stderr of ${variant} ---\n${stderr.join('').slice(-4000)}`);
  }
}

function httpGet(port, path, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: probeAgent, timeout: 10000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}
const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** Sequential requests at a trickle: the spans one request produces, with nothing dropped. */
async function probe(port, route, tag, count) {
  const prefix = tag + '00000000';
  const statuses = [];
  for (let i = 1; i <= count; i++) {
    const path = route === 'db' ? `/orders/${1 + ((i * 37) % 1000)}` : '/ping';
    const traceparent = `00-${prefix}${i.toString(16).padStart(16, '0')}-${'1'.repeat(16)}-01`;
    statuses.push(await httpGet(port, path, { traceparent }));
  }
  return statuses;
}

function load(ctx, server, route, seconds, tag) {
  const options = {
    url: `http://127.0.0.1:${server.port}`,
    route,
    durationSeconds: seconds,
    connections: ctx.opts.connections,
    tag,
    serverPid: server.pid,
    loader: ctx.opts.loader,
  };
  const child = track(
    spawnPinned(ctx.cores.load, process.execPath, [join(BENCH, 'lib', 'load.mjs'), JSON.stringify(options)], {
      cwd: BENCH,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
    'load',
  );
  return firstLine(child, (seconds + 60) * 1000, 'the load generator').then(JSON.parse);
}

/** Share of the server's core that other processes used during a window (0..1), if known. */
function foreignShare(ctx, w) {
  const d = w.coreDetail?.[`cpu${ctx.cores.server}`];
  if (!ctx.cores.pinned || ctx.opts.together || !d || w.serverCpuMicros === undefined) return undefined;
  return Math.max(0, d.task - w.serverCpuMicros / (w.wallSeconds * 1e6));
}

/**
 * A measured window, repeated (at most twice, after waiting for quiet) when other processes took
 * more than 10 % of the server's core or kept the load core above 97 %: on a shared machine those
 * windows measure the neighbours.
 */
async function measuredWindow(ctx, server, route) {
  let w;
  for (let attempt = 0; attempt <= 2; attempt++) {
    const tag = nextTag();
    w = await load(ctx, server, route, ctx.opts.duration, tag);
    w.retries = attempt;
    const foreign = foreignShare(ctx, w);
    const loadCore = w.coreDetail?.[`cpu${ctx.cores.load}`];
    // The smoke run shares the machine with the rest of npm test on purpose: nothing to repeat.
    const disturbed =
      !ctx.opts.smoke && (foreign > 0.1 || (loadCore && loadCore.task + loadCore.irq > 0.97 && w.serverCpuMicros / (w.wallSeconds * 1e6) < 0.9));
    if (!disturbed || attempt === 2) break;
    console.log(`[bench]   ${route} window disturbed (other processes ${(foreign * 100).toFixed(0)} % of the server's core, load core ${loadCore ? ((loadCore.task + loadCore.irq) * 100).toFixed(0) : '?'} % busy): repeating it`);
    await waitForQuiet();
  }
  return w;
}

/** Most common value of a { value: count } histogram. */
function mode(histogram) {
  let best;
  let bestCount = -1;
  for (const [value, count] of Object.entries(histogram)) {
    if (count > bestCount) [best, bestCount] = [Number(value), count];
  }
  return best;
}

/**
 * This machine may be shared: before a server starts, wait (at most maxSeconds) for a second in
 * which all CPUs together are less than a quarter busy. Returns the seconds waited and the last
 * reading; the windows themselves record how busy the server's core was with other work.
 */
async function waitForQuiet(maxSeconds = 20) {
  const t0 = Date.now();
  let busy;
  for (let i = 0; i < maxSeconds; i++) {
    const a = cpuTimes();
    await sleep(1000);
    const b = cpuBusy(a, cpuTimes());
    if (!b) return { waitedSeconds: 0 };
    busy = Object.values(b).reduce((x, y) => x + y, 0);
    if (busy < 0.25) break;
  }
  return { waitedSeconds: Math.round((Date.now() - t0) / 1000) - 1, busyCores: Number(busy?.toFixed(2)) };
}

/**
 * A server's stderr in its cell: the last 2000 characters, and apart from them every line a
 * `--node-flags` preload or probe printed when the server stopped (`EXPORT_REPORT …`,
 * `GC_REPORT …`, `SPAN_TIMED …`: an upper-case name with underscores, then a space), which the
 * app's own errors at shutdown can push out of the tail.
 */
function keepStderr(cell, chunks) {
  const text = chunks.join('').trim();
  if (!text) return;
  cell.stderrTail = text.slice(-2000);
  const reports = text.match(/^[A-Z]+(?:_[A-Z]+)+ .*$/gm);
  if (reports) cell.reports = reports;
}

/** One route's figures for one server, from its measured window and the receiver's counts. */
function routeRecord(ctx, w, probeStats, received) {
  const { opts } = ctx;
  const expectedSpans = mode(probeStats.spansPerTrace) ?? 0;
  const requests = w.requests;
  return {
    requests,
    ok: w.ok,
    non2xx: w.non2xx,
    errors: w.errors,
    timeouts: w.timeouts,
    seconds: w.durationSeconds,
    reqPerSec: w.ok / w.durationSeconds,
    latencyMs: w.latencyMs,
    cpuMicrosPerReq: w.serverCpuMicros / requests,
    // The JavaScript thread alone; the rest is V8's helper threads (GC, compilers) and libuv's.
    mainThreadCpuMicrosPerReq: w.serverMainThreadCpuMicros / requests,
    // Of cpuMicrosPerReq, the part spent in the kernel (every thread's stime): syscalls — socket
    // reads and writes, epoll — and page faults.
    sysCpuMicrosPerReq: w.serverSysCpuMicros / requests,
    serverCoreShare: w.serverCpuMicros / (w.wallSeconds * 1e6),
    // Busy time of the server's core that was not the server: other processes on this machine.
    // (user+system time of that core minus the server's; interrupts and steal are reported apart).
    foreignOnServerCore: foreignShare(ctx, w),
    serverCoreDetail: w.coreDetail?.[`cpu${ctx.cores.server}`],
    loadCoreDetail: w.coreDetail?.[`cpu${ctx.cores.load}`],
    // Cross-CPU interrupts per request, per CPU (RES: wake-ups, CAL: function calls, TLB:
    // shootdowns); in --together windows every server of the round shares this count.
    interruptsPerReq: w.interrupts && Object.fromEntries(Object.entries(w.interrupts).map(([kind, counts]) => [kind, counts.map((n) => n / requests)])),
    retries: w.retries,
    coreBusy: w.coreBusy,
    peakRssKb: w.peakRssKb,
    peakRssWindowed: w.peakRssWindowed,
    expectedSpansPerReq: expectedSpans,
    probe: { requests: opts.probeRequests, traces: probeStats.traces, spansPerTrace: probeStats.spansPerTrace, spanNames: probeStats.names },
    spansReceived: received.spans,
    tracesReceived: received.traces,
    // Every request the load generator sent carried a trace id of its own: those are the
    // denominators (a few more than completed: the ones in flight when the window closed).
    sent: w.sent,
    spansPerReq: received.spans / w.sent,
    tracedShare: received.traces / w.sent,
    deliveredShare: expectedSpans > 0 ? received.spans / (w.sent * expectedSpans) : undefined,
    loaderNodeCpuMicros: w.loaderNodeCpuMicros,
    monotonicStartNs: w.monotonicStartNs,
    monotonicEndNs: w.monotonicEndNs,
  };
}

/** waitForQuiet before a server starts (not in the smoke run, which shares the machine on purpose). */
async function quietBeforeStart(opts) {
  const quiet = opts.smoke ? { waitedSeconds: 0 } : await waitForQuiet();
  if (quiet.waitedSeconds > 2) console.log(`[bench] waited ${quiet.waitedSeconds} s for other work on this machine to calm down (now ${quiet.busyCores} CPUs busy)`);
  return quiet;
}

async function runCell(ctx, variant, round) {
  const { opts } = ctx;
  const quiet = await quietBeforeStart(opts);
  const server = await startServer(variant, ctx);
  const bootRssKb = rssKb(server.pid);
  const cell = { variant, round, pid: server.pid, node: server.node, bootRssKb, quiet, routes: {} };
  const tags = [];
  try {
    // Route order alternates between rounds so that neither route always runs first.
    const routes = round % 2 === 0 ? opts.routes : [...opts.routes].reverse();
    const probeTags = {};
    for (const route of routes) {
      probeTags[route] = nextTag();
      tags.push(probeTags[route]);
      const statuses = await probe(server.port, route, probeTags[route], opts.probeRequests);
      if (statuses.some((s) => s !== 200)) throw new Error(`${variant} ${route}: probe statuses ${[...new Set(statuses)]}`);
    }
    for (const route of routes) {
      const tag = nextTag();
      tags.push(tag);
      if (opts.warmup > 0) await load(ctx, server, route, opts.warmup, tag);
    }
    const windows = {};
    for (const route of routes) {
      windows[route] = await measuredWindow(ctx, server, route);
      tags.push(windows[route].tag);
    }
    cell.exitRssKb = rssKb(server.pid);
    cell.lifetimePeakRssKb = peakRssKb(server.pid);
    // Each variant's documented shutdown path flushes what its batch processor still holds.
    const { forced } = await stopChild(server.child, { signal: 'SIGTERM', timeoutMs: 15000 });
    cell.shutdownForced = forced;
    await sleep(500);
    const stats = await ctx.receiver.stats(tags);
    for (const route of routes) {
      cell.routes[route] = routeRecord(ctx, windows[route], stats.tags[probeTags[route]], stats.tags[windows[route].tag]);
    }
    keepStderr(cell, server.stderr);
    return cell;
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) await stopChild(server.child, { timeoutMs: 5000 });
    await ctx.receiver.reset();
  }
}

/**
 * Take turns on the server core: every server but one is stopped (SIGSTOP, the whole process with
 * its threads) and every sliceMs the running one is stopped and the next continued, until stop().
 * CPU time is counted per process, so each server is charged for its own turns only.
 */
function takeTurns(pids, sliceMs) {
  const signal = (pid, name) => {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone: the window reports it.
    }
  };
  pids.forEach((pid, i) => signal(pid, i === 0 ? 'SIGCONT' : 'SIGSTOP'));
  let current = 0;
  const timer = setInterval(() => {
    signal(pids[current], 'SIGSTOP');
    current = (current + 1) % pids.length;
    signal(pids[current], 'SIGCONT');
  }, sliceMs);
  return () => {
    clearInterval(timer);
    for (const pid of pids) signal(pid, 'SIGCONT');
  };
}

/**
 * --together: one round's variants in the same windows. Every server is started and probed; then
 * each route is loaded on all of them at once (a load generator per server), and the servers take
 * turns on the server core in slices of --slice-ms. This machine's speed drifts by up to 2× over
 * a few seconds (bench/README.md, Method, "Paired windows"): in windows of their own that drift
 * lands on one variant; in turns a fraction of a second long it lands on all of them alike. (All
 * servers running at once instead would share the core request by request, every request on a
 * cache the others had just filled: tried, it doubled every variant's CPU per request.)
 */
async function runRoundTogether(ctx, round) {
  const { opts } = ctx;
  const quiet = await quietBeforeStart(opts);
  // The start order rotates between rounds, like the variant order of the separate windows.
  const order = opts.variants.map((_, i) => opts.variants[(i + round) % opts.variants.length]);
  const runs = [];
  try {
    for (const variant of order) {
      const server = await startServer(variant, ctx, opts.perf ? { nodeFlags: perfNodeFlags(join(ctx.profDir, `${variant}-r${round + 1}.v8.log`)) } : {});
      runs.push({ variant, server, tags: [], probeTags: {}, windows: {}, cell: { variant, round, pid: server.pid, node: server.node, bootRssKb: rssKb(server.pid), quiet, together: order, routes: {} } });
    }
    const routes = round % 2 === 0 ? opts.routes : [...opts.routes].reverse();
    for (const run of runs) {
      for (const route of routes) {
        const tag = (run.probeTags[route] = nextTag());
        run.tags.push(tag);
        const statuses = await probe(run.server.port, route, tag, opts.probeRequests);
        if (statuses.some((s) => s !== 200)) throw new Error(`${run.variant} ${route}: probe statuses ${[...new Set(statuses)]}`);
      }
    }
    const recording = (run, route) => join(ctx.profDir, `${run.variant}-${route}-r${round + 1}.perf.data`);
    const all = async (route, seconds, measured = false) => {
      // --perf: a recording per server for the measured window; a stopped server gives no samples.
      const perfs = measured && opts.perf ? runs.map((run) => startPerf(ctx, run.server.pid, recording(run, route))) : [];
      const stopTurns = takeTurns(runs.map((run) => run.server.pid), opts.sliceMs);
      try {
        return await Promise.all(
          runs.map((run) => {
            const tag = nextTag();
            run.tags.push(tag);
            return load(ctx, run.server, route, seconds, tag).then((w) => ({ ...w, retries: 0 }));
          }),
        );
      } finally {
        stopTurns();
        await Promise.all(perfs.map((perf) => stopChild(perf, { signal: 'SIGINT', timeoutMs: 30000 })));
      }
    };
    for (const route of routes) if (opts.warmup > 0) await all(route, opts.warmup);
    for (const route of routes) (await all(route, opts.duration, true)).forEach((w, i) => (runs[i].windows[route] = w));
    for (const run of runs) {
      run.cell.exitRssKb = rssKb(run.server.pid);
      run.cell.lifetimePeakRssKb = peakRssKb(run.server.pid);
    }
    const stopped = await Promise.all(runs.map((run) => stopChild(run.server.child, { signal: 'SIGTERM', timeoutMs: 15000 })));
    await sleep(500);
    const stats = await ctx.receiver.stats(runs.flatMap((run) => run.tags));
    if (opts.perf) {
      // Read while V8's symbol map is still in /tmp; then it goes next to each recording.
      for (const run of runs) {
        run.cell.perf = Object.fromEntries(routes.map((route) => [route, readPerf(recording(run, route), run.server.pid)]));
        const map = `/tmp/perf-${run.server.pid}.map`;
        if (existsSync(map)) for (const route of routes) writeFileSync(recording(run, route).replace(/\.data$/, '.map'), readFileSync(map));
        rmSync(map, { force: true });
        rmSync(join(ctx.profDir, `${run.variant}-r${round + 1}.v8.log`), { force: true });
      }
    }
    return runs.map((run, i) => {
      run.cell.shutdownForced = stopped[i].forced;
      for (const route of routes) run.cell.routes[route] = routeRecord(ctx, run.windows[route], stats.tags[run.probeTags[route]], stats.tags[run.windows[route].tag]);
      keepStderr(run.cell, run.server.stderr);
      return run.cell;
    });
  } finally {
    for (const run of runs) if (run.server.child.exitCode === null && run.server.child.signalCode === null) await stopChild(run.server.child, { timeoutMs: 5000 });
    await ctx.receiver.reset();
  }
}

// ---------------------------------------------------------------------------------------------
// Profiling: node --cpu-prof on the server, measured window only.
async function runProfile(ctx, outDir) {
  const { opts } = ctx;
  const profDir = join(outDir, 'profiles');
  mkdirSync(profDir, { recursive: true });
  const results = [];
  for (const variant of opts.variants) {
    for (const route of opts.routes) {
      const name = `${variant}-${route}.${opts.perf ? 'perf.data' : 'cpuprofile'}`;
      rmSync(join(profDir, name), { force: true });
      const server = await startServer(variant, ctx, {
        nodeFlags: opts.perf ? perfNodeFlags(join(profDir, `${name}.v8.log`)) : ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', name, '--cpu-prof-interval', '250'],
        env: { BENCH_EXIT_ON_STDIN_END: '1' },
      });
      console.log(`[bench] profiling ${variant} on ${ROUTES[route].label}: warm-up ${opts.warmup} s, window ${opts.duration} s`);
      await probe(server.port, route, nextTag(), 5);
      if (opts.warmup > 0) await load(ctx, server, route, opts.warmup, nextTag());
      const perf = opts.perf ? startPerf(ctx, server.pid, join(profDir, name)) : undefined;
      const w = await load(ctx, server, route, opts.duration, nextTag());
      if (perf) await stopChild(perf, { signal: 'SIGINT', timeoutMs: 30000 });
      const { forced } = await stopChild(server.child, { closeStdin: true, timeoutMs: 30000 });
      if (forced && !opts.perf) throw new Error(`${variant} did not exit on stdin end: no profile written`);
      await ctx.receiver.reset();
      const summary = opts.perf
        ? summarizePerf(join(profDir, name), { pid: server.pid, requests: w.requests })
        : summarizeProfile(join(profDir, name), {
            startMicros: Number(BigInt(w.monotonicStartNs) / 1000n),
            endMicros: Number(BigInt(w.monotonicEndNs) / 1000n),
            requests: w.requests,
          });
      if (opts.perf) keepPerfMap(server.pid, join(profDir, name));
      results.push({
        variant,
        route,
        profile: relative(BENCH, join(profDir, name)),
        pid: server.pid,
        requests: w.requests,
        reqPerSec: w.ok / w.durationSeconds,
        cpuMicrosPerReq: w.serverCpuMicros / w.requests,
        summary,
      });
      console.log(`[bench]   ${(w.ok / w.durationSeconds).toFixed(0)} req/s under the profiler, ${(w.serverCpuMicros / w.requests).toFixed(0)} µs CPU/req`);
    }
  }
  return results;
}

/**
 * --perf --together: each variant's recordings of all rounds added up (samples and requests), so
 * the table reads like --perf's but every variant was recorded in the same windows as the others.
 * The raw samples leave the cells (profile.json keeps the top 200 frames per variant).
 */
function writePairedProfiles(cells, meta, outDir) {
  const profiles = [];
  for (const variant of meta.options.variants) {
    const mine = cells.filter((c) => c.variant === variant);
    for (const route of meta.options.routes) {
      const requests = mine.reduce((n, c) => n + c.routes[route].requests, 0);
      const cpu = mine.reduce((n, c) => n + c.routes[route].cpuMicrosPerReq * c.routes[route].requests, 0);
      profiles.push({
        variant,
        route,
        rounds: mine.length,
        requests,
        reqPerSec: mine.reduce((n, c) => n + c.routes[route].reqPerSec, 0) / mine.length,
        cpuMicrosPerReq: cpu / requests,
        summary: summarizePerf(addPerf(mine.map((c) => c.perf[route])), { requests, name: `${variant}-${route}-r*.perf.data`, functions: 200 }),
      });
    }
  }
  for (const cell of cells) delete cell.perf;
  const md = profileTable(profiles, meta);
  writeFileSync(join(outDir, 'profile.json'), JSON.stringify({ ...meta, profiles }, null, 2));
  writeFileSync(join(outDir, 'profile.md'), md);
  console.log('\n' + md);
}

/** perf reads JIT-compiled function names from /tmp/perf-<pid>.map, which these flags write. */
function perfNodeFlags(v8Log) {
  return ['--perf-basic-prof', '--interpreted-frames-native-stack', '--no-logfile-per-isolate', `--logfile=${v8Log}`];
}

/** The JIT's symbol map goes with the recording, so perf-summary.mjs can read it again later. */
function keepPerfMap(pid, recording) {
  const map = `/tmp/perf-${pid}.map`;
  rmSync(`${recording}.v8.log`, { force: true }); // V8's own log, which the map flag turns on
  if (existsSync(map)) {
    writeFileSync(recording.replace(/\.data$/, '.map'), readFileSync(map));
    rmSync(map, { force: true });
  }
}

/** perf record on every thread of the server from now until SIGINT, on the load core. */
function startPerf(ctx, pid, file) {
  const child = spawnPinned(ctx.cores.load, 'perf', ['record', '-q', '-F', '1999', '-g', '-p', String(pid), '-o', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return track(child, 'perf');
}

// ---------------------------------------------------------------------------------------------
function machine(node, cores) {
  let model;
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  } catch {
    model = cpus()[0]?.model;
  }
  return {
    nproc: cpus().length,
    cpuModel: model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    harnessNode: process.version,
    serverNode: spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    serverNodePath: node === process.execPath ? 'machine' : relative(ROOT, node),
    pinning: cores,
  };
}

function versions() {
  const names = [
    'nestjs-tracing', '@nestjs/core', '@nestjs/platform-express', 'typeorm', 'pg', '@opentelemetry/api',
    '@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-grpc', '@opentelemetry/sdk-node',
    '@opentelemetry/auto-instrumentations-node', 'nestjs-otel', 'autocannon', 'embedded-postgres',
  ];
  return Object.fromEntries(names.map((n) => [n, versionOf(n)]));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const cores = pinning();
  // This harness belongs with the load, off the server's core.
  if (cores.pinned) spawnSync('taskset', ['-a', '-cp', cores.load, String(process.pid)], { stdio: 'ignore' });

  if (!opts.smoke) ensureBenchDependencies();
  const pack = opts.smoke ? { smoke: 'the repository build (dist/), not a tarball' } : packAndInstallLibrary(opts.skipPack);
  if (opts.baseline !== undefined) {
    const baseline = installBaseline(opts.baseline);
    VARIANTS.baseline.args = [relative(BENCH, baseline.entry)];
    VARIANTS.baseline.description = `nestjs-tracing at ${opts.baseline} (${baseline.sha.slice(0, 12)}), its npm pack tarball (--baseline)`;
  }
  const node = nodeBinary(opts.node);
  const ctx = { opts, cores, node, appDir: opts.smoke ? stageSmoke() : undefined };
  const env = machine(node, cores);
  console.log(`[bench] server on Node ${env.serverNode}; ${env.nproc} CPUs (${env.cpuModel}); load average ${env.loadAverage.join(' ')}`);

  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const nodeMajor = env.serverNode.replace(/^v(\d+).*/, '$1');
  const name = `${stamp}-node${nodeMajor}${opts.profile ? '-profile' : opts.smoke ? '-smoke' : opts.quick ? '-quick' : ''}`;
  const outDir = opts.profile ? join(opts.out, name) : opts.out;
  mkdirSync(outDir, { recursive: true });
  if (opts.perf && opts.together) mkdirSync((ctx.profDir = join(outDir, 'profiles')), { recursive: true });

  try {
    console.log('[bench] starting embedded PostgreSQL (1000 orders) and the OTLP receiver');
    ctx.postgres = await startPostgres(cores.load, opts.databaseUrl);
    ctx.receiver = await startReceiver(cores.load);
    const meta = {
      startedAt: started.toISOString(),
      options: { ...opts, out: relative(ROOT, opts.out) },
      machine: env,
      git: pack.git ?? gitState(), // the state the tarball was packed from
      tarball: pack,
      versions: versions(),
      variants: Object.fromEntries(opts.variants.map((v) => [v, VARIANTS[v].description])),
      routes: Object.fromEntries(opts.routes.map((r) => [r, ROUTES[r].label])),
    };

    if (opts.profile && !opts.together) {
      const profiles = await runProfile(ctx, outDir);
      const md = profileTable(profiles, meta);
      writeFileSync(join(outDir, 'profile.json'), JSON.stringify({ ...meta, finishedAt: new Date().toISOString(), profiles }, null, 2));
      writeFileSync(join(outDir, 'profile.md'), md);
      console.log('\n' + md);
      console.log(`[bench] wrote ${relative(ROOT, outDir)}/profile.{json,md} and the ${opts.perf ? 'perf recordings' : '.cpuprofile files'}`);
      return;
    }

    const cells = [];
    const total = opts.rounds * opts.variants.length;
    for (let round = 0; round < opts.rounds; round++) {
      const t0 = Date.now();
      const together = opts.together ? await runRoundTogether(ctx, round) : undefined;
      for (const variant of opts.variants) {
        if (interrupted) return;
        const t1 = Date.now();
        const cell = together ? together.find((c) => c.variant === variant) : await runCell(ctx, variant, round);
        cells.push(cell);
        const brief = opts.routes
          .map((r) => {
            const x = cell.routes[r];
            return `${r} ${x.reqPerSec.toFixed(0)} req/s ${x.cpuMicrosPerReq.toFixed(0)} µs/req p99 ${x.latencyMs.p99} ms spans/req ${x.spansPerReq.toFixed(2)}/${x.expectedSpansPerReq}`;
          })
          .join(' | ');
        console.log(`[bench] ${cells.length}/${total} round ${round + 1} ${variant.padEnd(14)} ${brief}  (${((Date.now() - (together ? t0 : t1)) / 1000).toFixed(0)} s)`);
      }
    }
    meta.finishedAt = new Date().toISOString();
    meta.machine.loadAverageAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
    if (opts.perf) writePairedProfiles(cells, meta, outDir);
    const summary = aggregate(cells, opts);
    const md = markdownReport(summary, meta, cells);
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify({ ...meta, summary, cells }, null, 2));
    writeFileSync(join(outDir, `${name}.md`), md);
    console.log('\n' + md);
    console.log(`[bench] wrote ${relative(ROOT, join(outDir, name))}.{json,md}`);
  } finally {
    await killAll();
    if (ctx.appDir) rmSync(ctx.appDir, { recursive: true, force: true });
  }
}

main().catch(async (error) => {
  console.error(`[bench] ${error.usage ? error.message : (error.stack ?? error)}`);
  await killAll();
  process.exit(1);
});
