'use strict';
// `--node-flags "--require ./lib/alloc-profile.js"`: V8's sampling heap profiler, counting objects
// the collector has freed as well (an allocation profile, not a retention one), from the
// ALLOC_PROFILE_AFTER-th request on (default 2000: start-up, module loading and the first
// compilations stay out) until the server stops. Written to ALLOC_PROFILE_DIR (default: the
// working directory) as alloc-<pid>.heapprofile, with one stderr line naming it and the requests
// profiled. Read it with `node bench/lib/alloc-summary.mjs <file> <requests>`.
const http = require('node:http');
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const after = Number(process.env.ALLOC_PROFILE_AFTER ?? 2000);
const session = new inspector.Session();
session.connect();
let requests = 0;
let profiled = 0;
let sampling = false;

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function countRequests(event) {
  if (event === 'request') {
    requests += 1;
    if (sampling) profiled += 1;
    else if (requests === after) {
      sampling = true;
      session.post('HeapProfiler.startSampling', {
        samplingInterval: Number(process.env.ALLOC_PROFILE_INTERVAL ?? 4096),
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
  }
  return emit.apply(this, arguments);
};

process.once('SIGTERM', () => {
  const done = () => {
    if (process.listenerCount('SIGTERM') === 0) process.exit(0);
  };
  if (!sampling) return done();
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (!error) {
      const file = join(process.env.ALLOC_PROFILE_DIR ?? process.cwd(), `alloc-${process.pid}.heapprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(`ALLOC_PROFILE ${JSON.stringify({ file, requests: profiled })}\n`);
    }
    done();
  });
});
