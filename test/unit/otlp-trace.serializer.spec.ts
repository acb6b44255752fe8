import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { otlpTraceSerializer } from '../../lib/sdk/otlp-trace.serializer';

/** Spans from a real SDK provider, ended and collected in memory. */
function record(build: (provider: BasicTracerProvider) => void, resource = { 'service.name': 'orders' } as Attributes, limits = {}): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanLimits: limits,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  build(provider);
  return exporter.getFinishedSpans();
}

/** The contract: exactly the bytes the stock serializer writes for the same spans. */
function expectSameBytes(spans: ReadableSpan[]): Buffer {
  const ours = Buffer.from(otlpTraceSerializer.serializeRequest(spans)!);
  const stock = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
  expect(ours.toString('hex')).toBe(stock.toString('hex'));
  return ours;
}

const everyValueType: Attributes = {
  ascii: 'GET /orders/:id',
  empty: '',
  accents: 'café crème',
  cjk: '注文の詳細',
  emoji: '🚀 order shipped',
  loneSurrogate: 'broken \ud800 pair',
  long: 'x'.repeat(200),
  huge: 'é'.repeat(20_000), // 40 000 bytes: a three-byte length
  yes: true,
  no: false,
  zero: 0,
  small: 127,
  twoBytes: 128,
  int32: 2 ** 31,
  beyond32: 2 ** 32 + 5,
  maxSafe: Number.MAX_SAFE_INTEGER,
  minusOne: -1,
  negativeLarge: -(2 ** 40) - 3,
  float: 1.5,
  negativeFloat: -0.25,
  nan: NaN,
  infinity: Infinity,
  strings: ['a', 'bé', ''],
  numbers: [1, 2.5, -3],
  booleans: [true, false],
  withGaps: ['a', null, 'c'],
};

