import { diag, type DiagLogger } from '@opentelemetry/api';
import { ExportResultCode, globalErrorHandler, loggingErrorHandler, setGlobalErrorHandler, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { installErrorHandler, ReportingExporter } from '../../lib/sdk/export-reporting';

/** An exporter whose outcome the test decides: there is no collector behind it to be real about. */
class ScriptedExporter implements SpanExporter {
  next: ExportResult = { code: ExportResultCode.SUCCESS };
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done(this.next);
  }
  shutdown = jest.fn(() => Promise.resolve());
}

const spans = (n: number) => Array.from({ length: n }, () => ({}) as ReadableSpan);
const unavailable = () => ({ code: ExportResultCode.FAILED, error: new Error('14 UNAVAILABLE: No connection established. Resolution note: ') });

describe('export failure reporting', () => {
  const logged: Array<[string, string]> = [];
  const logger = {
    warn: (message: string) => logged.push(['warn', message]),
    error: (message: string) => logged.push(['error', message]),
  } as unknown as DiagLogger;

  beforeEach(() => {
    logged.length = 0;
    jest.useFakeTimers({ now: 1_000_000 });
    diag.setLogger(logger, { suppressOverrideMessage: true });
  });
  afterEach(() => {
    jest.useRealTimers();
    diag.disable();
    setGlobalErrorHandler(loggingErrorHandler());
  });

  it('reports the first failure at once, then at most once per interval, with the counts in between', () => {
    const inner = new ScriptedExporter();
    const exporter = new ReportingExporter(inner, 'OTLP gRPC http://collector:4317', 30_000);
    inner.next = unavailable();
    const results: ExportResult[] = [];
    for (let i = 0; i < 5; i += 1) exporter.export(spans(10), (r) => results.push(r));
    expect(results.every((r) => r.code === ExportResultCode.FAILED)).toBe(true); // the BSP still sees the failure
    expect(logged).toEqual([
      ['warn', 'nestjs-tracing: could not export 10 span(s) in 1 batch(es) to OTLP gRPC http://collector:4317 (14 UNAVAILABLE: No connection established); they are lost. next report in 30 s at the earliest.'],
    ]);
    jest.advanceTimersByTime(30_000);
    exporter.export(spans(3), () => {});
    expect(logged[1][1]).toMatch(/could not export 43 span\(s\) in 5 batch\(es\)/);
  });

  it('says when exports work again, and reports what is left at shutdown', async () => {
    const inner = new ScriptedExporter();
    const exporter = new ReportingExporter(inner, 'x', 30_000);
    inner.next = unavailable();
    exporter.export(spans(1), () => {});
    exporter.export(spans(2), () => {});
    inner.next = { code: ExportResultCode.SUCCESS };
    exporter.export(spans(5), () => {});
    expect(logged[1][1]).toMatch(/could not export 2 span\(s\) in 1 batch\(es\).*the collector answers again\.$/);
    inner.next = unavailable();
    jest.advanceTimersByTime(1000);
    exporter.export(spans(4), () => {});
    await exporter.shutdown();
    expect(inner.shutdown).toHaveBeenCalled();
    expect(logged.at(-1)![1]).toMatch(/could not export 4 span\(s\).*shutting down\.$/);
    expect(logged).toHaveLength(3);
  });

  it('the global error handler skips failures already counted and rate-limits the others', () => {
    installErrorHandler(30_000);
    const inner = new ScriptedExporter();
    inner.next = unavailable();
    new ReportingExporter(inner, 'x').export(spans(1), (result) => globalErrorHandler(result.error!));
    expect(logged.filter(([level]) => level === 'error')).toEqual([]);

    for (let i = 0; i < 4; i += 1) globalErrorHandler(new Error('Timeout'));
    jest.advanceTimersByTime(30_000);
    globalErrorHandler(new Error('Timeout'));
    expect(logged.filter(([level]) => level === 'error').map(([, m]) => m)).toEqual([
      'nestjs-tracing: tracing error: Timeout',
      'nestjs-tracing: tracing error: Timeout (3 more time(s) since the last report)',
    ]);
  });
});
