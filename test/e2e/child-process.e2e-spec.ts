import { SpanKind } from '@opentelemetry/api';
import { startChildApp, useChildApps } from '../utils/child-app';
import { reachesAncestor } from '../utils/otlp-receiver';
import { databaseUrl } from '../utils/test-app';
import { freePort } from '../utils/free-port';

/**
 * The way users run it: `import 'nestjs-tracing/register'` first, the package resolved from its
 * build output, a real process exporting OTLP over gRPC. The receiver's payload must match the
 * guide's Verification section.
 */
describe('a real process exporting OTLP gRPC to a receiver', () => {
  const ctx = useChildApps();

  const env = () => ({
    DATABASE_URL: databaseUrl(),
    OTEL_EXPORTER_OTLP_ENDPOINT: ctx.receiver.url,
    OTEL_SERVICE_NAME: 'orders-web',
    OTEL_NESTJS_EXCLUDED_URLS: '^/healthz$,^/readyz$',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });

  it('exports a SERVER span named by route parenting the SQL CLIENT span, as in the guide', async () => {
    ctx.app = await startChildApp('main.js', env());
    const res = await fetch(`${ctx.app.url}/orders/1`, { headers: { authorization: 'Bearer alice' } });
    expect(res.status).toBe(200);
    expect((await fetch(`${ctx.app.url}/healthz`)).status).toBe(200);

    const spans = await ctx.receiver.waitFor((s) => s.some((x) => x.kind === SpanKind.SERVER) && s.some((x) => x.name === 'SELECT orders'));
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const sql = spans.find((s) => s.name === 'SELECT orders')!;
    expect(server.name).toBe('GET /orders/:id');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/orders/:id',
      'http.response.status_code': 200,
      'enduser.id': 'alice',
    });
    expect(sql.kind).toBe(SpanKind.CLIENT);
    expect(sql.attributes['db.system.name']).toBe('postgresql');
    expect(sql.attributes['db.query.text']).toMatch(/FROM "orders"/);
    expect(sql.traceId).toBe(server.traceId);
    expect(reachesAncestor(spans, sql, server)).toBe(true);
    expect(server.resource['service.name']).toBe('orders-web');
    expect(server.resource['process.pid']).toBe(ctx.app.child.pid);
    // As the guide has it: the query's parent is the SERVER span (the Nest spans are opt-in),
    // which names the controller method that served the request.
    expect(sql.parentSpanId).toBe(server.spanId);
    expect(server.attributes).toMatchObject({ 'nestjs.controller': 'OrdersController', 'nestjs.callback': 'findOne' });
    expect(spans.filter((s) => s.attributes['url.path'] === '/healthz')).toEqual([]);

    // The raw payload has the OTLP shape the guide shows: resourceSpans -> scopeSpans -> spans.
    const payload = ctx.receiver.requests[0] as { resourceSpans: Array<{ resource: unknown; scopeSpans: Array<{ spans: unknown[] }> }> };
    expect(payload.resourceSpans[0].scopeSpans[0].spans.length).toBeGreaterThan(0);

  });

  it('flushes buffered spans on graceful shutdown (SIGTERM)', async () => {
    // A 30 s batch delay: the spans can only reach the ctx.receiver through the shutdown flush.
    ctx.app = await startChildApp('main.js', { ...env(), OTEL_BSP_SCHEDULE_DELAY: '30000' });
    expect((await fetch(`${ctx.app.url}/orders/2`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ctx.receiver.spans).toEqual([]);
    // Nest closes the ctx.app on SIGTERM, then re-raises the signal: a clean exit is "killed by SIGTERM".
    expect(await ctx.app.stop('SIGTERM')).toMatchObject({ code: null, signal: 'SIGTERM' });
    const spans = await ctx.receiver.waitFor((s) => s.some((x) => x.kind === SpanKind.SERVER), 5000);
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['GET /orders/:id', 'SELECT orders']));
  });

  it('without a collector: every request succeeds; one notice, batches retried, the undelivered count at shutdown', async () => {
    ctx.app = await startChildApp('main.js', { ...env(), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    for (let i = 0; i < 20; i += 1) {
      expect((await fetch(`${ctx.app.url}/orders/${1 + (i % 3)}`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50)); // several failed batches (100 ms schedule)
    }
    const exit = await ctx.app.stop('SIGTERM');
    expect(exit.millis).toBeLessThan(8000); // the flush gives up after shutdownTimeoutMillis (5 s)
    const output = ctx.app.stdout.concat(ctx.app.stderr);
    const ours = output.filter((line) => line.includes('nestjs-tracing:'));
    // One notice when the collector first fails to answer (the batch is being retried), then one
    // line at shutdown with the count of what never got out. No stack traces, no line per batch.
    expect(ours).toEqual([
      expect.stringMatching(/^nestjs-tracing: OTLP gRPC http:\/\/127\.0\.0\.1:\d+ does not answer \(14 UNAVAILABLE.*ECONNREFUSED.*\); retrying each batch for up to 29 s/),
      expect.stringMatching(/^nestjs-tracing: shutting down: (\d+) of \1 span\(s\) ended in this process were not delivered to OTLP gRPC/),
    ]);
    const lost = Number(/shutting down: (\d+) of/.exec(ours[1])![1]);
    expect(lost).toBeGreaterThanOrEqual(20 * 2); // the SERVER and the SQL span of each request
    expect(output.join('\n')).not.toMatch(/"stack"|at callErrorFromStatus/);
  });

  it('OTEL_TRACES_EXPORTER=tree prints each finished request as one tree on the console', async () => {
    ctx.app = await startChildApp('main.js', { ...env(), OTEL_TRACES_EXPORTER: 'tree' });
    expect((await fetch(`${ctx.app.url}/orders/1`, { headers: { authorization: 'Bearer alice' } })).status).toBe(200);
    const serverLine = await ctx.app.waitForLine(/^GET \/orders\/:id {2}SERVER {2}[\d.]+ ms {2}http\.route=\/orders\/:id http\.response\.status_code=200 enduser\.id=alice {2}pid=\d+$/);
    const lines = ctx.app.stdout.slice(ctx.app.stdout.indexOf(serverLine.input));
    expect(lines[1]).toMatch(/^└─ SELECT orders {2}CLIENT {2}[\d.]+ ms {2}db\.query\.text="SELECT /);
    expect(ctx.app.stdout[ctx.app.stdout.indexOf(serverLine.input) - 1]).toMatch(/^trace [0-9a-f]{32} · orders-web$/);
    expect(ctx.app.stdout.join('\n')).toContain('spans to the console, one tree per trace');
  });

  it.each([
    ['OTEL_BSP_SCHEDULE_DELAY', 'abc', /OTEL_BSP_SCHEDULE_DELAY/],
    ['OTEL_TRACES_SAMPLER', 'bogus', /OTEL_TRACES_SAMPLER value "bogus" invalid, defaulting to "parentbased_always_on"/],
    ['OTEL_PROPAGATORS', 'bogus', /OTEL_PROPAGATORS: "bogus" is not supported .*ignored/],
    ['OTEL_LOG_LEVEL', 'loud', /OTEL_LOG_LEVEL="loud" is not a log level .*using warn/],
  ])('a bad standard variable (%s=%s) gets one warning naming it; the app starts and traces with the default', async (name, value, warning) => {
    ctx.app = await startChildApp('main.js', { ...env(), [name]: value });
    expect((await fetch(`${ctx.app.url}/orders/1`)).status).toBe(200);
    await ctx.receiver.waitFor((spans) => spans.some((s) => s.name === 'GET /orders/:id'));
    await ctx.app.waitForLine(warning, 10_000);
    const lines = ctx.app.stdout.concat(ctx.app.stderr).filter((line) => line.includes(name));
    expect(lines).toEqual([expect.stringMatching(warning)]);
  });

  it('OTEL_SDK_DISABLED=true: the app works, no span is recorded and no exporter connects', async () => {
    ctx.app = await startChildApp('main.js', { ...env(), OTEL_SDK_DISABLED: 'true' });
    expect((await fetch(`${ctx.app.url}/orders/1`)).status).toBe(200);
    await ctx.app.stop('SIGTERM');
    expect(ctx.receiver.attempts.count).toBe(0);
    expect(ctx.app.stdout.join('\n')).toContain('OTEL_SDK_DISABLED=true: tracing is off.');
  });

  it('says loudly, naming the fix, when register was not loaded first', async () => {
    ctx.app = await startChildApp('main-without-register.js', env());
    expect((await fetch(`${ctx.app.url}/orders/1`)).status).toBe(200);
    // The warning goes to stderr, `listening on` to stdout: two pipes, read in either order.
    await ctx.app.waitForLine(/nestjs-tracing: the instrumentations are not registered.*import 'nestjs-tracing\/register'/, 10_000);
  });

  it('names the module that was loaded too early when register comes after the app', async () => {
    ctx.app = await startChildApp('main-late-register.js', env());
    await ctx.app.waitForLine(
      /nestjs-tracing: @nestjs\/core\/router\/router-execution-context\.js was loaded before the instrumentations were registered/,
      10_000,
    );
  });
});
