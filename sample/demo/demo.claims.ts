import { SpanKind } from '@opentelemetry/api';
import type { ClusterExit } from './demo.cluster';
import { PROBES, type Exchange } from './demo.requests';
import { reachesAncestor, type ReceivedSpan } from './otlp-receiver';

/** What the demo saw: the calls it made, every span the receiver got, and how the cluster ran. */
export interface DemoEvidence {
  exchanges: readonly Exchange[];
  spans: ReceivedSpan[];
  primaryPid: number;
  workerPids: readonly number[];
  workers: number;
  exit: ClusterExit;
}

export interface ClaimResult {
  claim: string;
  holds: boolean;
  /** Why it does not hold, one entry per offending request or span. */
  problems: string[];
}

/** A traced call to the orders API with the SERVER span of its trace, if one arrived. */
interface OrdersCall {
  exchange: Exchange;
  server: ReceivedSpan | undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '-' : JSON.stringify(value));
const label = (exchange: Exchange) => `${exchange.method} ${exchange.path}${exchange.user ? ` (${exchange.user})` : ''}`;
/** The orders service's SERVER span of a call: the one whose parent is not in the trace (the
 * shipping service's SERVER span sits under orders' CLIENT call in the same trace). */
const serverSpanOf = (spans: ReceivedSpan[], exchange: Exchange) => {
  const trace = spans.filter((s) => s.traceId === exchange.context?.traceId);
  return trace.find((s) => s.kind === SpanKind.SERVER && !trace.some((p) => p.spanId === s.parentSpanId));
};

function answeredAsPromised({ exchanges }: DemoEvidence): string[] {
  return exchanges
    .filter((e) => e.status !== e.expectedStatus)
    .map((e) => `${label(e)}: ${e.error ?? e.status}, expected ${e.expectedStatus}`);
}

function serverSpanNamedByRoute({ exchange, server }: OrdersCall): string[] {
  const expected = `${exchange.method} ${exchange.route}`;
  const route = server?.attributes['http.route'];
  const status = server?.attributes['http.response.status_code'];
  const problem = !server
    ? `no SERVER span in trace ${exchange.context?.traceId}`
    : server.name !== expected
      ? `SERVER span named "${server.name}", not "${expected}"`
      : route !== exchange.route
        ? `http.route=${text(route)}`
        : exchange.status && status !== exchange.status
          ? `status code ${text(status)} on the span, ${exchange.status} sent`
          : undefined;
  return problem ? [`${label(exchange)}: ${problem}`] : [];
}

function sqlUnderServerSpan(spans: ReceivedSpan[], { exchange, server }: OrdersCall): string[] {
  if (exchange.method !== 'GET' || exchange.status !== 200) return [];
  const sql = spans.filter((s) => s.traceId === exchange.context?.traceId && s.name === 'SELECT orders');
  const below = (s: ReceivedSpan) =>
    s.kind === SpanKind.CLIENT &&
    s.attributes['db.system.name'] === 'postgresql' &&
    server !== undefined &&
    reachesAncestor(spans, s, server);
  if (sql.some(below)) return [];
  const why = sql.length === 0
    ? 'no `SELECT orders` span in its trace'
    : '`SELECT orders` is not a postgresql CLIENT span below the SERVER span';
  return [`${label(exchange)}: ${why}`];
}

function endUser({ exchange, server }: OrdersCall): string[] {
  const id = server?.attributes['enduser.id'];
  return server && id !== exchange.user ? [`${label(exchange)}: enduser.id=${text(id)}`] : [];
}

function upstreamContinued(spans: ReceivedSpan[], exchange: Exchange): string[] {
  if (!exchange.upstream || !exchange.context) return [];
  const server = serverSpanOf(spans, exchange);
  if (!server) return [`${label(exchange)}: no SERVER span in the caller's trace ${exchange.context.traceId}`];
  const parent = server.parentSpanId ?? 'none';
  if (parent === exchange.context.spanId) return [];
  return [`${label(exchange)}: the SERVER span's parent is ${parent}, not the caller's ${exchange.context.spanId}`];
}

