'use strict';
// `--node-flags "--require ./lib/serialize-report.js"` on nestjs-tracing variants: when the server is
// stopped, one stderr line with the time spent in nestjs-tracing's OTLP serializer (each
// serializeRequest call runs synchronously on the JavaScript thread): calls, spans, µs per span
// and the median call, in that thread's CPU time (process.threadCpuUsage, Node >= 23.9; wall time
// before that, which --together's stopped turns would inflate).
const { dirname, join } = require('node:path');

let serializer;
try {
  serializer = require(join(dirname(require.resolve('nestjs-tracing/package.json', { paths: [process.cwd()] })), 'dist/sdk/otlp-trace.serializer.js'));
} catch {
  serializer = undefined;
}
const stats = { calls: 0, spans: 0, micros: 0, perCall: [] };
const clock = typeof process.threadCpuUsage === 'function' ? 'thread CPU' : 'wall';
const now = clock === 'thread CPU' ? () => { const u = process.threadCpuUsage(); return u.user + u.system; } : () => Number(process.hrtime.bigint()) / 1000;
if (serializer) {
  const target = serializer.otlpTraceSerializer;
  const serialize = target.serializeRequest;
  target.serializeRequest = function (spans) {
    const start = now();
    try {
      return serialize.call(this, spans);
    } finally {
      const took = now() - start;
      stats.calls += 1;
      stats.spans += spans.length;
      stats.micros += took;
      stats.perCall.push(took / spans.length);
    }
  };
}
process.once('SIGTERM', () => {
  const perCall = stats.perCall.sort((a, b) => a - b);
  const median = perCall.length ? perCall[perCall.length >> 1] : 0;
  const report = { clock, calls: stats.calls, spans: stats.spans, microsPerSpan: stats.spans ? Number((stats.micros / stats.spans).toFixed(2)) : 0, medianCallMicrosPerSpan: Number(median.toFixed(2)) };
  process.stderr.write(`SERIALIZE_REPORT ${JSON.stringify(report)}\n`);
  if (process.listenerCount('SIGTERM') === 0) process.exit(0);
});
