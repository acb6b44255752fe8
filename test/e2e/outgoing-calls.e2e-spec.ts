import { createServer, type Server, type Socket } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { AppModule } from '../../sample/app.module';
import { outgoingAppModule } from '../fixtures/outgoing/outgoing.module';
import { startDownstream, type Downstream } from '../utils/downstream';
import { freePort } from '../utils/free-port';
import { useTracedApp, type TracedAppContext } from '../utils/in-process-tracing';
import { waitFor } from '../utils/spans';
import { databaseUrl } from '../utils/test-app';

const traceparentOf = (headers: Record<string, unknown>) => {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(typeof headers.traceparent === 'string' ? headers.traceparent : '');
  return match ? { traceId: match[1], parentId: match[2] } : undefined;
};

/** Calls `path`, then returns the request's SERVER span, its CLIENT span(s) and the whole trace. */
async function call(ctx: TracedAppContext, path: string, clientSpans = 1) {
  const res = await fetch(`${ctx.app.url}${path}`);
  await res.arrayBuffer();
  const server = await ctx.tracing.waitForServerSpan({ path: path.split('?')[0] });
  const trace = ctx.tracing.trace(server);
  const clients = (await waitFor(() => ctx.tracing.trace(server).filter({ kind: SpanKind.CLIENT }), (c) => c.length >= clientSpans));
  return { status: res.status, server, clients, trace };
}

describe('outgoing calls made while handling a request', () => {
  let downstream: Downstream;
  const ctx = useTracedApp(() => outgoingAppModule());
  beforeAll(async () => (downstream = await startDownstream()));
  beforeEach(() => (downstream.received.length = 0));
  afterAll(() => downstream.close());

  it.each([
    ['fetch', '/calls/fetch'],
    ['node:http', '/calls/http'],
  ])('%s: one CLIENT span under the request, and the call carries its traceparent', async (_client, route) => {
    const target = `${downstream.url}/quotes/7?sig=s3cr3t&X-Goog-Signature=abc&page=2`;
    const { status, server, clients, trace } = await call(ctx, `${route}?to=${encodeURIComponent(target)}`);
    expect(status).toBe(200);
    expect(clients).toHaveLength(1);
    const [client] = clients;
    expect(client.name).toBe('GET');
    expect(client.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(downstream.url).port),
      'url.full': `${downstream.url}/quotes/7?sig=REDACTED&X-Goog-Signature=REDACTED&page=2`,
    });
    // The downstream side of the call (its SERVER span) shows the redacted query too.
    const callSide = trace.spans.filter((s) => s === client || trace.isUnder(s, client));
    expect(JSON.stringify(callSide.map((s) => s.attributes))).not.toMatch(/s3cr3t|=abc/);
    expect(trace.isUnder(client, server)).toBe(true);
    expect(client.status.code).toBe(SpanStatusCode.UNSET);

    // Downstream sees this CLIENT span as its parent: one trace across both services.
    const sent = traceparentOf(downstream.received[0].headers);
    expect(sent).toEqual({ traceId: client.spanContext().traceId, parentId: client.spanContext().spanId });
    const downstreamServer = await waitFor(
      () => ctx.tracing.trace(server).find({ kind: SpanKind.SERVER, attributes: { 'url.path': '/quotes/7' } }),
      (span) => span !== undefined,
    );
    expect(downstreamServer && ctx.tracing.trace(server).parentOf(downstreamServer)).toBe(client);
  });

  it('marks the CLIENT span ERROR on a 5xx answer', async () => {
    const { clients } = await call(ctx, `/calls/fetch?to=${encodeURIComponent(`${downstream.url}/x?status=503`)}`);
    expect(clients[0].attributes['http.response.status_code']).toBe(503);
    expect(clients[0].status.code).toBe(SpanStatusCode.ERROR);
  });

  it('marks the CLIENT span ERROR on a network failure, and the request answers 502', async () => {
    const { status, clients } = await call(ctx, `/calls/fetch?to=${encodeURIComponent(`http://127.0.0.1:${await freePort()}/x`)}`);
    expect(status).toBe(502);
    expect(clients[0].status.code).toBe(SpanStatusCode.ERROR);
    expect(clients[0].attributes['error.type']).toBeDefined();
  });

  it('traces nothing for an excluded request, and sends no traceparent for it', async () => {
    const res = await fetch(`${ctx.app.url}/healthz?to=${encodeURIComponent(`${downstream.url}/probe-dependency`)}`);
    expect(res.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(downstream.received).toHaveLength(2);
    for (const { headers } of downstream.received) expect(headers.traceparent).toBeUndefined();
    const spans = ctx.tracing.spans();
    expect(spans.filter((s) => s.kind === SpanKind.CLIENT)).toEqual([]);
    expect(spans.filter((s: ReadableSpan) => s.attributes['url.path'] === '/healthz')).toEqual([]);
  });
});

