import * as grpc from '@grpc/grpc-js';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { SAMPLE_DIR, startChildApp, type ChildApp } from '../utils/child-app';
import { freePort } from '../utils/free-port';
import { newTraceparent, send } from '../utils/http';
import { startOtlpReceiver, type OtlpReceiver, type OtlpReceiverOptions } from '../utils/otlp-receiver';
import { databaseUrl } from '../utils/test-app';

const CLUSTER = join(SAMPLE_DIR, 'cluster.js');

/** The sample under the cluster (2 workers), on the suite's database, exporting to `endpoint`. */
async function startCluster(endpoint: string, env: Record<string, string> = {}): Promise<ChildApp> {
  return startChildApp(
    CLUSTER,
    {
      PORT: '0', // workers share the port the primary picks: no race for a "free" one
      WEB_CONCURRENCY: '2',
      DATABASE_URL: databaseUrl(),
      SHIPPING_URL: 'http://127.0.0.1:9', // not called here: no shipping process to start
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...env,
    },
    { listeners: 2 },
  );
}

/** `count` traced reads on fresh connections; all must answer 200 whatever the collector does. */
async function traffic(app: ChildApp, count: number): Promise<string[]> {
  const calls = Array.from({ length: count }, () => newTraceparent());
  const results = await Promise.all(calls.map(({ traceparent }, i) => send(`${app.url}/orders/${1 + (i % 3)}`, { headers: { traceparent } })));
  expect(results.map((r) => r.status)).toEqual(calls.map(() => 200));
  return calls.map((c) => c.traceId);
}

/** Accepts TCP connections and never answers: a collector that hangs. */
async function startBlackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () => new Promise((resolve) => {
      sockets.forEach((socket) => socket.destroy());
      server.close(() => resolve());
    }),
  };
}

const tracingLines = (app: ChildApp) => app.stdout.concat(app.stderr).filter((line) => line.includes('nestjs-tracing:'));

