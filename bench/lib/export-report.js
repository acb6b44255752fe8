'use strict';
// `--node-flags "--require ./lib/export-report.js"`: when the server is stopped, one stderr line on
// its OTLP gRPC exports — how many, bytes per export, the most in flight at once, failures and the
// latency of a call (p50 / p90 / max ms) — so a run's cells (`reports` in the JSON) show whether
// exports queue up behind each other at full load. It wraps the send of
// `@opentelemetry/otlp-grpc-exporter-base`'s transport, which the floor and the peers use, and of
// nestjs-tracing's own (`dist/sdk/otlp-grpc.transport.js`, since cut 8); a process that loads
// neither reports `exports=0`.
const Module = require('node:module');

const stats = { exports: 0, bytes: 0, inFlight: 0, maxInFlight: 0, failures: 0, millis: [] };
const load = Module._load;
Module._load = function (request) {
  const loaded = load.apply(this, arguments);
  const transport = /(grpc-exporter-transport|otlp-grpc\.transport)(\.js)?$/.test(request)
    ? (loaded?.GrpcExporterTransport ?? loaded?.OtlpGrpcTraceTransport)
    : undefined;
  if (transport && !transport.prototype.send.exportReport) {
    const send = transport.prototype.send;
    transport.prototype.send = function (data, timeoutMillis) {
      stats.exports += 1;
      stats.bytes += data.length;
      stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
      const start = process.hrtime.bigint();
      return send.call(this, data, timeoutMillis).then((response) => {
        stats.inFlight -= 1;
        if (response.status !== 'success') stats.failures += 1;
        stats.millis.push(Number(process.hrtime.bigint() - start) / 1e6);
        return response;
      });
    };
    transport.prototype.send.exportReport = true;
  }
  return loaded;
};

process.once('SIGTERM', () => {
  const ms = stats.millis.sort((a, b) => a - b);
  const at = (q) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * q))].toFixed(1) : '-');
  const report = {
    exports: stats.exports,
    bytesPerExport: stats.exports ? Math.round(stats.bytes / stats.exports) : 0,
    maxInFlight: stats.maxInFlight,
    failures: stats.failures,
    ms: { p50: at(0.5), p90: at(0.9), max: at(1) },
  };
  process.stderr.write(`EXPORT_REPORT ${JSON.stringify(report)}\n`);
  // heap-report.js (when loaded after this file) or the app's own handler ends the process.
  if (process.listenerCount('SIGTERM') === 0) process.exit(0);
});
