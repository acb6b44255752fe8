import type { Span } from '@opentelemetry/api';

/**
 * Enriches the SERVER span of each traced request, like the Django instrumentor's `request_hook`.
 *
 * Register the class as a provider of any module and pass it as `requestHook`: it is resolved from
 * Nest's container, so it may inject whatever it needs. Errors thrown (or promises rejected) by a
 * hook are reported through `diag` and never reach the request.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class EndUserHook implements TracingRequestHook {
 *   onRequest(span: Span, request: Request): void {
 *     if (request.user) span.setAttribute('enduser.id', String(request.user.id));
 *   }
 * }
 * ```
 */
export interface TracingRequestHook<Req = unknown, Res = unknown> {
  /**
   * Called once per request after guards have run (so `request.user` is set) and before
   * interceptors, pipes and the handler, with the request's SERVER span — so also for a request
   * a pipe rejects (400). Not called when a guard rejects the request.
   */
  onRequest?(span: Span, request: Req): void | Promise<void>;

  /**
   * Called once per traced request when the response has been written, just before the SERVER
   * span ends. Also called for requests that ended before reaching the handler (guard rejections).
   */
  onResponse?(span: Span, request: Req, response: Res): void | Promise<void>;
}
