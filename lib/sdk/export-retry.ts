import { diag } from '@opentelemetry/api';
import { ExportResultCode, getNumberFromEnv, type ExportResult } from '@opentelemetry/core';
import { LOG_PREFIX } from '../tracing.constants';
import { REPORT_INTERVAL_MILLIS, reasonOf } from './export-reporting';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';

/**
 * gRPC status codes the OTLP specification calls retryable: CANCELLED, DEADLINE_EXCEEDED, ABORTED,
 * OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS. RESOURCE_EXHAUSTED only with RetryInfo from the server,
 * which the gRPC exporter does not surface, so it is not retried: a collector shedding load is
 * not hammered. Everything else (INVALID_ARGUMENT, UNAUTHENTICATED, ...) would fail again.
 */
const RETRYABLE_GRPC_CODES = new Set([1, 4, 10, 11, 14, 15]);

export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && RETRYABLE_GRPC_CODES.has(code);
}

export interface RetryOptions {
  /**
   * How long one batch may be retried. The BatchSpanProcessor gives up on an export after
   * OTEL_BSP_EXPORT_TIMEOUT (30 s), so the default stays a second under it.
   */
  budgetMillis?: number;
  initialBackoffMillis?: number;
  maxBackoffMillis?: number;
  /** Named in the log line that says retries are under way. */
  destination?: string;
  /** For tests. */
  random?: () => number;
}

/**
 * The stock gRPC exporter drops a batch on the first failure, so a collector restart loses every
 * span ended meanwhile. This keeps the batch and retries retryable failures with exponential
 * backoff and full jitter, within a budget. While it retries, the BatchSpanProcessor keeps
 * queueing (bounded by OTEL_BSP_MAX_QUEUE_SIZE), so memory stays bounded and requests are never
 * involved. Shutting down ends the retries at once.
 */
export class RetryingExporter implements SpanExporter {
  private readonly budgetMillis: number;
  private readonly initialBackoffMillis: number;
  private readonly maxBackoffMillis: number;
  private readonly random: () => number;
  private readonly pending = new Set<{ timer: NodeJS.Timeout; giveUp: () => void }>();
  private stopped = false;
  private lastNoticeAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly inner: SpanExporter,
    options: RetryOptions = {},
  ) {
    this.budgetMillis = options.budgetMillis ?? Math.max(1000, (getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT') ?? 30_000) - 1000);
    this.initialBackoffMillis = options.initialBackoffMillis ?? 500;
    this.maxBackoffMillis = options.maxBackoffMillis ?? 8000;
    this.random = options.random ?? Math.random;
    this.destination = options.destination ?? 'the collector';
  }

  private readonly destination: string;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const deadline = Date.now() + this.budgetMillis;
    const attempt = (retry: number): void => {
      this.inner.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS || this.stopped || !isRetryable(result.error)) return done(result);
        const backoff = Math.min(this.maxBackoffMillis, this.initialBackoffMillis * 2 ** retry) * this.random();
        if (Date.now() + backoff >= deadline) return done(result);
        this.notice(result.error);
        const entry = {
          timer: setTimeout(() => {
            this.pending.delete(entry);
            attempt(retry + 1);
          }, backoff),
          giveUp: () => done(result),
        };
        entry.timer.unref();
        this.pending.add(entry);
      });
    };
    attempt(0);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  /** Once per interval: the user learns at once that the collector is away, not after the budget. */
  private notice(error: unknown): void {
    if (Date.now() - this.lastNoticeAt < REPORT_INTERVAL_MILLIS) return;
    this.lastNoticeAt = Date.now();
    diag.warn(
      `${LOG_PREFIX} ${this.destination} does not answer (${reasonOf(error)}); retrying each batch for up to ` +
        `${Math.round(this.budgetMillis / 1000)} s, new spans wait in the queue (OTEL_BSP_MAX_QUEUE_SIZE).`,
    );
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.giveUp();
    }
    this.pending.clear();
    await this.inner.shutdown();
  }
}
