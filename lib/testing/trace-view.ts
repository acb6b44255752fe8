import { SpanKind, type AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { buildTraceTrees, renderTraceTree, toTreeSpan } from '../tree/trace-tree';

/** What a span must look like; every given field must match, attributes as a subset. */
export interface SpanMatch {
  name?: string | RegExp;
  kind?: SpanKind;
  /** Each value must equal the span's attribute, or match it when a RegExp. */
  attributes?: Record<string, AttributeValue | RegExp>;
}

/** Thrown by the kit's assertions; the message shows what was expected and the whole trace. */
export class TraceAssertionError extends Error {
  override readonly name = 'TraceAssertionError';
}

export const spanId = (span: ReadableSpan): string => span.spanContext().spanId;

export function matches(span: ReadableSpan, match: SpanMatch): boolean {
  if (match.name !== undefined && !(typeof match.name === 'string' ? span.name === match.name : match.name.test(span.name))) {
    return false;
  }
  if (match.kind !== undefined && span.kind !== match.kind) return false;
  return Object.entries(match.attributes ?? {}).every(([key, expected]) => {
    const actual = span.attributes[key];
    return expected instanceof RegExp ? typeof actual === 'string' && expected.test(actual) : actual === expected;
  });
}

export function describeMatch(match: SpanMatch): string {
  const parts: string[] = [];
  if (match.name !== undefined) parts.push(`name ${String(match.name)}`);
  if (match.kind !== undefined) parts.push(`kind ${SpanKind[match.kind]}`);
  for (const [key, value] of Object.entries(match.attributes ?? {})) parts.push(`${key}=${String(value)}`);
  return `a span with ${parts.join(', ') || 'anything'}`;
}

/** One trace as the test sees it: navigate by parent, find spans, assert, render. */
export class TraceView {
  private readonly byId: Map<string, ReadableSpan>;

  constructor(readonly spans: readonly ReadableSpan[]) {
    this.byId = new Map(spans.map((span) => [spanId(span), span]));
  }

  get traceId(): string | undefined {
    return this.spans[0]?.spanContext().traceId;
  }

  /** Spans whose parent is not in this trace (the SERVER span of a request, usually). */
  get roots(): ReadableSpan[] {
    return this.spans.filter((span) => !span.parentSpanContext || !this.byId.has(span.parentSpanContext.spanId));
  }

  parentOf(span: ReadableSpan): ReadableSpan | undefined {
    return span.parentSpanContext ? this.byId.get(span.parentSpanContext.spanId) : undefined;
  }

  childrenOf(span: ReadableSpan): ReadableSpan[] {
    return this.spans.filter((s) => s.parentSpanContext?.spanId === spanId(span));
  }

  /** Every span below `span`, at any depth. */
  descendantsOf(span: ReadableSpan): ReadableSpan[] {
    const out: ReadableSpan[] = [];
    for (const child of this.childrenOf(span)) out.push(child, ...this.descendantsOf(child));
    return out;
  }

  /** True when `ancestor` is on `span`'s parent chain. */
  isUnder(span: ReadableSpan, ancestor: ReadableSpan): boolean {
    const seen = new Set<string>();
    for (let parent = this.parentOf(span); parent && !seen.has(spanId(parent)); parent = this.parentOf(parent)) {
      if (parent === ancestor) return true;
      seen.add(spanId(parent));
    }
    return false;
  }

  find(match: SpanMatch): ReadableSpan | undefined {
    return this.spans.find((span) => matches(span, match));
  }

  filter(match: SpanMatch): ReadableSpan[] {
    return this.spans.filter((span) => matches(span, match));
  }

  /**
   * Returns the span matching `match` (below `under` when given) or throws a TraceAssertionError
   * whose message names what was expected and shows the trace as a tree.
   */
  expectSpan(match: SpanMatch, options: { under?: ReadableSpan } = {}): ReadableSpan {
    const { under } = options;
    const found = (under ? this.descendantsOf(under) : [...this.spans]).find((span) => matches(span, match));
    if (found) return found;
    const where = under ? ` under "${under.name}"` : '';
    throw new TraceAssertionError(`expected ${describeMatch(match)}${where} in trace ${this.traceId ?? '(empty)'}; the trace was:\n${this.render()}`);
  }

  render(): string {
    return buildTraceTrees(this.spans.map(toTreeSpan)).map(renderTraceTree).join('\n\n') || '(no spans)';
  }
}
