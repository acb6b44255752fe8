import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { TraceContextPropagator } from '../../lib/sdk/trace-context.propagator';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

describe('TraceContextPropagator (W3C trace context, parents as class instances)', () => {
  const ours = new TraceContextPropagator();
  const core = new W3CTraceContextPropagator();

  const extracted = (propagator: W3CTraceContextPropagator, carrier: Record<string, unknown>) => {
    const parent = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
    return parent && { ...parent, traceState: parent.traceState?.serialize() };
  };

  it.each<[string, Record<string, unknown>]>([
    ['sampled', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }],
    ['not sampled', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` }],
    ['surrounding spaces', { traceparent: ` 00-${TRACE_ID}-${SPAN_ID}-01 ` }],
    ['a future version with more parts', { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-holds` }],
    ['version 00 with more parts (invalid)', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01-extra` }],
    ['version ff (invalid)', { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` }],
    ['an all-zero trace id (invalid)', { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` }],
    ['an all-zero span id (invalid)', { traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01` }],
    ['upper-case hex (invalid)', { traceparent: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01` }],
    ['no traceparent', { tracestate: 'a=1' }],
    ['an empty traceparent', { traceparent: '' }],
    ['several traceparent headers: the first', { traceparent: [`00-${TRACE_ID}-${SPAN_ID}-01`, `00-${'1'.repeat(32)}-${SPAN_ID}-01`] }],
    ['with tracestate', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' }],
    ['several tracestate headers, merged', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: ['congo=t61rcWkgMzE', 'rojo=00f067aa0ba902b7'] }],
    ['an invalid tracestate', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'not a list member' }],
  ])('extracts what core extracts: %s', (_, carrier) => {
    expect(extracted(ours, carrier)).toEqual(extracted(core, carrier));
  });

  it('a remote, sampled parent the SDK continues', () => {
    const parent = trace.getSpanContext(ours.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, defaultTextMapGetter));
    expect(parent).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    // A constructed object (no allocation site for V8 to pretenure), not core's object literal.
    expect(Object.getPrototypeOf(parent)).not.toBe(Object.prototype);
  });

  it('injects what core injects', () => {
    const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
    const a: Record<string, string> = {};
    const b: Record<string, string> = {};
    ours.inject(context, a, defaultTextMapSetter);
    core.inject(context, b, defaultTextMapSetter);
    expect(a).toEqual(b);
    expect(a.traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
  });
});