/** orders' SERVER span -> its CLIENT call -> shipping's SERVER span, all in one trace. */
function acrossServices(spans: ReceivedSpan[], exchange: Exchange): string[] {
  if (!exchange.crossService || !exchange.context) return [];
  const trace = spans.filter((s) => s.traceId === exchange.context?.traceId);
  const orders = trace.find((s) => s.kind === SpanKind.SERVER && s.name === `GET ${exchange.route}`);
  const call = trace.find((s) => s.kind === SpanKind.CLIENT && s.attributes['http.request.method'] === 'GET');
  const shipping = trace.find((s) => s.kind === SpanKind.SERVER && s.resource['service.name'] === 'shipping');
  const problem = !orders
    ? `no SERVER span named GET ${exchange.route}`
    : !call || !reachesAncestor(spans, call, orders)
      ? 'no GET CLIENT span under it'
      : !shipping
        ? 'no SERVER span from the shipping service in the same trace'
        : shipping.parentSpanId !== call.spanId
          ? "shipping's SERVER span is not a child of the CLIENT span"
          : shipping.name !== 'GET /shipping/:id'
            ? `shipping's SERVER span is named "${shipping.name}"`
            : undefined;
  return problem ? [`${label(exchange)}: ${problem}`] : [];
}

function noProbeSpans({ spans }: DemoEvidence): string[] {
  const probe = spans.filter((s) => PROBES.includes(text(s.attributes['url.path'])));
  const ping = spans.filter((s) => /^SELECT 1\b/.test(text(s.attributes['db.query.text'])));
  return [...probe, ...ping].map(
    (s) => `${s.name} ${SpanKind[s.kind]} (url.path=${text(s.attributes['url.path'])}, pid ${text(s.resource['process.pid'])})`,
  );
}

/**
 * Judged on the orders service's own spans (the service named on its SERVER spans): a service it
 * calls reports to the same receiver from its own process, which is neither worker nor primary.
 */
function everyWorkerNotPrimary({ spans, primaryPid, workerPids, workers }: DemoEvidence, calls: OrdersCall[]): string[] {
  const pid = (s: ReceivedSpan) => Number(s.resource['process.pid']);
  const services = new Set(calls.flatMap(({ server }) => (server ? [server.resource['service.name']] : [])));
  const pids = [...new Set(spans.filter((s) => services.has(s.resource['service.name'])).map(pid))];
  const problems = [...new Set(spans.map(pid))].filter((p) => p === primaryPid).map((p) => `spans from the primary (pid ${p})`);
  const strangers = pids.filter((p) => p !== primaryPid && !workerPids.includes(p));
  problems.push(...strangers.map((p) => `spans from pid ${p}, not a worker of this cluster`));
  if (pids.length < workers) problems.push(`spans from ${pids.length} process(es) (${pids.join(', ') || 'none'}), expected ${workers}`);
  return problems;
}

function gracefulExit({ exit }: DemoEvidence): string[] {
  if (exit.code === 0 && !exit.forced) return [];
  return [`the primary ${exit.forced ? 'had to be killed' : `exited with ${exit.signal ?? `code ${exit.code}`}`}`];
}

/** The guide's Verification, as checks on what was received; each names what it found wrong. */
export function checkClaims(evidence: DemoEvidence): ClaimResult[] {
  const calls: OrdersCall[] = evidence.exchanges
    .filter((exchange) => exchange.route && exchange.context)
    .map((exchange) => ({ exchange, server: serverSpanOf(evidence.spans, exchange) }));
  const claims: Array<[string, string[]]> = [
    ['every request answered as the sample promises (200, 201, 404)', answeredAsPromised(evidence)],
    [
      'a SERVER span named by route (`GET /orders/:id`, `POST /orders`) with http.route, for every /orders request',
      calls.flatMap(serverSpanNamedByRoute),
    ],
    [
      'a `SELECT orders` CLIENT span (postgresql) under the SERVER span, in the same trace, for every successful read',
      calls.flatMap((call) => sqlUnderServerSpan(evidence.spans, call)),
    ],
    ['enduser.id=alice on the authenticated requests, absent on anonymous ones', calls.flatMap(endUser)],
    [
      "an incoming traceparent is continued: same trace id, the SERVER span's parent is the caller's span",
      evidence.exchanges.flatMap((exchange) => upstreamContinued(evidence.spans, exchange)),
    ],
    [
      'one trace across services: `GET /orders/:id/shipping` (orders-web) → `GET` CLIENT → `GET /shipping/:id` (shipping)',
      evidence.exchanges.flatMap((exchange) => acrossServices(evidence.spans, exchange)),
    ],
    [`no spans for the probes (${PROBES.join(', ')}): no SERVER span, no \`SELECT 1\``, noProbeSpans(evidence)],
    ['spans from every worker (distinct process.pid), none from the primary', everyWorkerNotPrimary(evidence, calls)],
    ['the cluster shut down gracefully on SIGTERM (exit code 0)', gracefulExit(evidence)],
  ];
  return claims.map(([claim, problems]) => ({ claim, holds: problems.length === 0, problems }));
}
