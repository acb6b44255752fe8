import { Injectable, Module } from '@nestjs/common';
import { diag, SpanKind } from '@opentelemetry/api';
import { TracingModule, type TracingRequestHook } from 'nestjs-tracing';
import { ordersAppModule } from '../fixtures/orders/app.module';
import { HookCalls } from '../fixtures/orders/end-user.hook';
import type { TestingTracing } from 'nestjs-tracing/testing';
import { setupInProcessTracing, useTracedApp } from '../utils/in-process-tracing';
import { serverSpansOf, waitFor, waitForServerSpans } from '../utils/spans';
import { databaseUrl, startTestApp } from '../utils/test-app';

describe('request hook through DI, and request-level configuration', () => {
  const ctx = useTracedApp(
    () =>
      ordersAppModule(databaseUrl(), {
        serviceName: 'orders-web',
        excludedUrls: ['^/healthz$', '^/readyz'],
        tracedRequestAttributes: ['path', 'ip', 'hostname', 'protocol', 'body'],
        captureHeaders: {
          request: ['x-request-id', 'authorization', 'x-api-key'],
          response: ['content-type', 'set-cookie'],
          sanitize: ['X-Api-Key'],
        },
      }),
    (nest) =>
      nest.use((req: { url: string }, res: { setHeader(n: string, v: string): void }, next: () => void) => {
        if (req.url.startsWith('/orders')) res.setHeader('set-cookie', 'session=s3cr3t');
        next();
      }),
  );

  async function call(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${ctx.app.url}${path}`, { headers });
    await res.arrayBuffer();
    const [server] = serverSpansOf(await waitForServerSpans(() => ctx.tracing.spans()));
    return { status: res.status, server };
  }

  it('sets enduser.id for an authenticated request, from a hook built by Nest with its dependencies', async () => {
    const calls = ctx.app.app.get(HookCalls);
    const before = calls.onRequest;
    const { server } = await call('/orders/1', { authorization: 'Bearer alice' });
    expect(server.attributes['enduser.id']).toBe('alice');
    expect(calls.onRequest).toBe(before + 1);
    expect(server.attributes['test.hook.response_status']).toBe(200);
  });

  it('leaves enduser.id unset for anonymous callers', async () => {
    const { server } = await call('/orders/1');
    expect(server.attributes['enduser.id']).toBeUndefined();
  });

  it('runs onResponse for a request a guard rejected', async () => {
    const res = await fetch(`${ctx.app.url}/orders`, { method: 'POST' });
    expect(res.status).toBe(401);
    const [server] = serverSpansOf(await waitForServerSpans(() => ctx.tracing.spans()));
    expect(server.attributes['test.hook.response_status']).toBe(401);
  });

  it.each([['x-hook-throw'], ['x-hook-reject']])('a hook failure (%s) is reported through diag and never fails the request', async (header) => {
    const errors: unknown[][] = [];
    const spy = jest.spyOn(diag, 'error').mockImplementation((...args: unknown[]) => void errors.push(args));
    try {
      const { status, server } = await call('/orders/1', { [header]: '1', authorization: 'Bearer bob' });
      expect(status).toBe(200);
      expect(server.attributes['enduser.id']).toBe('bob');
      await waitFor(() => errors.length, (n) => n > 0);
      expect(String(errors[0][0])).toContain('requestHook.onRequest failed');
    } finally {
      spy.mockRestore();
    }
  });

  it('produces no span at all (server, Nest or database) for excluded URLs', async () => {
    for (const path of ['/healthz', '/readyz', '/readyz?full=1']) {
      const res = await fetch(`${ctx.app.url}${path}`);
      expect(res.status).toBe(200);
    }
    await call('/orders/1'); // a traced request after them: its spans are the only ones
    expect(ctx.tracing.spans().every((s) => s.attributes['url.path'] !== '/healthz')).toBe(true);
    expect(serverSpansOf(ctx.tracing.spans())).toHaveLength(1);
    expect(ctx.tracing.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1);
  });

  it('copies the chosen request attributes onto the SERVER span (scalars only)', async () => {
    const { server } = await call('/orders/1?x=1');
    expect(server.attributes).toMatchObject({ path: '/orders/1', ip: '127.0.0.1', hostname: '127.0.0.1', protocol: 'http' });
    expect(server.attributes.body).toBeUndefined();
  });

  it('captures listed headers and always redacts credentials', async () => {
    const { server } = await call('/orders/1', {
      'x-request-id': 'req-42',
      authorization: 'Bearer alice',
      'x-api-key': 'key-123',
    });
    expect(server.attributes['http.request.header.x-request-id']).toEqual(['req-42']);
    expect(server.attributes['http.request.header.authorization']).toEqual(['[REDACTED]']);
    expect(server.attributes['http.request.header.x-api-key']).toEqual(['[REDACTED]']);
    expect(server.attributes['http.response.header.content-type']).toEqual(['application/json; charset=utf-8']);
    expect(server.attributes['http.response.header.set-cookie']).toEqual(['[REDACTED]']);
    expect(JSON.stringify(server.attributes)).not.toMatch(/Bearer|key-123|s3cr3t/);
  });

  it('describes the process on the resource', async () => {
    const { server } = await call('/orders/1');
    const resource = server.resource.attributes;
    expect(resource['service.name']).toBe('orders-web');
    expect(resource['process.pid']).toBe(process.pid);
    expect(resource['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('start-up failures that name the fix', () => {
  let tracing: TestingTracing;
  beforeAll(() => (tracing = setupInProcessTracing()));
  afterAll(() => tracing.uninstall());

  it('refuses an invalid excludedUrls regular expression', async () => {
    @Module({ imports: [TracingModule.forRoot({ excludedUrls: ['(unclosed'] })] })
    class BadRegexModule {}
    await expect(startTestApp(BadRegexModule)).rejects.toThrow(/excludedUrls: "\(unclosed" is not a valid regular expression/);
  });

  it('refuses an unknown exporter name', async () => {
    @Module({ imports: [TracingModule.forRoot({ traceExporter: 'zipkin' as never })] })
    class BadExporterModule {}
    await expect(startTestApp(BadExporterModule)).rejects.toThrow(/traceExporter="zipkin" is not supported: use one of otlp, console, tree, none/);
  });

  it('refuses a hook class that is not a provider, saying where to add it', async () => {
    @Injectable()
    class OrphanHook implements TracingRequestHook {
      onRequest(): void {}
    }
    @Module({ imports: [TracingModule.forRoot({ requestHook: OrphanHook })] })
    class OrphanHookModule {}
    await expect(startTestApp(OrphanHookModule)).rejects.toThrow(/requestHook OrphanHook is not a provider.*providers: \[OrphanHook\]/);
  });
});

describe('TracingModule.forRootAsync', () => {
  @Injectable()
  class TracingSettings {
    readonly serviceName = 'from-a-factory';
  }
  @Module({ providers: [TracingSettings], exports: [TracingSettings] })
  class SettingsModule {}
  @Module({})
  class AsyncAppModule {}

  const ctx = useTracedApp(() => ({
    module: AsyncAppModule,
    imports: [
      TracingModule.forRootAsync({
        imports: [SettingsModule],
        inject: [TracingSettings],
        useFactory: (settings: TracingSettings) => ({
          serviceName: settings.serviceName,
        }),
      }),
    ],
  }));

  it('starts the SDK with options from an injected factory', async () => {
    const res = await fetch(`${ctx.app.url}/anything`);
    expect(res.status).toBe(404);
    const [server] = serverSpansOf(await waitForServerSpans(() => ctx.tracing.spans()));
    expect(server.name).toBe('GET');
    expect(server.resource.attributes['service.name']).toBe('from-a-factory');
  });
});
