import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';

export const parentIdOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
export const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
export const traceIdOf = (span: ReadableSpan): string => span.spanContext().traceId;

/** True when `ancestor` is on `span`'s parent chain (within the exported spans of one trace). */
export function reachesAncestor(spans: ReadableSpan[], span: ReadableSpan, ancestor: ReadableSpan): boolean {
  const byId = new Map(spans.map((s) => [idOf(s), s]));
  let current: ReadableSpan | undefined = span;
  for (let hops = 0; current && hops < 50; hops += 1) {
    const parentId = parentIdOf(current);
    if (parentId === idOf(ancestor)) return traceIdOf(current) === traceIdOf(ancestor);
    current = parentId ? byId.get(parentId) : undefined;
  }
  return false;
}

/** Polls `read` until `done` holds or the bounded wait ends; returns what was read last. */
export async function waitFor<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = read();
  }
  return value;
}

/** Waits until `count` SERVER spans have ended, then returns every span exported so far. */
export async function waitForServerSpans(read: () => ReadableSpan[], count = 1): Promise<ReadableSpan[]> {
  return waitFor(read, (spans) => spans.filter((s) => s.kind === SpanKind.SERVER).length >= count);
}

export const serverSpansOf = (spans: ReadableSpan[]): ReadableSpan[] => spans.filter((s) => s.kind === SpanKind.SERVER);
export const clientSpansOf = (spans: ReadableSpan[]): ReadableSpan[] => spans.filter((s) => s.kind === SpanKind.CLIENT);

export const hrToMs = ([seconds, nanos]: [number, number]): number => seconds * 1e3 + nanos / 1e6;
