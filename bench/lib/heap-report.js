'use strict';
// `--node-flags "--require ./lib/heap-report.js"`: when the server is stopped, one stderr line with
// the largest size (1 s poll, and once more at the end) of each V8 heap space, of `external` and
// `arrayBuffers`, and of RSS, so a run's cells (`reports` in the JSON) show where a peak RSS went.
const v8 = require('node:v8');

const peak = {};
const poll = () => {
  for (const s of v8.getHeapSpaceStatistics()) peak[s.space_name] = Math.max(peak[s.space_name] ?? 0, s.space_size);
  const { external, arrayBuffers, rss } = process.memoryUsage();
  peak.external = Math.max(peak.external ?? 0, external);
  peak.arrayBuffers = Math.max(peak.arrayBuffers ?? 0, arrayBuffers);
  peak.rss = Math.max(peak.rss ?? 0, rss);
};
setInterval(poll, 1000).unref();
const mb = (x) => Math.round(x / 1048576);
process.once('SIGTERM', () => {
  poll();
  const spaces = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, mb(v)]));
  process.stderr.write(`HEAP_REPORT ${JSON.stringify(spaces)}\n`);
  // The app's own SIGTERM handling (shutdown hooks) runs as usual.
  if (process.listenerCount('SIGTERM') === 0) process.exit(0);
});
