import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

/** One call the demo makes, and what the sample promises to answer. */
export interface DemoRequest {
  method: 'GET' | 'POST';
  path: string;
  /** The route pattern the SERVER span must be named by; undefined for the probes. */
  route?: string;
  /** Sent as `Authorization: Bearer <user>`. */
  user?: string;
  body?: object;
  expectedStatus: number;
  /** Marks the call that stands for an upstream service continuing its own trace. */
  upstream?: boolean;
  /** Marks the call that crosses into the shipping service. */
  crossService?: boolean;
  /** The W3C trace context sent with it; the probes go without one, as a kubelet's do. */
  context?: { traceparent: string; traceId: string; spanId: string };
}

export interface Exchange extends DemoRequest {
  /** 0 when no response came back. */
  status: number;
  error?: string;
}

export const PROBES = ['/healthz', '/readyz'];

/**
 * The demo's traffic: anonymous and authenticated reads, a create, a 404, a call that crosses into
 * the shipping service, the two probes, and a call continuing an upstream trace. Every traced call carries a fresh `traceparent`: from outside
 * the service, that is the only way to know which trace a request produced (exactly what an
 * upstream service does). The upstream call is one of them, singled out for its claim.
 */
export function plannedRequests(): DemoRequest[] {
  const read = (id: number, user?: string): DemoRequest => ({
    method: 'GET', path: `/orders/${id}`, route: '/orders/:id', user, expectedStatus: 200,
  });
  const calls: DemoRequest[] = [
    ...[1, 2, 3, 1, 2, 3, 1, 2].map((id) => read(id)),
    read(1, 'alice'),
    { method: 'POST', path: '/orders', route: '/orders', user: 'alice', body: { item: 'kettle', quantity: 2 }, expectedStatus: 201 },
    { method: 'GET', path: '/orders/999', route: '/orders/:id', expectedStatus: 404 },
    { method: 'GET', path: '/orders/1/shipping', route: '/orders/:id/shipping', user: 'alice', expectedStatus: 200, crossService: true },
    ...PROBES.map((path): DemoRequest => ({ method: 'GET', path, expectedStatus: 200 })),
    { ...read(2), upstream: true },
  ];
  return calls.map((call) => (PROBES.includes(call.path) ? call : { ...call, context: newTraceContext() }));
}

/** An anonymous read, for when one worker has not been reached yet. */
export const extraRead = (n: number): DemoRequest => ({
  method: 'GET', path: `/orders/${1 + (n % 3)}`, route: '/orders/:id', expectedStatus: 200, context: newTraceContext(),
});

function newTraceContext(): NonNullable<DemoRequest['context']> {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/**
 * Sends one call on a fresh connection: the cluster hands out connections, not requests, so a
 * keep-alive client would talk to one worker only. Never rejects; a failure is in `error`.
 */
export function send(baseUrl: string, call: DemoRequest, timeoutMs = 10_000): Promise<Exchange> {
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers: Record<string, string> = {
    ...(call.context ? { traceparent: call.context.traceparent } : {}),
    ...(call.user ? { authorization: `Bearer ${call.user}` } : {}),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  return new Promise((resolve) => {
    const req = request(`${baseUrl}${call.path}`, { method: call.method, headers, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ...call, status: res.statusCode ?? 0 }));
      res.on('error', (error) => resolve({ ...call, status: 0, error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ...call, status: 0, error: error.message }));
    req.end(body);
  });
}

/** `GET  /orders/1    anonymous      → 200`, for the demo's log. */
export function describeExchange(exchange: Exchange): string {
  const who = exchange.upstream
    ? 'upstream traceparent'
    : exchange.user ? `Bearer ${exchange.user}` : exchange.route ? 'anonymous' : 'probe';
  const outcome = exchange.error ? `failed: ${exchange.error}` : String(exchange.status);
  const unexpected = exchange.status !== exchange.expectedStatus ? `  (expected ${exchange.expectedStatus})` : '';
  const trace = exchange.context ? `  trace ${exchange.context.traceId}` : '';
  return `${exchange.method.padEnd(4)} ${exchange.path.padEnd(12)} ${who.padEnd(20)} → ${outcome}${unexpected}${trace}`;
}
