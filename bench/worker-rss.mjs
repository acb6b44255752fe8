#!/usr/bin/env node
// What a worker thread for the export would cost in memory: the RSS a worker adds once it has
// loaded what it would run — @grpc/grpc-js and node:http2 — before any load (its heap only grows
// from there). bench/README.md "Off the request thread" reads it against the 50 MB budget.
//
//   node bench/worker-rss.mjs [--node 22|24|26]
import { Worker } from 'node:worker_threads';
import { require, rerunOnNodeLine } from './lib/microbench.mjs';

rerunOnNodeLine(import.meta.url);

const grpc = require.resolve('@grpc/grpc-js');
const mb = (bytes) => (bytes / 1048576).toFixed(1);
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

await settle();
const before = process.memoryUsage().rss;
const worker = new Worker(
  `require(${JSON.stringify(grpc)}); require('node:http2');
   require('node:worker_threads').parentPort.postMessage('loaded');
   setInterval(() => {}, 1000);`,
  { eval: true },
);
await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
await settle();
const after = process.memoryUsage().rss;
await worker.terminate();
console.log(`Node ${process.version}: RSS ${mb(before)} MB; with a worker that loaded @grpc/grpc-js ${mb(after)} MB (+${mb(after - before)} MB)`);
