// Summarises a V8 .cpuprofile (node --cpu-prof) by area: self time per bucket (an OpenTelemetry
// package, the context machinery, export/serialization, gRPC, TypeORM, pg, Nest, Express, Node
// internals, GC), counted only inside the measured window and divided by the requests completed in
// it. Frames without a script (V8 builtins and natives: JSON.stringify, Promise.then, Map.set...)
// are charged to the nearest caller that has one, so `Array.prototype.map` called by the exporter
// counts as export work.
//
// CLI: node lib/profile-summary.mjs <a.cpuprofile> [<b.cpuprofile> ...]   (whole profiles)
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUCKETS = [
  ['otel: instrumentation-http', /^@opentelemetry\/instrumentation-http$/],
  ['otel: instrumentation-nestjs-core', /^@opentelemetry\/instrumentation-nestjs-core$/],
  ['otel: instrumentation-pg', /^@opentelemetry\/instrumentation-pg$/],
  ['otel: other instrumentations (express, net, dns, ...)', /^@opentelemetry\/instrumentation-/],
  ['otel: instrumentation base (require hooks, wrappers)', /^(@opentelemetry\/instrumentation|require-in-the-middle|import-in-the-middle|shimmer|module-details-from-path)$/],
  ['nestjs-tracing: OTLP serialization (lib/sdk/otlp-trace.serializer, protobuf.writer)', /^nestjs-tracing:serializer$/],
  ['nestjs-tracing (own code)', /^nestjs-tracing$/],
  ['otel: context (AsyncLocalStorage / async_hooks)', /^(@opentelemetry\/context-async-hooks|node:async_hooks|node:internal\/async_hooks|node:internal\/async_local_storage.*|node:internal\/async_context_frame|node:internal\/promise_hooks)$/],
  ['otel: sdk-trace (spans, sampler, ids, BatchSpanProcessor)', /^@opentelemetry\/(sdk-trace-base|sdk-trace-node|sdk-trace|sdk-node|resources)$/],
  ['otel: api + core (propagation, attributes, time)', /^@opentelemetry\/(api|core|semantic-conventions|propagator-.*)$/],
  ['otel: OTLP transform + protobuf serialization', /^(@opentelemetry\/(otlp-transformer|otlp-exporter-base|otlp-grpc-exporter-base|exporter-trace-otlp-grpc)|protobufjs|@protobufjs\/.*)$/],
  ['gRPC + http2 transport', /^(@grpc\/grpc-js|@grpc\/proto-loader|@js-sdsl\/ordered-map|node:http2|node:internal\/http2\/.*)$/],
  ['typeorm', /^(typeorm|@sqltools\/formatter|sha\.js|dayjs|app-root-path|dedent|uuid|reflect-metadata)$/],
  ['pg driver', /^(pg|pg-pool|pg-protocol|pg-types|pg-connection-string|pg-int8|pgpass|postgres-.*|split2)$/],
  ['nest (core, common, typeorm) + rxjs', /^(@nestjs\/core|@nestjs\/common|@nestjs\/typeorm|rxjs|tslib|iterare|path-to-regexp|uid|fast-safe-stringify|load-esm)$/],
  ['express + platform-express', /^(@nestjs\/platform-express|express|router|body-parser|finalhandler|send|serve-static|type-is|content-type|on-finished|on-headers|qs|parseurl|accepts|negotiator|mime-types|mime-db|depd|etag|fresh|cookie|cookie-signature|vary|encodeurl|escape-html|proxy-addr|forwarded|ipaddr\.js|range-parser|media-typer|statuses|raw-body|iconv-lite|content-disposition|debug|ms|cors|object-assign|merge-descriptors|setprototypeof|http-errors|safe-buffer|safer-buffer|inherits|toidentifier|bytes|unpipe|is-promise|once|wrappy|math-intrinsics|es-errors|call-bind.*|get-intrinsic|side-channel.*|object-inspect|function-bind|gopd|has-symbols|hasown|es-object-atoms|dunder-proto|get-proto|es-define-property|multer|append-field|busboy|streamsearch|concat-stream|xtend|typedarray|readable-stream|string_decoder|util-deprecate|buffer-from|mkdirp|minimist)$/],
  ['node: http', /^node:(_http_.*|http|https|internal\/http|internal\/url|url|querystring|internal\/querystring)$/],
  ['node: net, streams, timers, events', /^node:(net|stream|events|buffer|timers|internal\/(net|stream_base_commons|streams\/.*|timers|process\/task_queues|event_target|buffer|dtrace|validators|errors|util|util\/.*|fixed_queue|linkedlist|priority_queue|perf\/.*))$/],
  ['node: other internals', /^node:/],
  ['bench app / floor probe', /^bench:/],
  ['other dependencies', /.*/],
];
const SPECIAL = {
  '(garbage collector)': 'GC',
  '(program)': 'V8 / native, unattributed (program)',
  '(idle)': 'idle',
};

