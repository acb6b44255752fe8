import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { join, relative, sep } from 'node:path';
import { FIXTURES_DIR, SAMPLE_DIR, startChildApp, useChildApps, type ChildApp } from '../utils/child-app';
import { newTraceparent, send } from '../utils/http';
import { reachesAncestor, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../utils/otlp-receiver';
import { databaseUrl } from '../utils/test-app';

const CLUSTER = join(SAMPLE_DIR, 'cluster.js');
const PROBE = join(FIXTURES_DIR, 'primary-probe.js');
const DIST = join(__dirname, '..', '..', 'dist');

const workerPids = (app: ChildApp): number[] =>
  app.stdout.flatMap((line) => /\[cluster\] worker \d+ started \(pid (\d+)\)/.exec(line)?.[1] ?? []).map(Number);
const serverSpanOf = (spans: ReceivedSpan[], traceId: string) =>
  spans.find((s) => s.traceId === traceId && s.kind === SpanKind.SERVER);

/**
 * `npm start` as a user runs it: the sample under the cluster bootstrap, 2 workers, no
 * DATABASE_URL (so the primary starts an embedded PostgreSQL), exporting OTLP gRPC to a receiver.
 */
describe('the orders sample under the cluster bootstrap', () => {
  let receiver: OtlpReceiver;
  let app: ChildApp | undefined;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await startChildApp(
      CLUSTER,
      {
        PORT: '0', // workers share the port the primary picks: no race for a "free" one
        WEB_CONCURRENCY: '2',
        DATABASE_URL: undefined,
        OTEL_SERVICE_NAME: undefined,
        OTEL_NESTJS_EXCLUDED_URLS: undefined,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      { nodeArgs: ['--require', PROBE], listeners: 2, timeoutMs: 90000 },
    );
  }, 120000);
  afterAll(async () => {
    await app?.stop('SIGKILL');
    await receiver?.close();
  });

  it('logs its workers with their pids, the database and where traces go', () => {
    const log = app!.stdout.concat(app!.stderr).join('\n');
    expect(workerPids(app!)).toHaveLength(2);
    expect(log).toMatch(/\[cluster\] primary \(pid \d+\) starting 2 worker\(s\)/);
    expect(log).toMatch(/no DATABASE_URL: started embedded PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/orders/);
    for (const pid of workerPids(app!)) {
      expect(log).toContain(`tracing service "orders-web" (instance`);
      expect(log).toMatch(new RegExp(`pid ${pid}\\), spans to OTLP gRPC ${receiver.url.replace(/[.]/g, '\\.')}`));
    }
  });

  it('traces requests from two worker identities, never from the primary, with SQL under each SERVER span', async () => {
    const calls = Array.from({ length: 16 }, (_, i) => ({ ...newTraceparent(), user: i % 2 === 0 ? `user-${i}` : undefined }));
    const results = await Promise.all(
      calls.map(({ traceparent, user }) =>
        send(`${app!.url}/orders/${1 + (calls.length % 3)}`, { headers: { traceparent, ...(user ? { authorization: `Bearer ${user}` } : {}) } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(calls.map(() => 200));
    for (const probe of ['/healthz', '/readyz']) expect((await send(`${app!.url}${probe}`)).status).toBe(200);

    const spans = await receiver.waitFor((all) =>
      calls.every(({ traceId }) => all.some((s) => s.traceId === traceId && s.name === 'SELECT orders') && serverSpanOf(all, traceId)),
    );
    for (const { traceId, user } of calls) {
      const server = serverSpanOf(spans, traceId)!;
      const sql = spans.find((s) => s.traceId === traceId && s.name === 'SELECT orders')!;
      expect(server.name).toBe('GET /orders/:id');
      expect(server.attributes['http.route']).toBe('/orders/:id');
      expect(sql.kind).toBe(SpanKind.CLIENT);
      expect(reachesAncestor(spans, sql, server)).toBe(true);
      expect(server.attributes['enduser.id']).toBe(user);
    }

    const traced = spans.filter((s) => calls.some((c) => c.traceId === s.traceId));
    const pids = new Set(traced.map((s) => s.resource['process.pid']));
    const instances = new Set(traced.map((s) => s.resource['service.instance.id']));
    expect([...pids].sort()).toEqual([...workerPids(app!)].sort());
    expect(instances.size).toBe(2);
    expect(pids).not.toContain(app!.child.pid);
    expect(new Set(traced.map((s) => s.resource['service.name']))).toEqual(new Set(['orders-web']));
    // The workers run on the Node.js that runs the tests (npm run test:node -- 24 runs them on 24).
    expect(new Set(traced.map((s) => s.resource['process.runtime.version']))).toEqual(new Set([process.versions.node]));
    // Probes are excluded: no SERVER span for them, and their readiness query has no span either.
    const probeSpans = receiver.spans.filter((s) => ['/healthz', '/readyz'].includes(s.attributes['url.path'] as string));
    expect(probeSpans).toEqual([]);
    const text = (s: ReceivedSpan) => s.attributes['db.query.text'];
    expect(receiver.spans.filter((s) => typeof text(s) === 'string' && (text(s) as string).startsWith('SELECT 1'))).toEqual([]);
  });

  it('answers POST /orders 201 with a user, 401 without, 400 on invalid input; 404 for an unknown order', async () => {
    const post = (body: unknown, authorization?: string) =>
      send(`${app!.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(body),
      });
    const created = await post({ item: 'kettle', quantity: 2 }, 'Bearer dana');
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ item: 'kettle', quantity: 2, userId: 'dana' });
    expect((await post({ item: 'kettle', quantity: 2 })).status).toBe(401);
    expect((await post({ item: '', quantity: 0 }, 'Bearer dana')).status).toBe(400);
    expect((await post({ item: 'x', quantity: 1, admin: true }, 'Bearer dana')).status).toBe(400);
    expect((await send(`${app!.url}/orders/999999`)).status).toBe(404);
    const list = await send(`${app!.url}/orders`);
    expect(JSON.parse(list.body)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 1, item: 'book' })]));
  });

  it('GET /orders/:id/shipping is one trace across both services: SERVER (orders-web) -> CLIENT -> SERVER (shipping)', async () => {
    const { traceId, traceparent } = newTraceparent();
    const res = await send(`${app!.url}/orders/1/shipping`, { headers: { traceparent } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ orderId: 1, item: 'book', carrier: 'UPS' });

    const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === traceId && s.resource['service.name'] === 'shipping' && s.kind === SpanKind.SERVER));
    const trace = spans.filter((s) => s.traceId === traceId);
    const ordersServer = trace.find((s) => s.kind === SpanKind.SERVER && s.resource['service.name'] === 'orders-web')!;
    const client = trace.find((s) => s.kind === SpanKind.CLIENT && s.attributes['http.request.method'] === 'GET')!;
    const shippingServer = trace.find((s) => s.kind === SpanKind.SERVER && s.resource['service.name'] === 'shipping')!;
    expect(ordersServer.name).toBe('GET /orders/:id/shipping');
    expect(client).toMatchObject({ name: 'GET', resource: expect.objectContaining({ 'service.name': 'orders-web' }) });
    expect(client.attributes['url.full']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/shipping\/1$/);
    expect(reachesAncestor(trace, client, ordersServer)).toBe(true);
    expect(shippingServer.name).toBe('GET /shipping/:id');
    expect(shippingServer.parentSpanId).toBe(client.spanId);
    // The exporters' own traffic to the collector is never traced.
    const port = Number(new URL(receiver.url).port);
    expect(receiver.spans.filter((s) => s.attributes['server.port'] === port || `${s.attributes['url.full'] as string | undefined}`.includes(receiver.url))).toEqual([]);
  });

  it('with shipping down, GET /orders/:id/shipping answers 502 at once, its CLIENT span ERROR, and the workers live on', async () => {
    const shippingPid = Number(/started the shipping service at .* \(pid (\d+)\)/.exec(app!.stdout.join('\n'))![1]);
    process.kill(shippingPid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { traceId, traceparent } = newTraceparent();
    const started = Date.now();
    const res = await send(`${app!.url}/orders/2/shipping`, { headers: { traceparent } });
    expect(res.status).toBe(502);
    expect(Date.now() - started).toBeLessThan(2500); // bounded by the client's timeout, never a hang
    expect(JSON.parse(res.body)).toMatchObject({ message: 'shipping service unavailable', reason: 'ECONNREFUSED' });
    const isCall = (s: ReceivedSpan) => s.traceId === traceId && s.kind === SpanKind.CLIENT && s.attributes['http.request.method'] === 'GET';
    const spans = await receiver.waitFor((all) => all.some(isCall));
    expect(spans.find(isCall)!.status.code).toBe(SpanStatusCode.ERROR);
    expect((await send(`${app!.url}/orders/2`)).status).toBe(200);
  });

  it('replaces a worker killed with SIGKILL, and requests keep succeeding meanwhile', async () => {
    const before = workerPids(app!);
    const [victim] = before;
    process.kill(victim, 'SIGKILL');
    await app!.waitForLine(new RegExp(`worker \\d+ \\(pid ${victim}\\) exited unexpectedly \\(signal SIGKILL\\)`), 10000);
    const during = await Promise.all(Array.from({ length: 10 }, () => send(`${app!.url}/orders/1`)));
    expect(during.map((r) => r.status)).toEqual(during.map(() => 200));

    const replacement = Number((await app!.waitForLine(new RegExp(`worker \\d+ started \\(pid (?!(${before.join('|')})\\))(\\d+)\\)`)))[2]);
    await app!.waitForLine(new RegExp(`listening on \\d+ \\(pid ${replacement}\\)`), 30000);
    // The replacement has its own SDK: keep calling until one of its spans arrives.
    const deadline = Date.now() + 20000;
    while (!receiver.spans.some((s) => s.resource['process.pid'] === replacement) && Date.now() < deadline) {
      expect((await send(`${app!.url}/orders/2`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(receiver.spans.some((s) => s.resource['process.pid'] === replacement)).toBe(true);
  });

  it('on SIGTERM the primary stops its workers and exits 0, having loaded no tracing code itself', async () => {
    const exit = await app!.stop('SIGTERM', 30000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    const log = app!.stdout.join('\n');
    expect(log).toContain('[cluster] all workers stopped; exiting.');
    const report = JSON.parse(/primary-probe (.*)/.exec(log)![1]) as {
      pid: number; modules: string[]; instrumentations: boolean; sdk: boolean; otelApi: boolean;
    };
    expect(report.pid).toBe(app!.child.pid);
    expect(report.modules.some((m) => m.endsWith(join('dist', 'cluster.js')))).toBe(true);
    // From the library only the cluster bootstrap and its error type; no OpenTelemetry, gRPC or Nest.
    const library = report.modules.filter((m) => m.startsWith(DIST + sep)).map((m) => relative(DIST, m));
    expect(library.filter((m) => !/^(cluster\.js|cluster[\\/]|tracing\.(errors|constants)\.js)/.test(m))).toEqual([]);
    expect(report.modules.filter((m) => /node_modules[\\/](@opentelemetry|@grpc|@nestjs)[\\/]/.test(m))).toEqual([]);
    expect(report).toMatchObject({ instrumentations: false, sdk: false, otelApi: false });
    app = undefined;
  });
});

/** One app per test, one receiver for them all. */
describe('the sample, started fresh for each test', () => {
  const ctx = useChildApps();

  // Graceful shutdown loses nothing: spans can only arrive through the flush in the Nest shutdown.
  it('SIGTERM right after a burst: every completed request is exported before the workers exit; the primary exits 0', async () => {
    ctx.app = await startChildApp(
      CLUSTER,
      {
        PORT: '0', // workers share the port the primary picks: no race for a "free" one
        WEB_CONCURRENCY: '2',
        DATABASE_URL: databaseUrl(),
        OTEL_EXPORTER_OTLP_ENDPOINT: ctx.receiver.url,
        // Nothing is exported on schedule: only the shutdown flush can deliver these spans.
        OTEL_BSP_SCHEDULE_DELAY: '60000',
      },
      { listeners: 2 },
    );
    const burst = Array.from({ length: 40 }, () => newTraceparent());
    const results = await Promise.all(burst.map(({ traceparent }) => send(`${ctx.app!.url}/orders/2`, { headers: { traceparent } })));
    expect(results.map((r) => r.status)).toEqual(burst.map(() => 200));
    expect(ctx.receiver.spans).toEqual([]);

    const exit = await ctx.app.stop('SIGTERM', 30000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.millis).toBeLessThan(15000);
    const missing = burst.filter(({ traceId }) => {
      const trace = ctx.receiver.spans.filter((s) => s.traceId === traceId);
      return !trace.some((s) => s.kind === SpanKind.SERVER) || !trace.some((s) => s.name === 'SELECT orders');
    });
    expect(missing).toEqual([]);
    expect(new Set(ctx.receiver.spans.map((s) => s.resource['process.pid'])).size).toBe(2);
    ctx.app = undefined;
  });

  it('npm run start:dev traces in a single process: SERVER span by route, SQL under it, enduser.id from the hook', async () => {
    ctx.app = await startChildApp(join(SAMPLE_DIR, 'main.js'), {
      PORT: '0',
      DATABASE_URL: databaseUrl(),
      OTEL_SERVICE_NAME: undefined,
      OTEL_EXPORTER_OTLP_ENDPOINT: ctx.receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const { traceId, traceparent } = newTraceparent();
    expect((await send(`${ctx.app.url}/orders/3`, { headers: { traceparent, authorization: 'Bearer erin' } })).status).toBe(200);
    expect((await send(`${ctx.app.url}/healthz`)).status).toBe(200);
    const spans = await ctx.receiver.waitFor((all) => all.some((s) => s.traceId === traceId && s.name === 'SELECT orders'));
    const server = serverSpanOf(spans, traceId)!;
    expect(server).toMatchObject({ name: 'GET /orders/:id', attributes: expect.objectContaining({ 'enduser.id': 'erin' }) });
    expect(server.resource).toMatchObject({ 'service.name': 'orders-web', 'process.pid': ctx.app.child.pid });
    expect(reachesAncestor(spans, spans.find((s) => s.traceId === traceId && s.name === 'SELECT orders')!, server)).toBe(true);
    expect(ctx.receiver.spans.filter((s) => s.attributes['url.path'] === '/healthz')).toEqual([]);
  });
});

describe('a worker that cannot start', () => {
  it('is restarted with growing delays, then given up on; the primary exits 1 saying why', async () => {
    const app = await startChildApp('crashing-cluster.js', {}, { listeners: 0 });
    try {
      const exit = await app.stop(null, 30000);
      expect(exit.code).toBe(1);
      const log = app.stdout.concat(app.stderr).join('\n');
      const delays = [...log.matchAll(/restarting in (\d+) ms/g)].map((m) => Number(m[1]));
      expect(delays).toEqual([200, 400, 800]);
      expect(exit.millis).toBeGreaterThanOrEqual(1400); // the delays were waited, not just printed
      expect(log).toMatch(/worker 1 \(pid \d+\) exited \(code 1\) 4 times in a row, each within 10000 ms of starting: not restarting it/);
      expect(log).toContain('cannot start: simulated configuration error');
    } finally {
      await app.stop('SIGKILL');
    }
  });
});

describe('cluster misconfiguration', () => {
  it('WEB_CONCURRENCY=abc stops start-up with a message naming the variable, before any fork', async () => {
    const app = await startChildApp(CLUSTER, { WEB_CONCURRENCY: 'abc', DATABASE_URL: databaseUrl() }, { listeners: 0 });
    const exit = await app.stop(null, 10000);
    const log = app.stdout.concat(app.stderr).join('\n');
    expect(log).toContain('WEB_CONCURRENCY="abc" is not a number of workers: set a positive integer');
    expect(log).not.toMatch(/worker \d+ started/);
    expect(exit.code).toBe(1);
  });
});
