// Written the way a user writes it: register loaded first (as their main.ts or a jest setup file
// would), the app module untouched (it exports over OTLP by default), @nestjs/testing, the kit.
import 'nestjs-tracing/register';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SpanKind, trace } from '@opentelemetry/api';
import { TestingTracing, TraceAssertionError } from 'nestjs-tracing/testing';
import { AppModule } from '../../sample/app.module';
import { databaseUrl } from '../utils/test-app';

describe('nestjs-tracing/testing in a user test', () => {
  let tracing: TestingTracing;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    tracing = TestingTracing.install();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot({ databaseUrl: databaseUrl() })] }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterEach(() => tracing.reset());
  afterAll(async () => {
    await app?.close();
    tracing?.uninstall();
  });

  it('finds the SERVER span of a request and walks its trace', async () => {
    const res = await fetch(`${url}/orders/1`, { headers: { authorization: 'Bearer alice' } });
    expect(res.status).toBe(200);

    const server = await tracing.waitForServerSpan({ method: 'GET', route: '/orders/:id' });
    expect(server.name).toBe('GET /orders/:id');
    expect(server.attributes['enduser.id']).toBe('alice');

    const view = tracing.trace(server);
    expect(view.roots).toEqual([server]);
    const sql = view.expectSpan({ name: 'SELECT orders', kind: SpanKind.CLIENT, attributes: { 'db.query.text': /FROM "orders"/ } }, { under: server });
    expect(view.isUnder(sql, server)).toBe(true);
    expect(view.childrenOf(server).map((s) => s.name)).toEqual(['SELECT orders']);
    expect(view.render()).toMatch(/^GET \/orders\/:id {2}SERVER {2}[\d.]+ ms {2}http\.route=\/orders\/:id/m);
    expect(view.render()).toMatch(/^└─ SELECT orders {2}CLIENT/m);
  });

  it('starts empty after reset, and separates requests by trace', async () => {
    expect(tracing.spans()).toEqual([]);
    await fetch(`${url}/orders/2`);
    await fetch(`${url}/orders/999`);
    const ok = await tracing.waitForServerSpan({ path: '/orders/2' });
    const missing = await tracing.waitForServerSpan({ statusCode: 404 });
    expect(tracing.trace(ok).traceId).not.toBe(tracing.trace(missing).traceId);
    expect(tracing.serverSpans({ route: '/orders/:id' })).toHaveLength(2);
  });

  it('fails with a message that says what was expected and shows the trace as a tree', async () => {
    await fetch(`${url}/orders/3`);
    const server = await tracing.waitForServerSpan({ route: '/orders/:id' });
    let error: unknown;
    try {
      tracing.trace(server).expectSpan({ name: 'SELECT customers', kind: SpanKind.CLIENT }, { under: server });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TraceAssertionError);
    const message = (error as Error).message;
    expect(message).toContain('expected a span with name SELECT customers, kind CLIENT under "GET /orders/:id"');
    expect(message).toContain('the trace was:');
    expect(message).toMatch(/GET \/orders\/:id {2}SERVER/);
    expect(message).toMatch(/└─ SELECT orders {2}CLIENT/);

    await expect(tracing.waitForServerSpan({ route: '/nowhere' }, 100)).rejects.toThrow(
      /no SERVER span matching \{"route":"\/nowhere"\} within 100 ms; SERVER spans seen:\n {2}GET \/orders\/:id/,
    );
  });

  it('is idempotent: a second install returns the kit in place', () => {
    expect(TestingTracing.install()).toBe(tracing);
  });
});

describe('after uninstall', () => {
  it('leaves no provider or kit behind', () => {
    const kit = TestingTracing.install();
    kit.uninstall();
    expect(Symbol.for('nestjs-tracing.testing') in globalThis).toBe(false);
    expect(Symbol.for('nestjs-tracing.instrumentations') in globalThis).toBe(false);
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });
});
