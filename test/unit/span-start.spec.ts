import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Attributes, type Context } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type Sampler,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { pgSpanSettings } from '../../lib/db/pg.config';
import { serverSpanSettings } from '../../lib/http/server-span.config';
import type { RequestHookRunner } from '../../lib/http/request-hook.runner';
import { startSpanWithAttributes } from '../../lib/sdk/span-start';
import { resolveTracingConfig } from '../../lib/sdk/tracing.config';

/** What a span processor of the app's own sees when a span starts. */
class OnStartRecorder implements SpanProcessor {
  readonly seen: Attributes[] = [];
  onStart(span: Span): void {
    this.seen.push({ ...span.attributes });
  }
  onEnd(): void {}
  forceFlush = async (): Promise<void> => {};
  shutdown = async (): Promise<void> => {};
}

function tracing(sampler?: Sampler) {
  const exporter = new InMemorySpanExporter();
  const onStart = new OnStartRecorder();
  const provider = new BasicTracerProvider({ sampler, spanProcessors: [onStart, new SimpleSpanProcessor(exporter)] });
  return { tracer: provider.getTracer('test'), exporter, onStart };
}

const ATTRIBUTES = { 'http.request.method': 'GET', 'url.path': '/orders/7', 'server.port': 3000, 'db.namespace': undefined };
const RECORDED = { 'http.request.method': 'GET', 'url.path': '/orders/7', 'server.port': 3000 };

describe('startSpanWithAttributes', () => {
  it.each([false, true])('gives the span its attributes (handed to startSpan: %s)', (atStart) => {
    const { tracer, exporter } = tracing();
    startSpanWithAttributes(tracer, 'GET', SpanKind.SERVER, ROOT_CONTEXT, atStart, () => ({ ...ATTRIBUTES })).end();

    const [span] = exporter.getFinishedSpans();
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toEqual(RECORDED);
  });

  it('sets them after the start by default, and hands them to startSpan for processors that read them in onStart', () => {
    const { tracer, onStart } = tracing();
    startSpanWithAttributes(tracer, 'GET', SpanKind.SERVER, ROOT_CONTEXT, false, () => ({ ...ATTRIBUTES })).end();
    startSpanWithAttributes(tracer, 'GET', SpanKind.SERVER, ROOT_CONTEXT, true, () => ({ ...ATTRIBUTES })).end();

    expect(onStart.seen).toEqual([{}, RECORDED]);
  });

  it('computes no attributes for a span that is sampled out', () => {
    const unsampledParent: Context = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    const { tracer, exporter } = tracing(new ParentBasedSampler({ root: new AlwaysOffSampler() }));
    const attributes = jest.fn(() => ({ ...ATTRIBUTES }));

    const span = startSpanWithAttributes(tracer, 'GET', SpanKind.SERVER, unsampledParent, false, attributes);
    span.end();

    expect(span.isRecording()).toBe(false);
    expect(attributes).not.toHaveBeenCalled();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });
});

describe('where our spans get their attributes', () => {
  const hooks = { hasOnResponse: false } as RequestHookRunner;

  it('after the start by default', () => {
    const config = resolveTracingConfig({});
    expect(serverSpanSettings(config, hooks).attributesAtStart).toBe(false);
    expect(pgSpanSettings(config).attributesAtStart).toBe(false);
  });

  it('at the start when the app brings span processors of its own', () => {
    const config = resolveTracingConfig({ spanProcessors: [new OnStartRecorder()] });
    expect(serverSpanSettings(config, hooks).attributesAtStart).toBe(true);
    expect(pgSpanSettings(config).attributesAtStart).toBe(true);
  });
});
