import { diag } from '@opentelemetry/api';
import { ExportResultCode, setGlobalErrorHandler, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { LOG_PREFIX } from '../tracing.constants';

/** How often, at most, a persisting export problem is reported. */
export const REPORT_INTERVAL_MILLIS = 30_000;

// Errors already counted by a ReportingExporter: the BatchSpanProcessor hands the same error to
// the global error handler, which must not log it a second time.
const counted = new WeakSet<object>();

/**
 * Wraps an exporter so that a collector that is down costs one warning per interval with a count,
 * instead of one stack trace per failed batch per worker (the SDK default).
 */
export class ReportingExporter implements SpanExporter {
  private failed = { spans: 0, batches: 0, reason: '' };
  private lastReportAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly inner: SpanExporter,
    private readonly destination: string,
    private readonly intervalMillis = REPORT_INTERVAL_MILLIS,
    private readonly ledger?: { delivered: number },
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.ledger) this.ledger.delivered += spans.length;
        if (this.failed.spans > 0) this.report('the collector answers again');
      } else {
        if (result.error) counted.add(result.error);
        this.failed.spans += spans.length;
        this.failed.batches += 1;
        this.failed.reason = reasonOf(result.error);
        if (Date.now() - this.lastReportAt >= this.intervalMillis) this.report(`next report in ${this.intervalMillis / 1000} s at the earliest`);
      }
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  async shutdown(): Promise<void> {
    try {
      await this.inner.shutdown();
    } finally {
      if (this.failed.spans > 0) this.report('shutting down');
    }
  }

  private report(context: string): void {
    const { spans, batches, reason } = this.failed;
    diag.warn(
      `${LOG_PREFIX} could not export ${spans} span(s) in ${batches} batch(es) to ${this.destination}` +
        ` (${reason}); they are lost. ${context}.`,
    );
    this.failed = { spans: 0, batches: 0, reason: '' };
    this.lastReportAt = Date.now();
  }
}

/**
 * Routes the SDK's internal errors to `diag`, each distinct message at most once per interval with
 * a count, and skips export failures a ReportingExporter already counted.
 */
export function installErrorHandler(intervalMillis = REPORT_INTERVAL_MILLIS): void {
  const seen = new Map<string, { at: number; suppressed: number }>();
  setGlobalErrorHandler((error) => {
    if (typeof error === 'object' && error !== null && counted.has(error)) return;
    const reason = reasonOf(error);
    const entry = seen.get(reason);
    const now = Date.now();
    if (entry && now - entry.at < intervalMillis) {
      entry.suppressed += 1;
      return;
    }
    const repeats = entry?.suppressed ? ` (${entry.suppressed} more time(s) since the last report)` : '';
    seen.set(reason, { at: now, suppressed: 0 });
    if (seen.size > 100) seen.delete(seen.keys().next().value!);
    diag.error(`${LOG_PREFIX} tracing error: ${reason}${repeats}`);
  });
}

export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  return message.replace(/\s+/g, ' ').replace(/[ .:]*(Resolution note:)?\s*$/, '').slice(0, 300) || 'export failed';
}
