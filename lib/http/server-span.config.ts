import { ServerResponse, type IncomingMessage } from 'node:http';
import { context, type Attributes } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { ResolvedTracingConfig } from '../sdk/tracing.config';
import { captureHeaders } from './header-capture';
import type { RequestHookRunner } from './request-hook.runner';
import { pathOf, routeOf } from './route.util';

const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/**
 * The HTTP instrumentation's configuration for this app. The instrumentation owns the SERVER span
 * (opened in the server's `request` emit, before any middleware; ended when the response closes)
 * and names it `METHOD route` from `getRPCMetadata(...).route`; we only feed it.
 */
export function httpInstrumentationConfig(
  config: ResolvedTracingConfig,
  hooks: RequestHookRunner,
): HttpInstrumentationConfig {
  const { excludedUrls, tracedRequestAttributes, captureHeaders: headers } = config;
  return {
    requireParentforOutgoingSpans: true,
    ignoreIncomingRequestHook:
      excludedUrls.length > 0
        ? (request) => {
            const path = pathOf(request.url);
            return excludedUrls.some((pattern) => pattern.test(path));
          }
        : undefined,
    startIncomingSpanHook:
      headers.request.length > 0
        ? (request) =>
            captureHeaders('request', headers.request, headers.sanitize, (name) => request.headers[name])
        : undefined,
    responseHook: (_span, response) => {
      if (response instanceof ServerResponse) response.on('finish', recordRouteIfMissing);
    },
    applyCustomAttributesOnSpan: (span, request, response) => {
      if (!(response instanceof ServerResponse)) return;
      // The instrumentation names a span by the raw method; the conventions say `HTTP` for one
      // outside the known set (it already records http.request.method=_OTHER).
      const method = (request as IncomingMessage).method;
      if (method !== undefined && !KNOWN_METHODS.has(method)) {
        const route = getRPCMetadata(context.active())?.route;
        span.updateName(route ? `HTTP ${route}` : 'HTTP');
      }
      if (tracedRequestAttributes.length > 0) {
        span.setAttributes(pickRequestAttributes(request as IncomingMessage, tracedRequestAttributes));
      }
      if (headers.response.length > 0) {
        span.setAttributes(
          captureHeaders('response', headers.response, headers.sanitize, (name) => response.getHeader(name)),
        );
      }
      hooks.onResponse(span, request, response);
    },
  };
}

/**
 * Runs when the response is written (before the instrumentation reads the route on `close`). The
 * global interceptor sets the route for requests that reach a handler; this covers the ones that
 * end earlier, e.g. a guard's 401, where interceptors never run but the adapter already matched.
 * It runs in the request's context because the instrumentation bound the response emitter to it.
 */
function recordRouteIfMissing(this: ServerResponse): void {
  const rpc = getRPCMetadata(context.active());
  if (rpc?.type !== RPCType.HTTP || rpc.route !== undefined) return;
  const route = routeOf(this.req);
  if (route !== undefined) rpc.route = route;
}

function pickRequestAttributes(request: IncomingMessage, names: readonly string[]): Attributes {
  const attributes: Attributes = {};
  for (const name of names) {
    let value: unknown;
    try {
      // Express defines several of these (`ip`, `hostname`, `protocol`) as getters that may throw.
      value = (request as unknown as Record<string, unknown>)[name];
    } catch {
      continue;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      attributes[name] = value;
    }
  }
  return attributes;
}
