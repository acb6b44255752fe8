import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { resolveTracingConfig } from '../../lib/sdk/tracing.config';
import { startTracingSdk, type TracingSdkHandle } from '../../lib/sdk/tracing.sdk';
import type { TracingModuleOptions } from '../../lib/interfaces/tracing-options.interface';

describe('startTracingSdk', () => {
  let savedEnv: NodeJS.ProcessEnv;
  let handles: TracingSdkHandle[];

  beforeEach(() => {
    savedEnv = { ...process.env };
    for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
    handles = [];
  });

  afterEach(async () => {
    for (const handle of handles) await handle.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
    process.env = savedEnv;
  });

  function start(options: TracingModuleOptions = {}): { handle: TracingSdkHandle; exporter: InMemorySpanExporter } {
    const exporter = new InMemorySpanExporter();
    const handle = startTracingSdk(
      resolveTracingConfig({ ...options, spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    handles.push(handle);
    return { handle, exporter };
  }

  const emitSpan = (name: string): boolean => {
    const span = trace.getTracer('x').startSpan(name);
    const recording = span.isRecording();
    span.end();
    return recording;
  };

  it('shares one running SDK between handles and stops it only when the last one shuts down', async () => {
    const first = start();
    const second = start();

    emitSpan('a');
    expect(first.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['a']);
    expect(second.exporter.getFinishedSpans()).toHaveLength(0);

    await first.handle.shutdown();
    emitSpan('b');
    expect(first.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['a', 'b']);

    await second.handle.shutdown();
    expect(emitSpan('c')).toBe(false);

    const restarted = start();
    expect(emitSpan('d')).toBe(true);
    expect(restarted.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['d']);
  });

  it('lets a new SDK start while the previous one is still flushing', async () => {
    const first = start();
    const pending = first.handle.shutdown();
    const second = start();
    await pending;

    expect(second.handle.enabled).toBe(true);
    expect(emitSpan('after')).toBe(true);
    expect(second.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['after']);
  });

  it('releases a handle only once however often it is shut down', async () => {
    const first = start();
    const second = start();

    await first.handle.shutdown();
    await first.handle.shutdown();
    expect(emitSpan('still-up')).toBe(true);
    expect(first.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['still-up']);

    await second.handle.shutdown();
    expect(emitSpan('down')).toBe(false);
  });

  it('records nothing when OTEL_SDK_DISABLED=true', async () => {
    process.env.OTEL_SDK_DISABLED = 'true';
    const { handle, exporter } = start();

    expect(handle.enabled).toBe(false);
    expect(emitSpan('ignored')).toBe(false);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await expect(handle.shutdown()).resolves.toBeUndefined();
  });

  it('samples as OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG say (every trace by default)', async () => {
    const recorded = (n: number): number => Array.from({ length: n }, (_, i) => emitSpan(`s${i}`)).filter(Boolean).length;

    const first = start();
    expect(recorded(50)).toBe(50);
    await first.handle.shutdown();

    process.env.OTEL_TRACES_SAMPLER = 'traceidratio';
    process.env.OTEL_TRACES_SAMPLER_ARG = '0';
    const none = start();
    expect(recorded(50)).toBe(0);
    expect(none.exporter.getFinishedSpans()).toHaveLength(0);
    await none.handle.shutdown();

    process.env.OTEL_TRACES_SAMPLER_ARG = '0.5';
    start();
    expect(recorded(400)).toBeGreaterThan(100);
    expect(recorded(400)).toBeLessThan(300);
  });

  it('describes the process in the resource, with a fresh service.instance.id per start', async () => {
    const first = start({ serviceName: 'orders-api' });
    emitSpan('a');
    const firstResource = first.exporter.getFinishedSpans()[0].resource.attributes;
    await first.handle.shutdown();

    const second = start({ serviceName: 'orders-api' });
    emitSpan('b');
    const secondResource = second.exporter.getFinishedSpans()[0].resource.attributes;

    expect(firstResource['service.name']).toBe('orders-api');
    expect(firstResource['process.pid']).toBe(process.pid);
    expect(firstResource['service.instance.id']).toEqual(expect.any(String));
    expect(secondResource['service.instance.id']).toEqual(expect.any(String));
    expect(secondResource['service.instance.id']).not.toBe(firstResource['service.instance.id']);
  });

  describe('OTEL_PROPAGATORS', () => {
    const injectActiveSpan = (): Record<string, string> => {
      const span = trace.getTracer('x').startSpan('outgoing');
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      span.end();
      return carrier;
    };

    it('registers W3C tracecontext by default', () => {
      start();

      expect(injectActiveSpan().traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    });

    it('registers no propagator for none, leaving the slot to the application', () => {
      process.env.OTEL_PROPAGATORS = 'none';
      start();

      expect(injectActiveSpan()).toEqual({});
      expect(propagation.setGlobalPropagator(new W3CTraceContextPropagator())).toBe(true);
    });
  });
});
