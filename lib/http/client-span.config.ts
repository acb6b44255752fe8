import type { OutgoingHttpHeaders, RequestOptions } from 'node:http';
import { context, propagation } from '@opentelemetry/api';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { UndiciInstrumentationConfig, UndiciRequest } from '@opentelemetry/instrumentation-undici';
import type { ResolvedTracingConfig } from '../sdk/tracing.config';
import { redactUrl } from '../sdk/url-redaction';

/**
 * Outgoing calls made while handling a request: `node:http`/`https` (and so `@nestjs/axios`)
 * through the HTTP instrumentation, global `fetch` through the undici one. Both only record a
 * CLIENT span under a request's span (`requireParent...`), never for timers or the exporter.
 *
 * With `outgoingSpans: false` the instrumentations skip the call, and we inject the request's
 * context ourselves from their ignore hooks, which run before the request's headers are built.
 */
export function outgoingHttpConfig(
  config: ResolvedTracingConfig,
): Pick<HttpInstrumentationConfig, 'ignoreOutgoingRequestHook' | 'redactedQueryParams'> {
  return {
    redactedQueryParams: config.redactedQueryParams,
    ignoreOutgoingRequestHook: config.outgoingSpans
      ? undefined
      : (options: RequestOptions) => {
          // A copy: the caller may reuse its headers object for other requests.
          const injected: OutgoingHttpHeaders = {};
          propagation.inject(context.active(), injected);
          const given = options.headers;
          options.headers = Array.isArray(given)
            ? [...(given as readonly string[]), ...Object.entries(injected).flatMap(([key, value]) => [key, String(value)])]
            : { ...(given as OutgoingHttpHeaders | undefined), ...injected };
          return true;
        },
  };
}

export function undiciInstrumentationConfig(config: ResolvedTracingConfig): UndiciInstrumentationConfig {
  const sensitive = new Set(config.redactedQueryParams);
  return {
    requireParentforSpans: true,
    // undici reports `url.full` and `url.query` verbatim; apply the same redaction as for node:http.
    startSpanHook: (request: UndiciRequest) => redactedUrlAttributes(request, sensitive),
    ignoreRequestHook: config.outgoingSpans
      ? undefined
      : (request: UndiciRequest) => {
          propagation.inject(context.active(), request, { set: (carrier, key, value) => carrier.addHeader(key, value) });
          return true;
        },
  };
}

function redactedUrlAttributes(request: UndiciRequest, sensitive: ReadonlySet<string>): Record<string, string> {
  const path = redactUrl(request.path, sensitive);
  if (path === undefined) return {};
  return { 'url.full': `${request.origin}${path}`, 'url.query': path.slice(path.indexOf('?')) };
}
