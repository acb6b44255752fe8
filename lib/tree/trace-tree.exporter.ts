import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { renderTraceTree, buildTraceTrees, toTreeSpan, type TreeSpan } from './trace-tree';

export interface TraceTreeExporterOptions {
  /**
   * Where each rendered trace goes.
   * @default process.stdout
   */
  write?: (text: string) => void;
  /**
   * How long spans of a trace whose local root has not ended (or that ended after it) wait
   * before they are printed anyway.
   * @default 1000
   */
  lingerMillis?: number;
  /**
   * Traces held at once; beyond it the oldest is printed as it is.
   * @default 1000
   */
  maxTraces?: number;
}

/**
 * For development (`OTEL_TRACES_EXPORTER=tree`): prints each finished trace as one indented tree
 * instead of one object per span. Spans are held per trace until the trace's local root — the
 * span whose parent is remote or absent, usually the SERVER span — ends, which is when the
 * request is complete in this process.
 */
export class TraceTreeExporter implements SpanExporter {
  private readonly pending = new Map<string, { spans: TreeSpan[]; timer?: NodeJS.Timeout }>();
  private readonly write: (text: string) => void;
  private readonly lingerMillis: number;
  private readonly maxTraces: number;

  constructor(options: TraceTreeExporterOptions = {}) {
    this.write = options.write ?? ((text) => process.stdout.write(`${text}\n\n`));
    this.lingerMillis = options.lingerMillis ?? 1000;
    this.maxTraces = options.maxTraces ?? 1000;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const traceId = span.spanContext().traceId;
      const entry = this.pending.get(traceId) ?? { spans: [] };
      this.pending.set(traceId, entry);
      entry.spans.push(toTreeSpan(span));
      const localRoot = !span.parentSpanContext || span.parentSpanContext.isRemote === true;
      if (localRoot) {
        this.print(traceId);
      } else if (!entry.timer) {
        entry.timer = setTimeout(() => this.print(traceId), this.lingerMillis);
        entry.timer.unref();
      }
    }
    while (this.pending.size > this.maxTraces) this.print(this.pending.keys().next().value!);
    done({ code: ExportResultCode.SUCCESS });
  }

  forceFlush(): Promise<void> {
    for (const traceId of [...this.pending.keys()]) this.print(traceId);
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  private print(traceId: string): void {
    const entry = this.pending.get(traceId);
    if (!entry) return;
    this.pending.delete(traceId);
    clearTimeout(entry.timer);
    try {
      for (const tree of buildTraceTrees(entry.spans)) this.write(renderTraceTree(tree));
    } catch {
      // A closed stdout must not take the app down: telemetry never breaks the app.
    }
  }
}