describe('collector faults (the sample under the cluster, 2 workers)', () => {
  let app: ChildApp | undefined;
  const receivers: OtlpReceiver[] = [];
  const receiver = async (options?: OtlpReceiverOptions) => {
    const started = await startOtlpReceiver(options);
    receivers.push(started);
    return started;
  };
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it('collector down, then back: spans ended during the outage arrive once it returns', async () => {
    const port = await freePort();
    app = await startCluster(`http://127.0.0.1:${port}`);
    const duringOutage = await traffic(app, 30);
    await new Promise((resolve) => setTimeout(resolve, 10_000)); // 10 s down: the exporters fail and retry meanwhile
    await app.waitForLine(/nestjs-tracing: OTLP gRPC .* does not answer .*retrying each batch/);

    const collector = await receiver({ port });
    await collector.waitFor(
      (spans) => duringOutage.every((traceId) => spans.some((s) => s.traceId === traceId && s.name === 'SELECT orders')),
      25_000,
    );
    expect(tracingLines(app).filter((line) => line.includes('could not export'))).toEqual([]);
  }, 60_000);

  it.each([
    ['INVALID_ARGUMENT', grpc.status.INVALID_ARGUMENT],
    ['RESOURCE_EXHAUSTED', grpc.status.RESOURCE_EXHAUSTED],
  ])('a collector that rejects (%s) is not retried: the reason is logged, the batch counted once', async (name, code) => {
    const collector = await receiver({ reject: () => ({ code, details: `test collector says ${name}` }) });
    // Nothing leaves on schedule: each worker sends its spans as one batch, at shutdown.
    app = await startCluster(collector.url, { OTEL_BSP_SCHEDULE_DELAY: '60000' });
    await traffic(app, 10);
    expect((await app.stop('SIGTERM', 20_000)).code).toBe(0);
    expect(collector.attempts.count).toBeGreaterThanOrEqual(1);
    expect(collector.attempts.count).toBeLessThanOrEqual(2); // one batch per worker, no retry
    const reports = tracingLines(app).filter((line) => line.includes('could not export'));
    expect(reports.length).toBe(collector.attempts.count);
    for (const line of reports) expect(line).toContain(`(${code} ${name}: test collector says ${name})`);
    expect(tracingLines(app).some((line) => line.includes('does not answer'))).toBe(false);
  }, 60_000);

  it('a partial success is logged with the reason, not retried', async () => {
    const collector = await receiver({ partialSuccess: { rejectedSpans: 2, errorMessage: 'attribute too long' } });
    app = await startCluster(collector.url, { OTEL_BSP_SCHEDULE_DELAY: '60000' });
    const traces = await traffic(app, 6);
    expect((await app.stop('SIGTERM', 20_000)).code).toBe(0);
    expect(collector.attempts.count).toBeLessThanOrEqual(2); // one batch per worker: no retry
    expect(traces.every((traceId) => collector.spans.some((s) => s.traceId === traceId))).toBe(true);
    const lines = app.stdout.concat(app.stderr).filter((line) => line.includes('Partial Success'));
    expect(lines.length).toBe(collector.attempts.count);
    for (const line of lines) expect(line).toMatch(/"rejectedSpans":"?2"?.*"errorMessage":"attribute too long"/);
  }, 60_000);

  it('a collector answering UNAVAILABLE is retried, with backoff, not in a storm', async () => {
    let rejecting = true;
    const collector = await receiver({ reject: () => (rejecting ? { code: grpc.status.UNAVAILABLE, details: 'restarting' } : undefined) });
    app = await startCluster(collector.url);
    const traces = await traffic(app, 10);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // Two workers retrying with backoff from 500 ms: a handful of attempts in 2.5 s, not hundreds.
    expect(collector.attempts.count).toBeGreaterThanOrEqual(2);
    expect(collector.attempts.count).toBeLessThan(30);
    rejecting = false;
    await collector.waitFor((spans) => traces.every((traceId) => spans.some((s) => s.traceId === traceId)), 20_000);
  }, 60_000);

  it('a slow collector (answers after 10 s): requests unaffected, OTEL_EXPORTER_OTLP_TIMEOUT honoured', async () => {
    const collector = await receiver({ delayMillis: 10_000 });
    app = await startCluster(collector.url, { OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
    const started = Date.now();
    await traffic(app, 20);
    expect(Date.now() - started).toBeLessThan(3000); // the requests never wait for the exporter
    // Each export gives up after 1 s (not the collector's 10 s): DEADLINE_EXCEEDED, retried.
    const notice = await app.waitForLine(/does not answer \(4 DEADLINE_EXCEEDED/, 15_000);
    expect(notice.input).toContain('retrying each batch');
    await traffic(app, 10);
  }, 60_000);

  it('SIGTERM while the collector is a black hole: every worker exits within the shutdown timeout and says what it could not deliver', async () => {
    const hole = await startBlackHole();
    try {
      app = await startCluster(hole.url, { OTEL_EXPORTER_OTLP_TIMEOUT: '2000' });
      await traffic(app, 20);
      const exit = await app.stop('SIGTERM', 30_000);
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.millis).toBeLessThan(12_000); // the workers' flush gives up after 5 s; the primary would kill at 15 s
      const undelivered = tracingLines(app).filter((line) => /shutting down: \d+ of \d+ span\(s\) ended in this process were not delivered/.test(line));
      expect(undelivered).toHaveLength(2);
    } finally {
      await hole.close();
    }
  }, 60_000);

  it('no collector at all: requests succeed and each worker says so once, not per batch', async () => {
    app = await startCluster(`http://127.0.0.1:${await freePort()}`);
    for (let round = 0; round < 5; round += 1) {
      await traffic(app, 10);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const notices = tracingLines(app).filter((line) => line.includes('does not answer'));
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices.length).toBeLessThanOrEqual(2); // one per worker per 30 s
    expect(app.stdout.concat(app.stderr).join('\n')).not.toMatch(/"stack"|at callErrorFromStatus/);
  }, 60_000);
});
