import { Controller, Get, Module, Param, VersioningType } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { TracingModule } from 'nestjs-tracing';
import { ordersAppModule } from '../fixtures/orders/app.module';
import { useTracedApp } from '../utils/in-process-tracing';
import { idOf, serverSpansOf, traceIdOf, waitForServerSpans } from '../utils/spans';
import { databaseUrl } from '../utils/test-app';

describe('SERVER span (real Nest app over HTTP, in-memory exporter)', () => {
  // What the first middleware sees of the SERVER span, and whether the span was still open when
  // the response had been written. Order, not clocks: the SDK starts a span on Date.now() and
  // times its end with performance.now(), and the two drift apart in a long-lived process.
  const middlewareSeen: Array<{ spanId?: string; openAtFinish?: boolean }> = [];
  const ctx = useTracedApp(
    () => ordersAppModule(databaseUrl()),
    (nest) =>
      nest.use((_req: unknown, res: { on(e: string, f: () => void): void }, next: () => void) => {
        const span = trace.getSpan(context.active()) as (Span & Pick<ReadableSpan, 'ended'>) | undefined;
        const seen: (typeof middlewareSeen)[number] = { spanId: span?.spanContext().spanId };
        middlewareSeen.push(seen);
        res.on('finish', () => (seen.openAtFinish = span !== undefined && !span.ended));
        next();
      }),
  );
  beforeEach(() => (middlewareSeen.length = 0));

  async function request(path: string, init?: RequestInit): Promise<{ status: number; server: ReadableSpan; spans: ReadableSpan[] }> {
    const res = await fetch(`${ctx.app.url}${path}`, init);
    await res.arrayBuffer();
    const spans = await waitForServerSpans(() => ctx.tracing.spans());
    const servers = serverSpansOf(spans);
    expect(servers).toHaveLength(1);
    return { status: res.status, server: servers[0], spans };
  }

  it('opens one SERVER span named by the route pattern, with the stable HTTP attributes', async () => {
    const { status, server } = await request('/orders/2?verbose=1');
    expect(status).toBe(200);
    expect(server.name).toBe('GET /orders/:id');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.attributes).toMatchObject({
      'http.route': '/orders/:id',
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.path': '/orders/2',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'client.address': '127.0.0.1',
    });
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('starts before any middleware runs and ends after the response is written', async () => {
    const { server } = await request('/orders/1');
    expect(middlewareSeen).toHaveLength(1);
    const seen = middlewareSeen[0];
    expect(seen.spanId).toBe(idOf(server)); // the middleware already runs inside the SERVER span
    expect(seen.openAtFinish).toBe(true); // the response was written before the span ended
    expect(server.ended).toBe(true);
  });

  it('records the route when a guard rejects the request (401 is not an error)', async () => {
    const { status, server } = await request('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'x', quantity: 1 }),
    });
    expect(status).toBe(401);
    expect(server.name).toBe('POST /orders');
    expect(server.attributes['http.route']).toBe('/orders');
    expect(server.attributes['http.response.status_code']).toBe(401);
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records the route when a pipe rejects the input (400)', async () => {
    const { status, server } = await request('/orders/not-a-number');
    expect(status).toBe(400);
    expect(server.name).toBe('GET /orders/:id');
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a thrown exception as ERROR and records it on the SERVER span (500)', async () => {
    const { status, server } = await request('/orders/1/boom');
    expect(status).toBe(500);
    expect(server.name).toBe('GET /orders/:id/boom');
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    const exception = server.events.find((e) => e.name === 'exception');
    expect(exception?.attributes?.['exception.message']).toBe('boom: unexpected failure');
  });

  it('names an unmatched request just by its method, without http.route', async () => {
    const { status, server } = await request('/no/such/route/12345');
    expect(status).toBe(404);
    expect(server.name).toBe('GET');
    expect(server.attributes['http.route']).toBeUndefined();
  });

  it('continues an incoming W3C traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const { server, spans } = await request('/orders/1', { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
    expect(traceIdOf(server)).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe(parentId);
    expect(spans.every((s) => traceIdOf(s) === traceId)).toBe(true);
  });
});

@Controller('orders')
class PrefixedOrdersController {
  @Get(':id')
  find(@Param('id') id: string) {
    return { id };
  }
}

@Controller({ path: 'widgets', version: '1' })
class VersionedController {
  @Get(':id')
  find(@Param('id') id: string) {
    return { id };
  }
}

@Controller('reports')
class ReportsController {
  @Get(':id')
  find(@Param('id') id: string) {
    return { id };
  }
}

@Module({ controllers: [ReportsController] })
class AdminModule {}

describe('route patterns with a global prefix, URI versioning and RouterModule', () => {
  @Module({ controllers: [PrefixedOrdersController, VersionedController] })
  class RoutingControllersModule {}
  const ctx = useTracedApp(
    () => ({
      module: RoutingControllersModule,
      imports: [
        TracingModule.forRoot(),
        AdminModule,
        RouterModule.register([{ path: 'admin', module: AdminModule }]),
      ],
    }),
    (nest) => {
      nest.setGlobalPrefix('api');
      nest.enableVersioning({ type: VersioningType.URI });
    },
  );

  it.each([
    ['/api/orders/7', 'GET /api/orders/:id'],
    ['/api/v1/widgets/7', 'GET /api/v1/widgets/:id'],
    ['/api/admin/reports/7', 'GET /api/admin/reports/:id'],
  ])('%s is named %s', async (path, name) => {
    const res = await fetch(`${ctx.app.url}${path}`);
    expect(res.status).toBe(200);
    const [server] = serverSpansOf(await waitForServerSpans(() => ctx.tracing.spans()));
    expect(server.name).toBe(name);
    expect(server.attributes['http.route']).toBe(name.slice('GET '.length));
  });
});
