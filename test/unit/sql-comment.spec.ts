import { trace, TraceFlags, type Span, type SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { addSqlCommenterComment } from '@opentelemetry/sql-common';
import { withTraceComment } from '../../lib/db/pg-query.span';

function spanWith(context: Partial<SpanContext>): Span {
  return trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, ...context });
}

const statements = [
  'SELECT "o"."id" FROM "orders" "o" WHERE "o"."id" = $1',
  'INSERT INTO orders (customer) VALUES ($1) RETURNING id',
  "SELECT '日本' AS name",
  'SELECT 1 -- already commented',
  'SELECT /* hint */ 1',
  'SELECT 1 /* unterminated',
  '',
];

describe('sqlcommenter comment', () => {
  it.each(statements)('is what @opentelemetry/sql-common appends, for %j', (text) => {
    const span = spanWith({});
    expect(withTraceComment(span, text)).toBe(addSqlCommenterComment(span, text));
  });

  it('carries the trace state, percent-encoded as the spec asks, like sql-common', () => {
    const span = spanWith({ traceState: new TraceState("vendor=a'b,other=x*y(z)!") });
    const commented = withTraceComment(span, 'SELECT 1');
    expect(commented).toBe(addSqlCommenterComment(span, 'SELECT 1'));
    expect(commented).toBe("SELECT 1 /*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',tracestate='vendor%3Da%27b%2Cother%3Dx%2Ay%28z%29%21'*/");
  });

  it('writes an unsampled span\'s flags as 00, like sql-common', () => {
    const span = spanWith({ traceFlags: TraceFlags.NONE });
    expect(withTraceComment(span, 'SELECT 1')).toBe(addSqlCommenterComment(span, 'SELECT 1'));
    expect(withTraceComment(span, 'SELECT 1')).toMatch(/-00'\*\/$/);
  });

  it('leaves the statement alone for a span without a valid context, like sql-common', () => {
    const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.SAMPLED });
    expect(withTraceComment(invalid, 'SELECT 1')).toBe('SELECT 1');
    expect(addSqlCommenterComment(invalid, 'SELECT 1')).toBe('SELECT 1');
  });
});
