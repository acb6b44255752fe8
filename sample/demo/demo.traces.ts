import { SpanStatusCode, type AttributeValue, type Attributes } from '@opentelemetry/api';
import { buildTraceTrees, renderTraceTree, type TreeSpan } from 'nestjs-tracing/testing';
import { PROBES, type Exchange } from './demo.requests';
import type { ReceivedSpan } from './otlp-receiver';

/** A received OTLP span as the tree renderer takes it. */
export function toTreeSpan(span: ReceivedSpan): TreeSpan {
  const start = BigInt(span.startTimeUnixNano);
  const end = BigInt(span.endTimeUnixNano);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    // Nanoseconds since the epoch exceed a double's precision; microseconds do not.
    startTimeMs: Number(start / 1000n) / 1000,
    durationMs: Number(end - start) / 1e6,
    status: { code: toStatusCode(span.status.code), message: span.status.message || undefined },
    attributes: toAttributes(span.attributes),
    resource: toAttributes(span.resource),
  };
}

/**
 * Every received trace as a tree, headed by the request that produced it (in the order they were
 * sent); traces that no demo request explains (there should be none) come last. The demo's own
 * traceparent is left out as a parent, except on the call that stands for an upstream service.
 */
export function renderReceivedTraces(spans: readonly ReceivedSpan[], exchanges: readonly Exchange[]): string {
  const callerSpans = new Set(exchanges.flatMap((e) => (e.context && !e.upstream ? [`${e.context.traceId}/${e.context.spanId}`] : [])));
  const treeSpans = spans.map(toTreeSpan).map((span) =>
    callerSpans.has(`${span.traceId}/${span.parentSpanId}`) ? { ...span, parentSpanId: undefined } : span,
  );
  const trees = new Map(buildTraceTrees(treeSpans).map((tree) => [tree.traceId, tree]));
  const blocks: string[] = [];
  for (const exchange of exchanges) {
    if (!exchange.context) continue;
    const tree = trees.get(exchange.context.traceId);
    blocks.push(`── ${describeCall(exchange)}\n${tree ? indent(renderTraceTree(tree)) : '   (no spans received)'}`);
    trees.delete(exchange.context.traceId);
  }
  for (const tree of trees.values()) {
    const path = String(tree.roots[0]?.span.attributes['url.path']);
    const what = PROBES.includes(path) ? `GET ${path} · probe, sent without a traceparent` : 'a trace no demo request explains';
    blocks.push(`── ${what}\n${indent(renderTraceTree(tree))}`);
  }
  return blocks.join('\n\n');
}

function describeCall(exchange: Exchange): string {
  const who = exchange.upstream
    ? `as an upstream service would call it: traceparent ${exchange.context?.traceparent}`
    : exchange.user ? `Bearer ${exchange.user}` : 'anonymous';
  return `${exchange.method} ${exchange.path} · ${who} → ${exchange.error ?? exchange.status}`;
}

const indent = (text: string) => text.replace(/^/gm, '   ');

function toStatusCode(code: number): SpanStatusCode {
  // OTLP and the API number the status codes alike: 0 unset, 1 ok, 2 error.
  return code === 1 ? SpanStatusCode.OK : code === 2 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET;
}

/** Keeps what an attribute may hold (scalars and arrays of them); OTLP maps have no API counterpart. */
function toAttributes(record: Record<string, unknown>): Attributes {
  const isScalar = (value: unknown): value is string | number | boolean =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  const entries = Object.entries(record).filter(
    (entry): entry is [string, AttributeValue] =>
      isScalar(entry[1]) || (Array.isArray(entry[1]) && entry[1].every((item) => item === null || isScalar(item))),
  );
  return Object.fromEntries(entries);
}
