import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { DataSource } from 'typeorm';
import { ordersAppModule } from '../fixtures/orders/app.module';
import { useTracedApp, type TracedAppContext } from '../utils/in-process-tracing';
import { clientSpansOf, idOf, reachesAncestor, serverSpansOf, traceIdOf, waitForServerSpans } from '../utils/spans';
import { databaseUrl } from '../utils/test-app';

async function get({ app, tracing }: TracedAppContext, path: string, init?: RequestInit) {
  const res = await fetch(`${app.url}${path}`, init);
  const body = (await res.json()) as Record<string, any>;
  const spans = await waitForServerSpans(() => tracing.spans());
  return { status: res.status, body, spans, server: serverSpansOf(spans)[0], db: clientSpansOf(spans) };
}

describe('database spans (TypeORM over pg, real PostgreSQL)', () => {
  const ctx = useTracedApp(() => ordersAppModule(databaseUrl()));

  it('makes each query a CLIENT span in the request trace, named like `SELECT orders`', async () => {
    const { status, spans, server, db } = await get(ctx, '/orders/1');
    expect(status).toBe(200);
    expect(db).toHaveLength(1);
    const [query] = db;
    expect(query.name).toBe('SELECT orders');
    expect(query.kind).toBe(SpanKind.CLIENT);
    expect(traceIdOf(query)).toBe(traceIdOf(server));
    expect(reachesAncestor(spans, query, server)).toBe(true);
    expect(query.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'orders',
      'db.namespace': 'tracing_test',
      'server.address': '127.0.0.1',
    });
    expect(query.attributes['db.query.text']).toMatch(/^SELECT .* FROM "orders" .*\$1/);
  });

  it('records statements with placeholders and never the bind values', async () => {
    const secret = `secret-item-${Date.now()}`;
    const res = await fetch(`${ctx.app.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer carol' },
      body: JSON.stringify({ item: secret, quantity: 4 }),
    });
    expect(res.status).toBe(201);
    const spans = await waitForServerSpans(() => ctx.tracing.spans());
    const insert = clientSpansOf(spans).find((s) => s.name === 'INSERT orders');
    expect(insert).toBeDefined();
    expect(insert!.attributes['db.query.text']).toContain('$1');
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(secret);
  });

  it('creates no connect or pool spans and no spans for queries outside a request', async () => {
    await get(ctx, '/orders');
    await ctx.app.app.get(DataSource).query('SELECT count(*) FROM orders');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const names = ctx.tracing.spans().map((s) => s.name);
    expect(names.filter((n) => /connect/i.test(n))).toEqual([]);
    expect(clientSpansOf(ctx.tracing.spans())).toHaveLength(1); // only the request's own SELECT
  });

  it('sends the traceparent of the query span to PostgreSQL as a SQL comment (sqlcommenter)', async () => {
    const { body, db } = await get(ctx, '/orders/2/statement');
    expect(db).toHaveLength(1);
    // current_query() is the statement text as the server received it.
    const received: string = body.query;
    expect(received).toMatch(/^SELECT current_query\(\) AS query FROM orders WHERE id = \$1 \/\*traceparent='00-[0-9a-f]{32}-[0-9a-f]{16}-01'\*\/$/);
    expect(received).toContain(`00-${traceIdOf(db[0])}-${idOf(db[0])}-01`);
  });

  it('records nothing for a request that arrives sampled out, and keeps its trace in the SQL comment', async () => {
    const incoming = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${ctx.app.url}/orders/2/statement`, { headers: { traceparent: `00-${incoming}-00f067aa0ba902b7-00` } });
    expect(res.status).toBe(200);
    const received = ((await res.json()) as { query: string }).query;
    // The upstream decision travels on: same trace, flags 00.
    expect(received).toMatch(new RegExp(`/\\*traceparent='00-${incoming}-[0-9a-f]{16}-00'\\*/$`));

    // A sampled request after it: once its spans are in, the sampled-out one's would be too.
    const { server } = await get(ctx, '/orders/1');
    expect(ctx.tracing.spans().filter((s) => traceIdOf(s) !== traceIdOf(server))).toEqual([]);
  });

  it('marks a failing query ERROR, with the SQLSTATE as error.type, and the caller still gets the error', async () => {
    const dataSource = ctx.app.app.get(DataSource);
    const failure = await trace.getTracer('test').startActiveSpan('job', async (job) => {
      try {
        return await dataSource.query('SELECT * FROM no_such_table').then(() => undefined, (error: Error) => error);
      } finally {
        job.end();
      }
    });
    expect(failure?.message).toMatch(/no_such_table/);
    const [query] = clientSpansOf(ctx.tracing.spans());
    expect(query.name).toBe('SELECT no_such_table');
    expect(query.status.code).toBe(SpanStatusCode.ERROR);
    expect(query.attributes['error.type']).toBe('42P01'); // undefined_table
    expect(query.events.map((e) => e.name)).toEqual(['exception']);
  });
});

describe('database span options', () => {
  const ctx = useTracedApp(() =>
    ordersAppModule(databaseUrl(), { sqlCommenter: false, dbSpansOutsideRequests: true }),
  );

  it('sqlCommenter: false leaves statements untouched', async () => {
    const { body } = await get(ctx, '/orders/2/statement');
    expect(body.query).toBe('SELECT current_query() AS query FROM orders WHERE id = $1');
  });

  it('dbSpansOutsideRequests: true traces queries made outside any request', async () => {
    await ctx.app.app.get(DataSource).query('SELECT count(*) FROM orders');
    const outside: ReadableSpan[] = clientSpansOf(ctx.tracing.spans());
    expect(outside.map((s) => s.name)).toEqual(['SELECT orders']);
    expect(outside[0].parentSpanContext).toBeUndefined();
  });
});

describe('dbConnectSpans: true', () => {
  const ctx = useTracedApp(() => ordersAppModule(databaseUrl(), { dbConnectSpans: true }));

  it('records the pool checkout of each query under the request, next to the query', async () => {
    const { server, db } = await get(ctx, '/orders/1');
    const connect = db.filter((s) => s.name === 'pg-pool.connect');
    expect(connect.length).toBeGreaterThanOrEqual(1);
    expect(connect[0].attributes['db.system.name']).toBe('postgresql');
    expect(traceIdOf(connect[0])).toBe(traceIdOf(server));
    expect(db.filter((s) => s.name === 'SELECT orders')).toHaveLength(1);
  });
});
