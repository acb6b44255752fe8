import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { listInstrumentations, registerInstrumentations } from '../sdk/instrumentations';
import { LOG_PREFIX } from '../tracing.constants';
import { patchLoadedModules } from './module-patcher';
import { getTestingRegistry, setTestingRegistry } from './testing.registry';
import { describeMatch, matches, TraceAssertionError, TraceView, type SpanMatch } from './trace-view';

/** Which request's SERVER span: every given field must match. */
export interface ServerSpanMatch {
  method?: string;
  /** The route pattern, e.g. `/orders/:id`. */
  route?: string;
  /** The raw path, e.g. `/orders/1` (query string excluded). */
  path?: string;
  statusCode?: number;
}

export interface TestingTracingOptions {
  /**
   * Loads a module the way the code under test does, so the patched instance is the app's.
   * @default the kit's own `require` (in jest, the test file's module registry)
   */
  require?: (id: string) => unknown;
}

/**
 * Tracing for your own tests. `TestingTracing.install()` (in `beforeAll`, before the Nest app is
 * created) does the register phase inside jest and makes every `TracingModule` in the process
 * export into memory, whatever its options say; `reset()` between tests; `uninstall()` at the end.
 */
export class TestingTracing {
  readonly exporter = new InMemorySpanExporter();

  private constructor(private readonly uninstallPatches: () => void) {}

  static install(options: TestingTracingOptions = {}): TestingTracing {
    // Installing twice (two describe blocks, a shared setup file) returns the kit in place.
    const installed = getTestingRegistry()?.kit;
    if (installed instanceof TestingTracing) return installed;
    // Reuses the instrumentations of a register already loaded (jest setupFiles, main.ts).
    const instrumentations = registerInstrumentations();
    if (!instrumentations) {
      throw new Error(`${LOG_PREFIX} OTEL_SDK_DISABLED=true: unset it for tests that use nestjs-tracing/testing.`);
    }
    const list = listInstrumentations(instrumentations);
    // The kit's own require: in jest, the test file's module registry, i.e. the app's modules.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const unpatch = patchLoadedModules(list, options.require ?? ((id): unknown => require(id)));
    // disable() also drops what needs no patching: the require hooks, undici's channel subscriptions.
    const kit = new TestingTracing(() => {
      unpatch();
      list.forEach((instrumentation) => instrumentation.disable());
    });
    setTestingRegistry({ spanProcessors: [new SimpleSpanProcessor(kit.exporter)], kit });
    return kit;
  }

  /** Every span that has ended since install or the last reset, in end order. */
  spans(): ReadableSpan[] {
    return this.exporter.getFinishedSpans();
  }

  reset(): void {
    this.exporter.reset();
  }

  /** Restores the patched modules and the OpenTelemetry globals. */
  uninstall(): void {
    setTestingRegistry(undefined);
    this.uninstallPatches();
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('nestjs-tracing.instrumentations')];
    trace.disable();
    context.disable();
    propagation.disable();
    this.exporter.reset();
  }

  serverSpans(match: ServerSpanMatch = {}): ReadableSpan[] {
    return this.spans().filter((span) => span.kind === SpanKind.SERVER && matchesServer(span, match));
  }

  /**
   * Waits (bounded) for the SERVER span of a request; it ends after the response is written, so
   * right after the client got its answer it may still be open.
   */
  async waitForServerSpan(match: ServerSpanMatch = {}, timeoutMs = 5000): Promise<ReadableSpan> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [found] = this.serverSpans(match);
      if (found) return found;
      if (Date.now() >= deadline) {
        const seen = this.spans().filter((s) => s.kind === SpanKind.SERVER).map((s) => `  ${s.name}`).join('\n') || '  (none)';
        throw new TraceAssertionError(`no SERVER span matching ${JSON.stringify(match)} within ${timeoutMs} ms; SERVER spans seen:\n${seen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The trace of `of` (a span or a trace id), from the spans ended so far. */
  trace(of: ReadableSpan | string): TraceView {
    const traceId = typeof of === 'string' ? of : of.spanContext().traceId;
    return new TraceView(this.spans().filter((span) => span.spanContext().traceId === traceId));
  }

  /** The one span matching `match` among all spans, or a readable TraceAssertionError. */
  expectSpan(match: SpanMatch): ReadableSpan {
    const found = this.spans().filter((span) => matches(span, match));
    if (found.length === 1) return found[0];
    throw new TraceAssertionError(
      `expected exactly one span matching ${describeMatch(match)}, found ${found.length}; spans so far:\n${new TraceView(this.spans()).render()}`,
    );
  }
}

function matchesServer(span: ReadableSpan, match: ServerSpanMatch): boolean {
  const attributes = span.attributes;
  return (
    (match.method === undefined || attributes['http.request.method'] === match.method) &&
    (match.route === undefined || attributes['http.route'] === match.route) &&
    (match.path === undefined || attributes['url.path'] === match.path) &&
    (match.statusCode === undefined || attributes['http.response.status_code'] === match.statusCode)
  );
}
