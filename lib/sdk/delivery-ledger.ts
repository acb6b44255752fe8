import { diag, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { LOG_PREFIX } from '../tracing.constants';

/**
 * Spans this process ended versus spans the collector accepted: whatever is in between — a batch
 * that failed, a queue that overflowed, spans still buffered when the process had to go — was
 * not delivered, and the shutdown says how many.
 */
export class DeliveryLedger implements SpanProcessor {
  ended = 0;
  delivered = 0;

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & TraceFlags.SAMPLED) this.ended += 1;
  }

  /** One line at shutdown when anything ended here never reached the collector. */
  reportUndelivered(destination: string): void {
    const lost = this.ended - this.delivered;
    if (lost > 0) {
      diag.warn(`${LOG_PREFIX} shutting down: ${lost} of ${this.ended} span(s) ended in this process were not delivered to ${destination}.`);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
