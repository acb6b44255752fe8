'use strict';
// Calibration probe, preloaded with --require in front of the untraced app: SPIN_MICROS of pure
// CPU per request in the http server's `request` emit, allocating nothing, touching no memory,
// making no syscall. What a tracer with no side effects and that cost reads as in this bench
// (bench/README.md, "What a known cost reads as"). SPIN_MODE:
// - `clock` (default): a busy loop until performance.now() has moved on by SPIN_MICROS (a vDSO
//   clock read, no syscall; returns a double, no allocation);
// - `work`: a fixed number of integer steps, calibrated at start-up to take SPIN_MICROS — the
//   same cost without reading the clock (the time stamp counter, under a hypervisor).
const http = require('node:http');
const { performance } = require('node:perf_hooks');

const micros = Number(process.env.SPIN_MICROS);
if (!(micros > 0)) throw new Error(`SPIN_MICROS=${process.env.SPIN_MICROS}: a number of microseconds > 0`);
const mode = process.env.SPIN_MODE ?? 'clock';
if (mode !== 'clock' && mode !== 'work') throw new Error(`SPIN_MODE=${mode}: clock or work`);

let sink = 0;
function work(steps) {
  let x = sink | 1;
  for (let i = 0; i < steps; i++) x = (x ^ (x << 13) ^ (x >>> 17) ^ (x << 5)) | 0;
  sink = x;
}
function clock(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

let spin;
if (mode === 'work') {
  // Steps per µs of CPU: the fastest of several timed runs, once the loop is optimised.
  const probe = 1e6;
  let best = Infinity;
  for (let run = 0; run < 12; run++) {
    const start = process.cpuUsage();
    work(probe);
    const used = process.cpuUsage(start);
    best = Math.min(best, used.user + used.system);
  }
  const steps = Math.max(1, Math.round((probe / best) * micros));
  spin = () => work(steps);
} else {
  const ms = micros / 1000;
  spin = () => clock(ms);
}

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event) {
  if (event === 'request') spin();
  // eslint-disable-next-line prefer-rest-params
  return emit.apply(this, arguments);
};
