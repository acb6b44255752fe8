import { context, isSpanContextValid, SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { startSpanWithAttributes } from '../sdk/span-start';
import { maskSqlLiterals } from './sql-literals';
import { summarizeSql } from './sql-summary';

/** What phase 2 decides for database spans. */
export interface PgSpanSettings {
  /** Only record a query when a span (the request's) is active. */
  readonly requireParentSpan: boolean;
  readonly sqlCommenter: boolean;
  readonly sqlLiterals: 'mask' | 'keep';
  /** `pg.connect` / `pg-pool.connect` spans. */
  readonly connectSpans: boolean;
  /** Hand the attributes to `startSpan` (user span processors may read them in `onStart`). */
  readonly attributesAtStart: boolean;
}

export interface PgConnectionParameters {
  database?: string;
  host?: string;
  port?: number | string;
}

/** The stable database attributes of a connection: the same on every query of a client. */
export function connectionAttributes(params: PgConnectionParameters | undefined): Attributes {
  const port = Number(params?.port);
  return {
    'db.system.name': 'postgresql',
    'db.namespace': params?.database,
    'server.address': params?.host,
    'server.port': Number.isInteger(port) ? port : undefined,
  };
}

/**
 * The CLIENT span of one query, named like `SELECT orders`, with `db.query.text` as sent
 * (`$1` placeholders; literals masked unless `sqlLiterals: 'keep'`) — never the bind values.
 */
export function startQuerySpan(tracer: Tracer, settings: PgSpanSettings, params: PgConnectionParameters | undefined, text: string, parent: Context): Span {
  const summary = summarizeSql(text);
  return startSpanWithAttributes(tracer, summary.spanName, SpanKind.CLIENT, parent, settings.attributesAtStart, () => {
    const attributes = connectionAttributes(params);
    attributes['db.query.text'] = settings.sqlLiterals === 'mask' ? maskSqlLiterals(text) : text;
    if (summary.operation) attributes['db.operation.name'] = summary.operation;
    if (summary.collection) attributes['db.collection.name'] = summary.collection;
    return attributes;
  });
}

/**
 * sqlcommenter (https://google.github.io/sqlcommenter/spec/): the statement with the span's
 * `traceparent` (and `tracestate`) appended in a block comment, keys sorted, values URL-encoded,
 * nothing added to a statement that already has a comment. What `@opentelemetry/sql-common`
 * writes, without a propagator, a carrier and a sort per query: a `traceparent` is hex digits and
 * dashes, which URL-encoding leaves as they are.
 */
export function withTraceComment(span: Span, text: string): string {
  if (text.length === 0 || hasComment(text)) return text;
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return text;
  const flags = (ctx.traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceState = ctx.traceState?.serialize();
  const state = traceState ? `,tracestate='${encodeValue(traceState)}'` : '';
  return `${text} /*traceparent='00-${ctx.traceId}-${ctx.spanId}-${flags}'${state}*/`;
}

// sql-common's test: any `--`, or both comment delimiters (literals are not parsed).
function hasComment(text: string): boolean {
  return text.includes('--') || (text.includes('/*') && text.includes('*/'));
}

/** RFC 3986 percent-encoding: encodeURIComponent leaves `!'()*` alone, the spec does not. */
function encodeValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function endSpan(span: Span, error?: unknown): void {
  if (error) {
    const err = error as { message?: unknown; code?: unknown; name?: unknown };
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: typeof err.message === 'string' ? err.message : undefined });
    // PostgreSQL's SQLSTATE (e.g. 23505) when the server answered, else the error's class.
    const type = typeof err.code === 'string' ? err.code : typeof err.name === 'string' ? err.name : undefined;
    if (type) span.setAttribute('error.type', type);
  }
  span.end();
}

type Callback = (this: unknown, ...args: unknown[]) => unknown;

/** A driver callback that ends the span first, then runs in the caller's context. */
export function endingCallback(span: Span, callback: Callback, caller: Context): Callback {
  return function (this: unknown, error: unknown): unknown {
    endSpan(span, error);
    // eslint-disable-next-line prefer-rest-params
    return context.with(caller, callback, this, ...(arguments as unknown as unknown[]));
  };
}

/** Ends the span when a query's result settles, whichever of pg's shapes it has. */
export function endWhenSettled(span: Span, result: unknown): unknown {
  const thenable = result as { then?: unknown; once?: unknown } | undefined;
  if (thenable && typeof thenable.then === 'function') {
    return (result as Promise<unknown>).then(
      (value) => {
        endSpan(span);
        return value;
      },
      (error: unknown) => {
        endSpan(span, error);
        throw error;
      },
    );
  }
  if (thenable && typeof thenable.once === 'function') {
    // A submittable (pg Query, pg-cursor, pg-query-stream): it reports through events.
    const emitter = result as { once(event: string, listener: (error?: unknown) => void): void };
    emitter.once('end', () => endSpan(span));
    emitter.once('error', (error) => endSpan(span, error));
    return result;
  }
  endSpan(span);
  return result;
}
