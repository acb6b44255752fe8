import { SpanKind } from '@opentelemetry/api';
import { ordersAppModule } from '../fixtures/orders/app.module';
import { HookCalls } from '../fixtures/orders/end-user.hook';
import { useTracedApp } from '../utils/in-process-tracing';
import { serverSpansOf, waitForServerSpans } from '../utils/spans';
import { databaseUrl } from '../utils/test-app';

/** What an app's Nest layer adds to a trace, by default and with `nestSpans: true`. */
describe.each([
  ['default', {}, [] as string[]],
  ['nestSpans: true', { nestSpans: true }, ['OrdersController.findOne', 'findOne']],
])('Nest spans (%s)', (_name, options, between) => {
  const ctx = useTracedApp(() => ordersAppModule(databaseUrl(), options));

  async function get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${ctx.app.url}${path}`, { headers });
    await res.arrayBuffer();
    const spans = await waitForServerSpans(() => ctx.tracing.spans());
    return { status: res.status, spans, server: serverSpansOf(spans)[0] };
  }

  it(`the query's chain up to the SERVER span is ${between.length ? between.join(' -> ') : 'direct'}`, async () => {
    const { status, spans, server } = await get('/orders/1');
    expect(status).toBe(200);
    const view = ctx.tracing.trace(server);
    const sql = view.expectSpan({ name: 'SELECT orders', kind: SpanKind.CLIENT }, { under: server });
    const chain: string[] = [];
    for (let span = view.parentOf(sql); span && span !== server; span = view.parentOf(span)) chain.unshift(span.name);
    expect(chain).toEqual(between);
    expect(spans.filter((s) => s.kind === SpanKind.INTERNAL).map((s) => s.name).sort()).toEqual([...between].sort());
    // Either way the SERVER span says which controller method served the request.
    expect(server.attributes).toMatchObject({ 'nestjs.controller': 'OrdersController', 'nestjs.callback': 'findOne' });
  });

  it('runs onRequest after the guards and before the pipes: a validation 400 still has enduser.id', async () => {
    const calls = ctx.app.app.get(HookCalls);
    const before = calls.onRequest;
    const { status, server } = await get('/orders/not-a-number', { authorization: 'Bearer alice' });
    expect(status).toBe(400);
    expect(server.name).toBe('GET /orders/:id');
    expect(server.attributes['enduser.id']).toBe('alice');
    expect(calls.onRequest).toBe(before + 1);
  });

  it('adds no global interceptor, so Nest never builds an interceptor chain for a route', () => {
    const config = (ctx.app.app as unknown as { config: { getGlobalInterceptors(): unknown[] } }).config;
    expect(config.getGlobalInterceptors()).toEqual([]);
  });
});
