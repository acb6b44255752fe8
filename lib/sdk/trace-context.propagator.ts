import { trace, type Context, type SpanContext, type TextMapGetter, type TraceState } from '@opentelemetry/api';
import { parseTraceParent, TRACE_PARENT_HEADER, TRACE_STATE_HEADER, TraceState as W3CTraceState, W3CTraceContextPropagator } from '@opentelemetry/core';

/** An incoming request's parent: a class instance, so V8 never allocates it in the old generation. */
class RemoteSpanContext implements SpanContext {
  readonly isRemote = true;
  traceState?: TraceState;

  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly traceFlags: number,
  ) {}
}

/**
 * The W3C `traceparent`/`tracestate` propagator of `@opentelemetry/core`, with the parsed parent
 * held in a class instance instead of the object literal core returns. Each SERVER span keeps its
 * parent for as long as the span waits in the export queue, so early in a process's life most of
 * those literals survive a young collection, V8 then allocates every later one straight into the
 * old generation, and from there each one keeps its young id strings alive until a full
 * collection (bench/README.md, "Where the memory goes"). Objects made by a constructor have no
 * allocation site and are never pretenured. Injection and the accepted formats are core's.
 */
export class TraceContextPropagator extends W3CTraceContextPropagator {
  override extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = getter.get(carrier, TRACE_PARENT_HEADER);
    const traceParent = Array.isArray(header) ? header[0] : header;
    if (typeof traceParent !== 'string') return context;
    const parsed = parseTraceParent(traceParent);
    if (!parsed) return context;
    const parent = new RemoteSpanContext(parsed.traceId, parsed.spanId, parsed.traceFlags);
    const stateHeader = getter.get(carrier, TRACE_STATE_HEADER);
    if (stateHeader) {
      // Several `tracestate` headers are one list, as core merges them.
      const state = Array.isArray(stateHeader) ? stateHeader.join(',') : stateHeader;
      parent.traceState = new W3CTraceState(typeof state === 'string' ? state : undefined);
    }
    return trace.setSpanContext(context, parent);
  }
}
