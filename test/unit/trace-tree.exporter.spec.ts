import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { TraceTreeExporter } from '../../lib/tree/trace-tree.exporter';

/** A real SDK tracer whose spans go through the exporter under test. */
function setup(options: { lingerMillis?: number; maxTraces?: number } = {}) {
  const printed: string[] = [];
  const exporter = new TraceTreeExporter({ write: (text) => printed.push(text), ...options });
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { printed, exporter, tracer: provider.getTracer('test') };
}

describe('TraceTreeExporter', () => {
  afterEach(() => jest.useRealTimers());

  it('prints a trace once its local root ends, children nested under it', () => {
    const { printed, tracer } = setup();
    const root = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, attributes: { 'http.route': '/orders/:id' } });
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    const handler = tracer.startSpan('findOne', {}, ctx);
    tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.query.text': 'SELECT * FROM orders WHERE id = $1' } }, trace.setSpan(ctx, handler)).end();
    handler.end();
    expect(printed).toEqual([]); // nothing until the request is complete
    root.end();
    expect(printed).toHaveLength(1);
    const lines = printed[0].split('\n');
    expect(lines[0]).toMatch(/^trace [0-9a-f]{32}/);
    expect(lines[1]).toMatch(/^GET \/orders\/:id {2}SERVER {2}[\d.]+ ms {2}http\.route=\/orders\/:id$/);
    expect(lines[2]).toMatch(/^└─ findOne {2}INTERNAL/);
    expect(lines[3]).toMatch(/^ {3}└─ SELECT orders {2}CLIENT {2}[\d.]+ ms {2}db\.query\.text="SELECT \* FROM orders WHERE id = \$1"$/);
  });

  it('treats a span with a remote parent (an incoming traceparent) as the local root', () => {
    const { printed, tracer } = setup();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true,
    });
    tracer.startSpan('GET /orders', { kind: SpanKind.SERVER }, remote).end();
    expect(printed[0]).toContain('trace 4bf92f3577b34da6a3ce929d0e0e4736');
    expect(printed[0]).toMatch(/^GET \/orders {2}SERVER {2}[\d.]+ ms {2}↖ parent 00f067aa0ba902b7 elsewhere$/m);
  });

  it('prints spans that end after their root once they have lingered, and everything at shutdown', async () => {
    jest.useFakeTimers();
    const { printed, tracer, exporter } = setup({ lingerMillis: 1000 });
    const root = tracer.startSpan('root');
    const late = tracer.startSpan('late', {}, trace.setSpan(context.active(), root));
    root.end();
    late.end();
    expect(printed).toHaveLength(1);
    jest.advanceTimersByTime(1000);
    expect(printed).toHaveLength(2);
    expect(printed[1]).toContain('late  INTERNAL');

    tracer.startSpan('orphan', {}, trace.setSpan(ROOT_CONTEXT, tracer.startSpan('never-ends'))).end();
    await exporter.shutdown();
    expect(printed).toHaveLength(3);
  });

  it('holds at most maxTraces traces, printing the oldest when full', () => {
    const { printed, tracer } = setup({ maxTraces: 2 });
    for (let i = 0; i < 3; i += 1) tracer.startSpan(`child-${i}`, {}, trace.setSpan(ROOT_CONTEXT, tracer.startSpan(`open-${i}`))).end();
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('child-0');
  });

  it('never throws when the output fails', () => {
    const exporter = new TraceTreeExporter({ write: () => { throw new Error('EPIPE'); } });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(() => provider.getTracer('t').startSpan('x').end()).not.toThrow();
  });
});
