// Summarises a Linux `perf record -g` of the server (node --perf-basic-prof) into the same buckets
// as profile-summary.mjs, for `npm run bench -- --perf`. Unlike --cpu-prof it sees every thread
// (V8's GC and compiler helpers, libuv's pool) and adds no sampler to the JavaScript thread, so the
// totals stay close to an unprofiled run. Native frames (builtins, V8's C++ runtime, the kernel)
// are charged to the nearest JavaScript caller on the stack, as the .cpuprofile summary does.
//
// CLI: node lib/perf-summary.mjs <file.perf.data> <pid> [requests]
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ownerOf, toBuckets } from './profile-summary.mjs';

// V8's collectors, on whichever thread they run.
const GC = /v8::internal::(Heap::|Scavenger|ScavengeJob|MarkCompact|MinorMarkSweep|MinorMS|IncrementalMarking|ConcurrentMarking|Sweeper|GCTracer|MarkingVisitor|MainMarkingVisitor|ConcurrentMarkingVisitor|YoungGeneration|PagedSpace|MemoryAllocator|MarkingWorklists|EvacuationVerifier|Evacuat|PointersUpdating|ArrayBufferSweeper|MemoryReducer|LocalHeap::)/;
const KEEP = /^node:(async_hooks|internal\/async_hooks|internal\/async_local_storage.*|internal\/async_context_frame|internal\/promise_hooks|http2|internal\/http2\/.*)$/;

/** `JS:*name url:line:col` (a --perf-basic-prof entry) → the url; undefined for other frames. */
function scriptOf(sym) {
  if (!sym.startsWith('JS:')) return undefined;
  const space = sym.lastIndexOf(' ');
  if (space < 0) return undefined;
  const m = /^(.*):\d+:\d+$/.exec(sym.slice(space + 1));
  return m ? m[1] : undefined;
}

