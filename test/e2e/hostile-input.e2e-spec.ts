import { request } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { ordersAppModule } from '../fixtures/orders/app.module';
import { useTracedApp } from '../utils/in-process-tracing';
import { databaseUrl } from '../utils/test-app';

/** A raw request: any method, repeated headers, no client-side normalisation. */
function raw(base: string, method: string, path: string, headers: Array<[string, string]> = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    for (const [name, value] of headers) {
      const previous = req.getHeader(name);
      req.setHeader(name, previous === undefined ? value : [String(previous), value]);
    }
    req.on('error', reject).end();
  });
}

/** Odd or hostile input through real HTTP against the sample: a correct answer and a well-formed span. */
describe('hostile input', () => {
  const ctx = useTracedApp(() => ordersAppModule(databaseUrl()));

  const garbage: Array<[string, Array<[string, string]>]> = [
    ['unknown version ff', [['traceparent', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]],
    ['all-zero trace id', [['traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01']]],
    ['all-zero span id', [['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01']]],
    ['too short', [['traceparent', '00-4bf92f3577b34da6a3ce929d0e-00f067aa0ba902b7-01']]],
    ['not hex', [['traceparent', '00-4bf92f3577b34da6a3ce929d0e0ZZZZ-00f067aa0ba902b7-01']]],
    ['8 KB long', [['traceparent', `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01${'a'.repeat(8 * 1024)}`]]],
    ['repeated header', [['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'], ['traceparent', '00-11111111111111111111111111111111-2222222222222222-01']]],
  ];

  it.each(garbage)('a malformed traceparent (%s) starts a new root trace, never a propagated garbage id', async (_case, headers) => {
    expect(await raw(ctx.app.url, 'GET', '/orders/1', headers)).toBe(200);
    const server = await ctx.tracing.waitForServerSpan({ route: '/orders/:id' });
    expect(server.parentSpanContext).toBeUndefined();
    const { traceId, spanId } = server.spanContext();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toMatch(/^0+$/);
    expect(traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('an unknown method (PROPFIND) is recorded as _OTHER and named HTTP, per the semantic conventions', async () => {
    expect(await raw(ctx.app.url, 'PROPFIND', '/orders/1')).toBe(404);
    const server = await ctx.tracing.waitForServerSpan({ statusCode: 404 });
    expect(server.name).toBe('HTTP');
    expect(server.attributes).toMatchObject({ 'http.request.method': '_OTHER', 'http.request.method_original': 'PROPFIND' });
  });

  it.each([
    ['invalid percent-encoding', '/orders/%E0%A4%A'],
    ['double slash', '//orders//1'],
    ['dot segments', '/orders/../../etc/passwd'],
    ['non-ASCII', '/commandes/%C3%A9t%C3%A9'],
    ['8 KB path', `/${'x'.repeat(8 * 1024)}`],
  ])('an odd path (%s) gets a correct answer and a low-cardinality span name', async (_case, path) => {
    const status = await raw(ctx.app.url, 'GET', path);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    const [server] = await Promise.all([ctx.tracing.waitForServerSpan({ statusCode: status })]);
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.name === 'GET' || server.name === 'GET /orders/:id').toBe(true);
  });

  it('a client that aborts mid-request still gets its SERVER span ended, with the outcome recorded', async () => {
    // Half a body: the server is reading it when the client goes away.
    const req = request(`${ctx.app.url}/orders`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': '1000', authorization: 'Bearer alice' },
    });
    req.on('error', () => {});
    req.write('{"item":');
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy();
    const server = await ctx.tracing.waitForServerSpan({ method: 'POST' });
    expect(server.ended).toBe(true);
    // The body never completed, so routing never matched: the method alone, never the raw path.
    expect(server.name).toBe('POST');
  });
});

describe('hostile trace context never reaches the SQL text unescaped', () => {
  const ctx = useTracedApp(() => ordersAppModule(databaseUrl()));

  it.each([
    ['a comment terminator', 'evil=a*/DROP TABLE orders;--'],
    ['quotes and semicolons', `vendor=x'y";z`],
    ['an oversized value', `big=${'b'.repeat(4096)}`],
  ])('tracestate with %s: PostgreSQL sees one well-formed trailing comment', async (_case, tracestate) => {
    const baggage = `k=${'v'.repeat(8000)},x=*/;'`;
    const res = await fetch(`${ctx.app.url}/orders/2/statement`, {
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate, baggage },
    });
    expect(res.status).toBe(200);
    const { query } = (await res.json()) as { query: string };
    // current_query() is the statement as the server received it: the SQL, then exactly one comment.
    const match = /^(SELECT current_query\(\) AS query FROM orders WHERE id = \$1) \/\*(.*)\*\/$/s.exec(query);
    expect(match).not.toBeNull();
    const comment = match![2];
    expect(comment).not.toContain('*/');
    expect(comment).not.toContain('/*');
    expect(comment).toMatch(/^(\w+='[^']*')(,\w+='[^']*')*$/); // key='url-encoded value' pairs
    expect(comment).toMatch(/traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01'/);
  });
});

describe('huge header values with header capture on', () => {
  const ctx = useTracedApp(() => ordersAppModule(databaseUrl(), { captureHeaders: { request: ['x-big'] } }));

  it('are truncated to the default attribute length limit (4096)', async () => {
    const res = await fetch(`${ctx.app.url}/orders/1`, { headers: { 'x-big': 'x'.repeat(14 * 1024) } });
    expect(res.status).toBe(200);
    const server = await ctx.tracing.waitForServerSpan({ route: '/orders/:id' });
    expect((server.attributes['http.request.header.x-big'] as string[])[0]).toHaveLength(4096);
  });
});

describe('no secrets in telemetry', () => {
  const ctx = useTracedApp(() =>
    ordersAppModule(databaseUrl(), {
      captureHeaders: { request: ['authorization', 'cookie', 'x-api-key'], response: ['set-cookie', 'content-type'], sanitize: ['x-api-key'] },
      redactedQueryParams: ['token'],
    }),
  );

  it('a token in the query, the headers, a cookie, inline SQL and a bind value reaches no exported attribute', async () => {
    const secret = `s3cr3t${Date.now()}`;
    const lookup = await fetch(`${ctx.app.url}/orders/lookup/by-item?token=${secret}&sig=${secret}&page=2`, {
      headers: { authorization: `Basic ${secret}`, cookie: `session=${secret}`, 'x-api-key': secret, 'x-item': secret },
    });
    expect(lookup.status).toBe(200);
    const created = await fetch(`${ctx.app.url}/orders`, {
      method: 'POST',
      headers: { authorization: 'Bearer carol', 'content-type': 'application/json' },
      body: JSON.stringify({ item: secret, quantity: 1 }),
    });
    expect(created.status).toBe(201);
    await ctx.tracing.waitForServerSpan({ method: 'POST' });
    const server = await ctx.tracing.waitForServerSpan({ path: '/orders/lookup/by-item' });

    const everything = JSON.stringify(ctx.tracing.spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(everything).not.toContain(secret);
    // ...while what is recorded still says what happened.
    expect(server.attributes['http.request.header.authorization']).toEqual(['[REDACTED]']);
    expect(server.attributes['http.response.header.set-cookie']).toEqual(['[REDACTED]']);
    expect(ctx.tracing.trace(server).find({ kind: SpanKind.CLIENT })?.attributes['db.query.text']).toBe(
      'SELECT id FROM orders WHERE item = ? AND quantity > ?',
    );
  });
});