describe('outgoingSpans: false', () => {
  let downstream: Downstream;
  const ctx = useTracedApp(() => outgoingAppModule({ outgoingSpans: false }));
  beforeAll(async () => (downstream = await startDownstream()));
  afterAll(() => downstream.close());

  it.each([['/calls/fetch'], ['/calls/http']])('%s: no CLIENT span, but the call still carries the request\'s context', async (route) => {
    downstream.received.length = 0;
    const { status, server, trace } = await call(ctx, `${route}?to=${encodeURIComponent(`${downstream.url}/quotes/1`)}`, 0);
    expect(status).toBe(200);
    expect(trace.filter({ kind: SpanKind.CLIENT })).toEqual([]);
    const sent = traceparentOf(downstream.received[0].headers);
    expect(sent?.traceId).toBe(server.spanContext().traceId);
    // The parent it names is a span of the request that really exists (here the SERVER span).
    const parent = trace.spans.find((s) => s.spanContext().spanId === sent?.parentId);
    expect(parent && (parent === server || trace.isUnder(parent, server))).toBe(true);
    if (route === '/calls/http') expect(downstream.received[0].headers['x-caller']).toBe('node-http');
  });
});

describe('sensitive query parameters on incoming requests', () => {
  let downstream: Downstream;
  // With the Nest spans on: the request-context span records the raw URL and must be redacted too.
  const ctx = useTracedApp(() => outgoingAppModule({ redactedQueryParams: ['token'], nestSpans: true }));
  beforeAll(async () => (downstream = await startDownstream()));
  afterAll(() => downstream.close());

  it('are REDACTED on every span of the request, the Nest spans included', async () => {
    const { trace, server } = await call(ctx, `/calls/http?to=${encodeURIComponent(`${downstream.url}/q`)}&sig=s1gs3cret&token=t0k3n&page=2`);
    const text = JSON.stringify(trace.spans.map((s) => s.attributes));
    expect(text).not.toMatch(/s1gs3cret|t0k3n/);
    expect(text).toContain('sig=REDACTED');
    expect(text).toContain('token=REDACTED');
    expect(trace.find({ attributes: { 'nestjs.type': 'request_context' } })?.attributes['url.full']).toMatch(/&sig=REDACTED&token=REDACTED&page=2$/);
    expect(server.attributes['url.query']).toMatch(/&sig=REDACTED&token=REDACTED&page=2$/);
  });
});

describe('the sample: GET /orders/:id/shipping against a shipping service that never answers', () => {
  let hole: Server;
  let holeUrl = '';
  const sockets = new Set<Socket>();
  // Registered before the app's hooks, so the app is built with the hole's address.
  beforeAll(async () => {
    // Accepts the connection, never answers: the call must be bounded by the client's timeout.
    hole = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    holeUrl = `http://127.0.0.1:${(hole.address() as { port: number }).port}`;
  });
  const ctx = useTracedApp(() => {
    process.env.SHIPPING_TIMEOUT_MS = '300';
    return AppModule.forRoot({ databaseUrl: databaseUrl(), shippingUrl: holeUrl });
  });
  afterAll(async () => {
    delete process.env.SHIPPING_TIMEOUT_MS;
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => hole.close(resolve));
  });

  it('answers 502 with a clear body once the timeout passes, never hangs, and marks the CLIENT span ERROR', async () => {
    const started = Date.now();
    const res = await fetch(`${ctx.app.url}/orders/1/shipping`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ message: 'shipping service unavailable', reason: 'no answer within 300 ms' });
    const server = await ctx.tracing.waitForServerSpan({ route: '/orders/:id/shipping' });
    const call = await waitFor(() => ctx.tracing.trace(server).find({ kind: SpanKind.CLIENT, name: 'GET' }), (span) => span !== undefined);
    expect(call?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
