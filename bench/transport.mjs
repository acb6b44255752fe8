#!/usr/bin/env node
// Microbenchmark: what one OTLP gRPC export call costs the exporting process, apart from the
// serializer. nestjs-tracing's transport (lib/sdk/otlp-grpc.transport.ts, @grpc/grpc-js) against a
// bare node:http2 request with the same gRPC framing, both sending the same bytes to a grpc-js
// server in a child process (pinned to another CPU when `taskset` is present), one call at a
// time, interleaved rounds, after a warm-up. CPU is this process's user + system time per call.
//
//   npm run bench:transport [-- --node 24]
import { execFileSync, fork } from 'node:child_process';
import http2 from 'node:http2';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { require, rerunOnNodeLine, ROOT } from './lib/microbench.mjs';

rerunOnNodeLine(import.meta.url);

const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const SIZES = [20_000, 250_000]; // a small batch; 512 spans of the bench's db route (~2 × 250 B each)
const CALLS = 300;
const ROUNDS = 4;

if (process.argv[2] === '--sink') {
  const grpc = require('@grpc/grpc-js');
  const same = (bytes) => bytes;
  const server = new grpc.Server();
  const method = { path: PATH, requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same };
  server.addService({ export: method }, { export: (_call, callback) => callback(null, Buffer.alloc(0)) });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => process.send(error ? { error: error.message } : { port }));
} else {
  const sink = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: 'inherit' });
  const pin = (pid, cpus) => { try { execFileSync('taskset', ['-pc', cpus, String(pid)], { stdio: 'ignore' }); return true; } catch { return false; } };
  const pinned = pin(process.pid, '0') && pin(sink.pid, '1');
  const { port, error } = await new Promise((resolve) => sink.once('message', resolve));
  if (error) throw new Error(`sink: ${error}`);
  const grpc = require('@grpc/grpc-js');
  const { OtlpGrpcTraceTransport } = require(join(ROOT, 'dist/sdk/otlp-grpc.transport.js'));
  const transport = new OtlpGrpcTraceTransport({
    url: `127.0.0.1:${port}`, credentials: () => grpc.credentials.createInsecure(), metadata: () => new grpc.Metadata(), compression: 'none',
  });
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const bare = (data) => new Promise((resolve, reject) => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(data.length, 1);
    const request = session.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers' });
    let status;
    request.on('trailers', (trailers) => { status = trailers['grpc-status']; });
    request.on('data', () => {});
    request.on('end', () => (status === '0' ? resolve() : reject(new Error(`grpc-status ${status}`))));
    request.on('error', reject);
    request.write(prefix);
    request.end(data);
  });
  const ours = async (data) => {
    const result = await transport.send(data, 10_000);
    if (result.status !== 'success') throw result.error;
  };
  const cases = { 'nestjs-tracing transport (grpc-js)': ours, 'bare node:http2': bare };
  const results = {};
  for (const size of SIZES) {
    const data = Buffer.alloc(size, 7);
    for (const send of Object.values(cases)) for (let i = 0; i < 50; i++) await send(data);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, send] of Object.entries(cases)) {
        const cpu = process.cpuUsage();
        for (let i = 0; i < CALLS; i++) await send(data);
        const { user, system } = process.cpuUsage(cpu);
        ((results[size] ??= {})[name] ??= []).push((user + system) / CALLS);
      }
    }
  }
  console.log(`Node ${process.version}; ${CALLS} calls × ${ROUNDS} interleaved rounds per cell; ${pinned ? 'this process on CPU 0, the server on CPU 1' : 'not pinned'}`);
  console.log('\n| bytes per call | ' + Object.keys(cases).join(' | ') + ' |\n|---|' + Object.keys(cases).map(() => '---|').join(''));
  const cell = (xs) => { const s = [...xs].sort((a, b) => a - b); return `${s[s.length >> 1].toFixed(0)} µs (${s[0].toFixed(0)}–${s[s.length - 1].toFixed(0)})`; };
  for (const size of SIZES) console.log(`| ${size.toLocaleString('en')} | ${Object.keys(cases).map((name) => cell(results[size][name])).join(' | ')} |`);
  transport.shutdown();
  session.close();
  sink.kill();
}
