import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { contextAppModule } from '../fixtures/context/context.module';
import { seenTraceIds } from '../fixtures/context/context.controller';
import { newTraceparent, send } from '../utils/http';
import { useTracedApp } from '../utils/in-process-tracing';
import { clientSpansOf, hrToMs, reachesAncestor, serverSpansOf, traceIdOf, waitFor, waitForServerSpans } from '../utils/spans';
import { databaseUrl } from '../utils/test-app';

/**
 * The paths where an async context gets lost or, worse, swapped between requests: pg-pool's
 * queue, pg callbacks, TypeORM transactions, async guards/pipes/interceptors, a hook's own async
 * work, streamed bodies and `finish` listeners. Node 24 rebuilt AsyncLocalStorage on
 * AsyncContextFrame, so this suite runs on every Node line CI runs (npm run test:node -- 24|26).
 * Each case runs many interleaving requests at once; every span must land in its own request's trace.
 */
describe('context propagation under concurrency', () => {
  const ctx = useTracedApp(() => contextAppModule(databaseUrl()));
  const CONCURRENCY = 12;

  beforeEach(() => seenTraceIds.clear());

  /**
   * Sends CONCURRENCY requests at once, each with its own trace id, and waits for their SERVER spans
   * and `clientSpans` CLIENT spans in all (a hook's own queries may end after the response).
   */
  async function burst(path: (i: number) => string, headers: (i: number) => Record<string, string> = () => ({}), clientSpans = 0) {
    const calls = Array.from({ length: CONCURRENCY }, (_, i) => ({ i, probe: `p${i}`, ...newTraceparent() }));
    const results = await Promise.all(
      calls.map(({ i, probe, traceparent }) => send(`${ctx.app.url}${path(i)}`, { headers: { traceparent, 'x-probe': probe, ...headers(i) } })),
    );
    expect(results.map((r) => r.status)).toEqual(calls.map(() => 200));
    await waitForServerSpans(() => ctx.tracing.spans(), CONCURRENCY);
    const spans = await waitFor(() => ctx.tracing.spans(), (all) => clientSpansOf(all).length >= clientSpans);
    return calls.map((call) => {
      const trace = spans.filter((s) => traceIdOf(s) === call.traceId);
      const servers = serverSpansOf(trace);
      expect(servers).toHaveLength(1);
      return { ...call, spans: trace, server: servers[0], db: clientSpansOf(trace) };
    });
  }

  /** Every database span of every request sits under that request's SERVER span, `perRequest` each. */
  function expectDbSpansInOwnTrace(traces: Array<{ spans: ReadableSpan[]; server: ReadableSpan; db: ReadableSpan[] }>, perRequest: number) {
    expect(traces.map((t) => t.db.length)).toEqual(traces.map(() => perRequest));
    for (const { spans, server, db } of traces) {
      for (const query of db) expect(reachesAncestor(spans, query, server)).toBe(true);
    }
    // Nothing orphaned or attributed to no request: all CLIENT spans belong to one of these traces.
    expect(clientSpansOf(ctx.tracing.spans())).toHaveLength(traces.length * perRequest);
  }

  it('pg-pool queue: requests waiting for one of 2 connections keep their own trace', async () => {
    expectDbSpansInOwnTrace(await burst((i) => `/ctx/queue/${1 + (i % 3)}`), 1);
  });

  it('TypeORM transactions: BEGIN, the queries and COMMIT all sit under their request', async () => {
    const traces = await burst((i) => `/ctx/transaction/${1 + (i % 3)}`);
    expectDbSpansInOwnTrace(traces, 4);
    for (const { db } of traces) {
      expect(db.map((s) => s.attributes['db.query.text'])).toEqual(
        expect.arrayContaining(['START TRANSACTION', 'COMMIT']),
      );
    }
  });

  it('pg callback API: a query started inside another query\'s callback stays in the request', async () => {
    expectDbSpansInOwnTrace(await burst((i) => `/ctx/callback/${1 + (i % 3)}`), 2);
  });

  it('async guards, pipes and interceptors: the hook writes to its own SERVER span, handlers see their own trace', async () => {
    const traces = await burst((i) => `/ctx/guarded/${1 + (i % 3)}`, (i) => ({ 'x-user': `user-${i}` }));
    expectDbSpansInOwnTrace(traces, 1);
    for (const { i, probe, traceId, server } of traces) {
      expect(server.name).toBe('GET /ctx/guarded/:id');
      expect(server.attributes['enduser.id']).toBe(`user-${i}`);
      expect(seenTraceIds.get(`interceptor:${probe}`)).toBe(traceId);
      expect(seenTraceIds.get(`handler:${probe}`)).toBe(traceId);
    }
  });

  it('a hook\'s own async work (onRequest returning a promise) is traced in its request', async () => {
    const traces = await burst((i) => `/ctx/queue/${1 + (i % 3)}`, () => ({ 'x-hook-query': '1' }), CONCURRENCY * 2);
    expectDbSpansInOwnTrace(traces, 2);
    for (const { spans } of traces) {
      const hookQuery = spans.find((s) => s.attributes['db.query.text'] === 'SELECT $1::text AS hook');
      expect(hookQuery?.kind).toBe(SpanKind.CLIENT);
    }
  });

  it('streamed bodies and finish listeners: the span ends after the last chunk, listeners see their own trace', async () => {
    const traces = await burst(() => '/ctx/stream');
    for (const { probe, traceId, server } of traces) {
      expect(server.name).toBe('GET /ctx/stream');
      expect(seenTraceIds.get(`stream-end:${probe}`)).toBe(traceId);
      expect(seenTraceIds.get(`finish:${probe}`)).toBe(traceId);
      expect(hrToMs(server.endTime) - hrToMs(server.startTime)).toBeGreaterThanOrEqual(5);
    }
  });
});