/** The package (or node:module, or bench:file) a script URL belongs to. */
export function ownerOf(url) {
  if (!url) return undefined;
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const i = path.lastIndexOf('/node_modules/');
  if (i >= 0) {
    const rest = path.slice(i + '/node_modules/'.length).split('/');
    // Our serializer replaces otlp-transformer's: kept apart so the two compare.
    if (rest[0] === 'nestjs-tracing' && /^(otlp-trace\.serializer|protobuf\.writer)\.js$/.test(rest.at(-1))) return 'nestjs-tracing:serializer';
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (/\/bench\/(app|variants)\//.test(path)) return `bench:${basename(path)}`;
  // Builtin modules without the node: prefix (older V8 URL style).
  if (!path.startsWith('/')) return `node:${path.replace(/\.js$/, '')}`;
  return path;
}

export function bucketOfOwner(owner) {
  for (const [name, pattern] of BUCKETS) if (pattern.test(owner)) return name;
  return 'other dependencies';
}

/** { owner: µs } → { bucket: µs }; `special:` owners (GC, helper threads, ...) are buckets of their own. */
export function toBuckets(map) {
  const buckets = {};
  for (const [owner, micros] of map) {
    const bucket = owner.startsWith('special:') ? owner.slice('special:'.length) : bucketOfOwner(owner);
    buckets[bucket] = (buckets[bucket] ?? 0) + micros;
  }
  return buckets;
}

/**
 * @param {string} file a .cpuprofile
 * @param {{ startMicros?: number, endMicros?: number, requests?: number }} window monotonic µs
 */
export function summarizeProfile(file, { startMicros, endMicros, requests } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Owner of a node, two ways. `self`: its own script, else the nearest caller's (builtins are
  // charged to callers). `caller`: the same, except that Node's own modules are also charged to
  // the nearest caller outside Node (res.end() called by Express is Express's cost, a socket write
  // made by gRPC is gRPC's) — but the context machinery (async_hooks, AsyncLocalStorage) and
  // http2 (only gRPC uses it here) stay themselves, and Node frames with no package above them
  // (the event loop, the HTTP parser) stay Node's.
  const selfCache = new Map();
  function selfOwner(id) {
    if (selfCache.has(id)) return selfCache.get(id);
    const n = nodes.get(id);
    const special = SPECIAL[n.callFrame.functionName];
    let owner;
    if (special && !n.callFrame.url) owner = `special:${special}`;
    else owner = ownerOf(n.callFrame.url) ?? (parent.has(id) ? selfOwner(parent.get(id)) : 'special:V8 / native, unattributed (program)');
    selfCache.set(id, owner);
    return owner;
  }
  const KEEP = /^node:(async_hooks|internal\/async_hooks|internal\/async_local_storage.*|internal\/async_context_frame|internal\/promise_hooks|http2|internal\/http2\/.*)$/;
  const callerCache = new Map();
  function callerOwner(id) {
    if (callerCache.has(id)) return callerCache.get(id);
    const own = selfOwner(id);
    let owner = own;
    if (own.startsWith('node:') && !KEEP.test(own)) {
      for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
        const o = selfOwner(up);
        if (!o.startsWith('node:') && !o.startsWith('special:')) {
          owner = o;
          break;
        }
        if (KEEP.test(o)) {
          owner = o;
          break;
        }
      }
    }
    callerCache.set(id, owner);
    return owner;
  }

  // Sample i lasts until sample i+1 (as DevTools counts it).
  const { samples, timeDeltas } = profile;
  const times = new Array(samples.length);
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) times[i] = t += timeDeltas[i];
  let inWindow = (ts) => ts >= startMicros && ts <= endMicros;
  let windowNote = 'measured window';
  const hasWindow = Number.isFinite(startMicros) && Number.isFinite(endMicros);
  if (!hasWindow || !(profile.startTime < endMicros && profile.endTime > startMicros)) {
    inWindow = () => true;
    windowNote = hasWindow ? 'whole profile (its clock did not match the window)' : 'whole profile';
  }

  const byOwner = new Map();
  const byCaller = new Map();
  const byFunction = new Map();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < samples.length - 1; i++) {
    if (!inWindow(times[i])) continue;
    const weight = times[i + 1] - times[i];
    const id = samples[i];
    const owner = selfOwner(id);
    if (owner === 'special:idle') {
      idle += weight;
      continue;
    }
    total += weight;
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + weight);
    const caller = callerOwner(id);
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + weight);
    const n = nodes.get(id);
    const fkey = `${n.callFrame.functionName || '(anonymous)'} ${owner.replace(/^special:/, '')}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(fkey, (byFunction.get(fkey) ?? 0) + weight);
  }

  const buckets = toBuckets(byOwner);
  const callerBuckets = toBuckets(byCaller);
  const packages = Object.fromEntries(byCaller);
  const perReq = (micros) => (requests ? micros / requests : undefined);
  const sortDesc = (obj) => Object.entries(obj).sort((a, b) => b[1] - a[1]);
  return {
    file: basename(file),
    window: windowNote,
    busyMicros: total,
    idleMicros: idle,
    requests,
    busyMicrosPerReq: perReq(total),
    buckets: Object.fromEntries(sortDesc(buckets).map(([k, v]) => [k, { micros: v, share: v / total, microsPerReq: perReq(v) }])),
    callerBuckets: Object.fromEntries(sortDesc(callerBuckets).map(([k, v]) => [k, { micros: v, share: v / total, microsPerReq: perReq(v) }])),
    packages: Object.fromEntries(sortDesc(packages).slice(0, 40).map(([k, v]) => [k, { micros: v, share: v / total, microsPerReq: perReq(v) }])),
    topFunctions: sortDesc(Object.fromEntries(byFunction)).slice(0, 30).map(([k, v]) => ({ frame: k, share: v / total, microsPerReq: perReq(v) })),
  };
}

const f1 = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));

/** Markdown: one column of µs/request per profile, the difference against the first (untraced). */
export function profileTable(profiles, meta) {
  const out = [];
  const routes = [...new Set(profiles.map((p) => p.route))];
  out.push(`## CPU profile — Node ${meta.machine.serverNode}, ${meta.startedAt.slice(0, 10)}`);
  out.push('');
  out.push(
    `${meta.options.perf ? 'perf record -F 1999 -g on every thread of the server (node --perf-basic-prof)' : 'node --cpu-prof --cpu-prof-interval 250 on the server'} (pinned to CPU ${meta.machine.pinning.server ?? '–'}), ` +
      `warm-up ${meta.options.warmup} s then a ${meta.options.duration} s window at full load (${meta.options.connections} connections); ` +
      `self time inside the window per bucket, divided by the requests completed in it (µs/request). ` +
      `Builtins are charged to their caller's package.`,
  );
  const table = (list, key) => {
    const base = list[0];
    const last = list[list.length - 1];
    const names = [...new Set(list.flatMap((p) => Object.keys(p.summary[key])))];
    const value = (p, name) => p.summary[key][name]?.microsPerReq ?? 0;
    names.sort((a, b) => value(last, b) - value(base, b) - (value(last, a) - value(base, a)));
    const rows = [
      `| bucket | ${list.map((p) => `${p.variant} µs/req`).join(' | ')} | ${list.slice(1).map((p) => `Δ ${p.variant}`).join(' | ')} |`,
      `|---|${list.map(() => '---|').join('')}${list.slice(1).map(() => '---|').join('')}`,
    ];
    for (const name of names) {
      rows.push(`| ${name} | ${list.map((p) => f1(value(p, name))).join(' | ')} | ${list.slice(1).map((p) => f1(value(p, name) - value(base, name))).join(' | ')} |`);
    }
    rows.push(`| **total busy** | ${list.map((p) => `**${f1(p.summary.busyMicrosPerReq)}**`).join(' | ')} | ${list.slice(1).map((p) => `**${f1(p.summary.busyMicrosPerReq - base.summary.busyMicrosPerReq)}**`).join(' | ')} |`);
    rows.push(`| req/s under the profiler | ${list.map((p) => p.reqPerSec.toFixed(0)).join(' | ')} | ${list.slice(1).map(() => '').join(' | ')} |`);
    return rows.join('\n');
  };
  for (const route of routes) {
    const list = profiles.filter((p) => p.route === route);
    out.push('', `### ${route === 'db' ? 'GET /orders/:id' : 'GET /ping'}`);
    out.push('', 'Charged to the calling package (Node\'s own modules charged to the package that called into them; the context machinery, http2, GC kept apart):', '');
    out.push(table(list, 'callerBuckets'));
    out.push('', 'Strict self time (only builtins charged to their caller):', '');
    out.push(table(list, 'buckets'));
    for (const p of list) {
      out.push('', `<details><summary>${p.variant}: top self-time frames</summary>\n`);
      out.push('| frame | share | µs/req |', '|---|---|---|');
      for (const fn of p.summary.topFunctions.slice(0, 25)) out.push(`| \`${fn.frame.replace(/\|/g, '\\|')}\` | ${(fn.share * 100).toFixed(1)} % | ${f1(fn.microsPerReq)} |`);
      out.push('\n</details>');
      if (p.summary.topJsFunctions) {
        out.push('', `<details><summary>${p.variant}: innermost JavaScript function (natives it called included)</summary>\n`);
        out.push('| function | share | µs/req |', '|---|---|---|');
        for (const fn of p.summary.topJsFunctions.slice(0, 30)) out.push(`| \`${fn.frame.replace(/\|/g, '\\|')}\` | ${(fn.share * 100).toFixed(1)} % | ${f1(fn.microsPerReq)} |`);
        out.push('\n</details>');
      }
    }
  }
  return out.join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of process.argv.slice(2)) {
    const s = summarizeProfile(file);
    console.log(`\n${s.file}: ${(s.busyMicros / 1000).toFixed(0)} ms busy, ${(s.idleMicros / 1000).toFixed(0)} ms idle (${s.window})`);
    for (const [name, b] of Object.entries(s.callerBuckets)) console.log(`  ${(b.share * 100).toFixed(1).padStart(5)} %  ${name}`);
  }
}