/** `JS:*name /…/node_modules/pkg/file.js:1:2` → `name pkg/file.js:1:2` (the tier marker dropped). */
const shortName = (frame) => frame.replace(/^JS:[~*^+']*/, '').replace(/\/.*\/node_modules\//, '');

function nativeBucket(frames) {
  if (frames.some((f) => /llhttp|node::http_parser|Parser::/.test(f))) return 'node: http';
  if (frames.some((f) => /^uv_|^uv__|epoll|node::SpinEventLoop/.test(f))) return 'node: event loop (libuv, syscalls)';
  return 'V8 / native, unattributed (program)';
}

/**
 * One recording's samples, charged as described above: the raw maps (µs per key) that
 * summarizePerf shapes, kept apart so that recordings of the same variant (one per round of
 * `--perf --together`) can be added up before they are shaped.
 * @param {string} file perf.data
 * @param {number} pid the server's pid (its main thread's tid)
 */
export function readPerf(file, pid) {
  const out = spawnSync('perf', ['script', '-i', file, '-F', 'tid,period,ip,sym', '--no-inline'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (out.status !== 0) throw new Error(`perf script failed: ${out.stderr}`);
  const raw = { total: 0, byOwner: {}, byCaller: {}, byFunction: {}, byJsFunction: {} };
  const add = (map, key, w) => (map[key] = (map[key] ?? 0) + w);
  // perf script prints "tid period" and then one line per frame, leaf first; a blank line ends it.
  for (const block of out.stdout.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    const head = /^\s*(\d+)\s+(\d+)/.exec(lines[0]);
    if (!head) continue;
    const tid = Number(head[1]);
    const frames = lines.slice(1).map((l) => l.trim().replace(/^[0-9a-f]+\s+/, '').replace(/\s+\(.*\)$/, ''));
    // perf's period is in nanoseconds for cpu-clock.
    const micros = Number(head[2]) / 1000;
    raw.total += micros;
    let self;
    let caller;
    const leaf = frames[0] ?? '[unknown]';
    if (tid !== pid) {
      self = caller = frames.some((f) => GC.test(f)) ? 'special:helper threads: GC' : 'special:helper threads: compiler, libuv pool, other';
    } else if (frames.some((f) => GC.test(f))) {
      self = caller = 'special:GC';
    } else {
      const owners = frames.map(scriptOf).filter(Boolean).map(ownerOf);
      if (owners.length === 0) {
        self = caller = `special:${nativeBucket(frames)}`;
      } else {
        self = owners[0];
        caller = self;
        if (self.startsWith('node:') && !KEEP.test(self)) {
          for (const o of owners.slice(1)) {
            if (!o.startsWith('node:') || KEEP.test(o)) {
              caller = o;
              break;
            }
          }
        }
      }
    }
    add(raw.byOwner, self, micros);
    add(raw.byCaller, caller, micros);
    const js = frames.find((f) => f.startsWith('JS:'));
    add(raw.byJsFunction, js ? shortName(js) : self.replace(/^special:/, ''), micros);
    add(raw.byFunction, `${leaf.slice(0, 90)}${js && js !== leaf ? ` ← ${shortName(js)}` : ''}`, micros);
  }
  return raw;
}

/** Several readPerf results added up (the same keys summed). */
export function addPerf(raws) {
  const sum = { total: 0, byOwner: {}, byCaller: {}, byFunction: {}, byJsFunction: {} };
  for (const raw of raws) {
    sum.total += raw.total;
    for (const key of ['byOwner', 'byCaller', 'byFunction', 'byJsFunction']) {
      for (const [k, v] of Object.entries(raw[key])) sum[key][k] = (sum[key][k] ?? 0) + v;
    }
  }
  return sum;
}

/**
 * @param {string | object} fileOrRaw perf.data, or what readPerf / addPerf returned
 * @param {{ pid?: number, requests?: number, name?: string, functions?: number }} options the
 *   server's pid when a file is given; `functions`: how many of the top frames to keep (40)
 */
export function summarizePerf(fileOrRaw, { pid, requests, name, functions = 40 }) {
  const raw = typeof fileOrRaw === 'string' ? readPerf(fileOrRaw, pid) : fileOrRaw;
  const { total } = raw;
  const perReq = (micros) => (requests ? micros / requests : undefined);
  const sortDesc = (obj) => Object.entries(obj).sort((a, b) => b[1] - a[1]);
  const shaped = (obj, limit = Infinity) =>
    Object.fromEntries(sortDesc(obj).slice(0, limit).map(([k, v]) => [k, { micros: v, share: v / total, microsPerReq: perReq(v) }]));
  return {
    file: name ?? (typeof fileOrRaw === 'string' ? basename(fileOrRaw) : undefined),
    window: 'perf record attached for the measured window',
    busyMicros: total,
    idleMicros: 0,
    requests,
    busyMicrosPerReq: perReq(total),
    buckets: shaped(toBuckets(new Map(Object.entries(raw.byOwner)))),
    callerBuckets: shaped(toBuckets(new Map(Object.entries(raw.byCaller)))),
    packages: shaped(raw.byCaller, 40),
    topFunctions: sortDesc(raw.byFunction)
      .slice(0, functions)
      .map(([k, v]) => ({ frame: k, share: v / total, microsPerReq: perReq(v) })),
    // Each sample charged to the innermost JavaScript function on its stack (natives included).
    topJsFunctions: sortDesc(raw.byJsFunction)
      .slice(0, functions)
      .map(([k, v]) => ({ frame: k, share: v / total, microsPerReq: perReq(v) })),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, pid, requests] = process.argv.slice(2);
  const s = summarizePerf(file, { pid: Number(pid), requests: requests ? Number(requests) : undefined });
  console.log(`${s.file}: ${(s.busyMicros / 1000).toFixed(0)} ms busy`);
  for (const [name, b] of Object.entries(s.callerBuckets)) console.log(`  ${(b.share * 100).toFixed(1).padStart(5)} %  ${name}`);
  for (const f of s.topFunctions.slice(0, 25)) console.log(`  ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.frame}`);
}
