import { SpanKind, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OtlpReceiver, ancestors, childrenOf, reachesAncestor, startOtlpReceiver } from '../utils/otlp-receiver';

describe('OTLP gRPC test receiver', () => {
  let receiver: OtlpReceiver;
  let provider: NodeTracerProvider | undefined;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });

  afterAll(async () => {
    await provider?.shutdown();
    await receiver?.close();
  });

  it('decodes spans exported by the real OTLP gRPC exporter', async () => {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Not registered globally, so nothing leaks into other test files.
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'receiver-test' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
    });
    const tracer = provider.getTracer('receiver-test');

    const parent = tracer.startSpan('GET /things', {
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/things', 'http.status_code': 200, 'app.cached': false },
    });
    const child = tracer.startSpan('SELECT things', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
    child.end();
    parent.end();
    await provider.forceFlush();

    const spans = await receiver.waitFor((all) => all.length >= 2);
    const server = spans.find((s) => s.name === 'GET /things');
    const client = spans.find((s) => s.name === 'SELECT things');
    if (!server || !client) throw new Error('spans missing');

    expect(server.kind).toBe(SpanKind.SERVER);
    expect(client.kind).toBe(SpanKind.CLIENT);
    expect(server.attributes).toEqual({ 'http.route': '/things', 'http.status_code': 200, 'app.cached': false });
    expect(typeof server.attributes['http.status_code']).toBe('number');
    expect(typeof server.attributes['app.cached']).toBe('boolean');
    expect(server.resource['service.name']).toBe('receiver-test');
    expect(server.status.code).toBe(0);

    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(client.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(client.traceId).toBe(server.traceId);
    expect(client.parentSpanId).toBe(server.spanId);
    expect(server.parentSpanId).toBeUndefined();
    expect(server.traceId).toBe(parent.spanContext().traceId);
    expect(BigInt(server.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(server.startTimeUnixNano));

    expect(childrenOf(spans, server)).toEqual([client]);
    expect(ancestors(spans, client)).toEqual([server]);
    expect(reachesAncestor(spans, client, server)).toBe(true);
    expect(reachesAncestor(spans, server, client)).toBe(false);

    // The raw requests keep the OTLP JSON shape for ad-hoc assertions.
    expect(receiver.requests).toContainEqual(
      expect.objectContaining({
        resourceSpans: [expect.objectContaining({ scopeSpans: [expect.objectContaining({ spans: expect.any(Array) })] })],
      }),
    );
  });

  it('rejects with a readable listing when the condition is never met', async () => {
    await expect(receiver.waitFor((all) => all.some((s) => s.name === 'never'), 200)).rejects.toThrow(
      /not met within 200 ms; got 2 span\(s\):[\s\S]*GET \/things \[SERVER\]/,
    );
    receiver.clear();
    expect(receiver.spans).toHaveLength(0);
  });
});