describe('OTLP trace serializer', () => {
  afterEach(() => {
    context.disable();
    propagation.disable();
  });

  it('writes a request span and its query span as the stock serializer does', () => {
    const spans = record((provider) => {
      const tracer = provider.getTracer('nestjs-tracing', '0.1.0');
      const server = tracer.startSpan('GET /orders/:id', {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'GET', 'url.path': '/orders/7', 'server.port': 3000, 'http.route': '/orders/:id' },
      });
      const query = tracer.startSpan(
        'SELECT orders',
        { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT "o"."id" FROM "orders" "o" WHERE "o"."id" = $1' } },
        trace.setSpan(ROOT_CONTEXT, server),
      );
      query.end();
      server.setAttribute('http.response.status_code', 200);
      server.end();
    });
    expect(spans).toHaveLength(2);
    expectSameBytes(spans);
  });

  it('writes every attribute value type, in spans, events and links', () => {
    const spans = record((provider) => {
      const tracer = provider.getTracer('types');
      const linked = tracer.startSpan('linked');
      linked.end();
      const span = tracer.startSpan('all types', { attributes: everyValueType, links: [{ context: linked.spanContext(), attributes: { reason: 'retry', attempt: 2 } }] });
      span.addEvent('exception', { 'exception.type': 'QueryFailedError', 'exception.message': 'relation "ordrs" does not exist' });
      span.addEvent('bare');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'relation "ordrs" does not exist' });
      span.end();
    });
    expectSameBytes(spans);
  });

  it('writes a remote parent, its trace state and the remote flag bits', () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const parent = propagation.extract(ROOT_CONTEXT, {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=abc,other=x-y',
    });
    const spans = record((provider) => {
      const tracer = provider.getTracer('remote');
      tracer.startSpan('child of remote', { kind: SpanKind.SERVER }, parent).end();
      const unsampledLink = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true };
      tracer.startSpan('with a remote link', { links: [{ context: unsampledLink }] }).end();
    });
    expect(spans[0].spanContext().traceState?.serialize()).toBe('vendor=abc,other=x-y');
    expectSameBytes(spans);
  });

  it('writes dropped attribute, event and link counts', () => {
    const spans = record(
      (provider) => {
        const span = provider.getTracer('limits').startSpan('limited', { attributes: { a: 1, b: 2, c: 3 } });
        for (let i = 0; i < 4; i++) span.addEvent(`event ${i}`, { i, j: i, k: i });
        span.end();
      },
      { 'service.name': 'orders' },
      { attributeCountLimit: 2, eventCountLimit: 2, attributePerEventCountLimit: 1 },
    );
    expect(spans[0].droppedAttributesCount).toBe(1);
    expect(spans[0].droppedEventsCount).toBe(2);
    expectSameBytes(spans);
  });

  it('groups several resources and scopes, with versions and schema URLs, like the stock serializer', () => {
    const first = record((provider) => {
      provider.getTracer('a', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }).startSpan('a1').end();
      provider.getTracer('b').startSpan('b1').end();
      provider.getTracer('a', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }).startSpan('a2').end();
    });
    const second = record((provider) => provider.getTracer('c').startSpan('c1').end(), { 'service.name': 'shipping', 'service.instance.id': 'i-2', pid: 4242 });
    const bytes = expectSameBytes([first[0], second[0], first[1], first[2]]);
    expect(bytes.includes(Buffer.from('shipping'))).toBe(true);
  });

  it('writes hand-made spans with values the SDK never produces (byte arrays, nested maps, no kind)', () => {
    const [base] = record((provider) => provider.getTracer('hand').startSpan('base').end());
    const handMade = Object.assign(Object.create(Object.getPrototypeOf(base)) as ReadableSpan, base, {
      kind: undefined,
      attributes: { bytes: new Uint8Array([0, 1, 255]), map: { nested: 'yes', deeper: { n: 1 } }, undef: undefined },
    });
    expectSameBytes([handMade]);
  });

  it('writes a batch larger than its scratch buffer, then a small one, each correctly', () => {
    const many = record((provider) => {
      const tracer = provider.getTracer('batch');
      for (let i = 0; i < 600; i++) tracer.startSpan(`span ${i}`, { attributes: { 'db.query.text': `SELECT ${'x'.repeat(100)} ${i}` } }).end();
    });
    const big = expectSameBytes(many);
    expect(big.length).toBeGreaterThan(64 * 1024);
    expectSameBytes(many.slice(0, 1));
    expectSameBytes([]);
  });

  it('leaves the bytes of a request as they were when the next ones are written (the exporter resends them on retry)', () => {
    const spans = record((provider) => {
      const tracer = provider.getTracer('retry');
      for (let i = 0; i < 50; i++) tracer.startSpan(`first ${i}`, { attributes: { n: i } }).end();
    });
    const first = otlpTraceSerializer.serializeRequest(spans)!;
    const expected = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!).toString('hex');
    const others = record((provider) => {
      const tracer = provider.getTracer('other');
      for (let i = 0; i < 3000; i++) tracer.startSpan(`second ${i}`, { attributes: { text: 'y'.repeat(80) } }).end();
    });
    otlpTraceSerializer.serializeRequest(others);
    otlpTraceSerializer.serializeRequest(spans.slice(0, 2));
    expect(Buffer.from(first).toString('hex')).toBe(expected);
  });

  it('reads a full success (an empty response) as the stock decoder does: no partial success', () => {
    const empty = new Uint8Array(0);
    expect(otlpTraceSerializer.deserializeResponse(empty).partialSuccess ?? undefined).toBeUndefined();
    expect(ProtobufTraceSerializer.deserializeResponse(empty).partialSuccess ?? undefined).toBeUndefined();
  });

  it('reads the collector response with the stock decoder (partial success)', () => {
    // ExportTraceServiceResponse { partial_success { rejected_spans: 3, error_message: "full" } }
    const response = Buffer.from([0x0a, 0x08, 0x08, 0x03, 0x12, 0x04, ...Buffer.from('full')]);
    expect(otlpTraceSerializer.deserializeResponse(response)).toEqual({ partialSuccess: { rejectedSpans: 3, errorMessage: 'full' } });
  });
});
