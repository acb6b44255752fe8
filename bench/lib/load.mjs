// The load generator: its own process (spawned by run.mjs, pinned to the load core), closed loop
// with N connections against one route for a fixed time — wrk (lib/wrk.lua) when it is installed,
// else autocannon from npm (the smoke run: Node's own http client). Each request gets a random
// order id (GET /orders/:id) and a traceparent of its own whose trace id starts with the window's
// tag, so that the receiver can count spans and traces per window. Around the run it reads the
// server's CPU time and peak RSS from /proc and each core's busy time from /proc/stat.
// Usage: node lib/load.mjs '<json options>'; prints one JSON line.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuBusy, cpuDetail, cpuTimes, interruptCounts, interruptDelta, mainThreadCpuMicros, peakRssKb, processCpuSplit, resetPeakRss } from './proc.mjs';

const options = JSON.parse(process.argv[2]);
const { url, route, durationSeconds, connections, tag, serverPid, loader, rows = 1000 } = options;

async function withAutocannon() {
  const { default: autocannon } = await import('autocannon');
  const prefix = tag + randomBytes(4).toString('hex'); // 16 hex digits: tag + this run
  let sent = 0;
  const traceparent = () => {
    sent += 1;
    return `00-${prefix}${sent.toString(16).padStart(16, '0')}-${randomBytes(7).toString('hex')}01-01`;
  };
  const pathFor = route === 'db' ? () => `/orders/${1 + Math.floor(Math.random() * rows)}` : () => '/ping';
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: durationSeconds,
    timeout: 10,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: pathFor(), headers: { ...request.headers, traceparent: traceparent() } }),
      },
    ],
  });
  return {
    requests: result.requests.total,
    sent,
    durationSeconds: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
  };
}

/** --loader node: Node's own http client, closed loop, one keep-alive socket per connection (the smoke run). */
async function withNode() {
  const http = await import('node:http');
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const prefix = tag + randomBytes(4).toString('hex');
  const latencies = [];
  let sent = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const one = () =>
    new Promise((resolve) => {
      sent += 1;
      const path = route === 'db' ? `/orders/${1 + Math.floor(Math.random() * rows)}` : '/ping';
      const traceparent = `00-${prefix}${sent.toString(16).padStart(16, '0')}-${randomBytes(7).toString('hex')}01-01`;
      const start = performance.now();
      const req = http.get({ host: target.hostname, port: target.port, path, agent, headers: { traceparent } }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - start);
          if (res.statusCode >= 200 && res.statusCode < 300) ok += 1;
          else non2xx += 1;
          resolve();
        });
      });
      req.on('error', () => {
        errors += 1;
        resolve();
      });
    });
  const t0 = performance.now();
  const deadline = t0 + durationSeconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < deadline) await one();
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: ok + non2xx,
    sent,
    durationSeconds: (performance.now() - t0) / 1000,
    ok,
    non2xx,
    errors,
    timeouts: 0,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: latencies.at(-1) ?? 0, mean: latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1) },
  };
}

async function withWrk() {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'wrk.lua');
  const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${durationSeconds}s`, '--timeout', '10s', '-s', script, url], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_TAG: tag, BENCH_ROUTE: route, BENCH_ROWS: String(rows), BENCH_SEED: String(process.pid) },
  });
  let line;
  createInterface({ input: child.stdout }).on('line', (l) => {
    if (l.startsWith('WRK_RESULT ')) line = l.slice('WRK_RESULT '.length);
  });
  const code = await new Promise((resolve) => child.once('close', resolve));
  if (code !== 0 || !line) throw new Error(`wrk exited ${code} without a result`);
  const r = JSON.parse(line);
  const ms = (us) => us / 1000;
  const errors = r.connect + r.read + r.write;
  return {
    requests: r.requests,
    sent: r.sent,
    durationSeconds: r.durationMicros / 1e6,
    ok: r.requests - r.status,
    non2xx: r.status,
    errors,
    timeouts: r.timeout,
    latencyMs: { p50: ms(r.p50), p90: ms(r.p90), p99: ms(r.p99), max: ms(r.max), mean: ms(r.mean) },
  };
}

const peakReset = resetPeakRss(serverPid);
const cpuBefore = processCpuSplit(serverPid);
const mainBefore = mainThreadCpuMicros(serverPid);
const coresBefore = cpuTimes();
const irqBefore = interruptCounts();
const selfBefore = process.cpuUsage();
const t0 = process.hrtime.bigint();
const result = loader === 'wrk' ? await withWrk() : loader === 'node' ? await withNode() : await withAutocannon();
const t1 = process.hrtime.bigint();
// The main thread is read inside the process's readings on both sides (process, thread … thread,
// process): the server runs on meanwhile, so the other order could count a tick of the thread's
// that the process's delta missed.
const mainAfter = mainThreadCpuMicros(serverPid);
const cpuAfter = processCpuSplit(serverPid);
const coresAfter = cpuTimes();
const irqAfter = interruptCounts();
const peak = peakRssKb(serverPid);
const self = process.cpuUsage(selfBefore);

process.stdout.write(
  JSON.stringify({
    tag,
    route,
    loader: loader === 'wrk' ? 'wrk' : 'autocannon',
    ...result,
    wallSeconds: Number(t1 - t0) / 1e9,
    monotonicStartNs: t0.toString(),
    monotonicEndNs: t1.toString(),
    serverCpuMicros: cpuBefore && cpuAfter ? cpuAfter.total - cpuBefore.total : undefined,
    serverSysCpuMicros: cpuBefore && cpuAfter ? cpuAfter.system - cpuBefore.system : undefined,
    serverMainThreadCpuMicros: mainBefore !== undefined && mainAfter !== undefined ? mainAfter - mainBefore : undefined,
    loaderNodeCpuMicros: self.user + self.system,
    peakRssKb: peak,
    peakRssWindowed: peakReset,
    coreBusy: cpuBusy(coresBefore, coresAfter),
    coreDetail: cpuDetail(coresBefore, coresAfter),
    interrupts: interruptDelta(irqBefore, irqAfter),
  }) + '\n',
);
