'use strict';
// `--node-flags "--require ./lib/alloc-report.js"`: when the server is stopped, one stderr line with
// what the process allocated on V8's heap per request and what its collections cost, from
// v8.GCProfiler (Node >= 19.6): allocated = the heap's growth between one collection's end and the
// next one's start, summed; requests = `request` events of every http server. The profiler keeps
// one record per collection, so read this run's allocation and GC figures, not its CPU.
const http = require('node:http');
const v8 = require('node:v8');

let requests = 0;
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function countRequests(event) {
  if (event === 'request') requests += 1;
  return emit.apply(this, arguments);
};

const profiler = new v8.GCProfiler();
profiler.start();
const startUsed = v8.getHeapStatistics().used_heap_size;

process.once('SIGTERM', () => {
  const endUsed = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let allocated = 0;
  let last = startUsed;
  const byKind = {};
  for (const gc of statistics) {
    allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - last);
    last = gc.afterGC.heapStatistics.usedHeapSize;
    const kind = gc.gcType; // 'Scavenge', 'MarkSweepCompact', …
    const entry = (byKind[kind] ??= { count: 0, micros: 0, freedKB: 0 });
    entry.count += 1;
    entry.micros += gc.cost;
    entry.freedKB += (gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize) / 1024;
  }
  allocated += Math.max(0, endUsed - last);
  const per = (x) => (requests ? Number((x / requests).toFixed(2)) : 0);
  const report = {
    requests,
    allocatedBytesPerRequest: per(allocated),
    gcMicrosPerRequest: per(statistics.reduce((sum, gc) => sum + gc.cost, 0)),
    gcs: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, { count: v.count, microsPerRequest: per(v.micros), freedBytesPerRequest: per(v.freedKB * 1024) }])),
  };
  process.stderr.write(`ALLOC_REPORT ${JSON.stringify(report)}\n`);
  if (process.listenerCount('SIGTERM') === 0) process.exit(0);
});
