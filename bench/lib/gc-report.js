'use strict';
// `--node-flags "--require ./lib/gc-report.js"`: when the server is stopped, one stderr line with
// the garbage collections V8 ran from the 2000th request on: count and main-thread pause per kind,
// per 1000 requests, and the heap at the end. Pauses longer than 50 ms are counted apart: under
// `--together` a collection can straddle a SIGSTOP turn, and its wall time is then not its cost.
const http = require('node:http');
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');

const AFTER = Number(process.env.GC_REPORT_AFTER ?? 2000);
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
let requests = 0;
const gcs = {};
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function countRequests(event) {
  if (event === 'request') requests += 1;
  return emit.apply(this, arguments);
};
new PerformanceObserver((list) => {
  if (requests < AFTER) return;
  for (const entry of list.getEntries()) {
    const kind = KINDS[entry.detail?.kind ?? entry.kind] ?? String(entry.detail?.kind);
    const g = (gcs[kind] ??= { count: 0, ms: 0, long: 0, durations: [] });
    if (entry.duration > 50) { g.long += 1; continue; }
    g.count += 1;
    g.ms += entry.duration;
    g.durations.push(entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

process.once('SIGTERM', () => {
  const counted = Math.max(1, requests - AFTER);
  const per1000 = {};
  for (const [kind, g] of Object.entries(gcs)) {
    g.durations.sort((a, b) => a - b);
    per1000[kind] = {
      count: +(g.count * 1000 / counted).toFixed(2),
      pauseMs: +(g.ms * 1000 / counted).toFixed(2),
      medianMs: +(g.durations[g.durations.length >> 1] ?? 0).toFixed(3),
      long: g.long,
    };
  }
  const heap = v8.getHeapStatistics();
  process.stderr.write(`GC_REPORT ${JSON.stringify({ requests: counted, per1000, usedMB: +(heap.used_heap_size / 2 ** 20).toFixed(1), totalMB: +(heap.total_heap_size / 2 ** 20).toFixed(1) })}\n`);
  if (process.listenerCount('SIGTERM') === 0) process.exit(0);
});
