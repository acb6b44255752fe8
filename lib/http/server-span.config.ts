import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import type { ResolvedTracingConfig } from '../sdk/tracing.config';
import { captureHeaders } from './header-capture';
import type { RequestHookRunner } from './request-hook.runner';
import { pathOf } from './route.util';
import type { ServerSpanSettings } from './server-span.instrumentation';

/**
 * The SERVER span's configuration for this app: which requests are not traced, which headers and
 * request properties are recorded, and the user's `onResponse` hook. Every optional step is left
 * out when it is not configured, so the default request path runs none of them.
 */
export function serverSpanSettings(config: ResolvedTracingConfig, hooks: RequestHookRunner): ServerSpanSettings {
  const { excludedUrls, tracedRequestAttributes, captureHeaders: headers } = config;
  const requestHeaders = headers.request.length > 0;
  const responseHeaders = headers.response.length > 0;
  const pick = tracedRequestAttributes.length > 0;
  return {
    isExcluded:
      excludedUrls.length > 0
        ? (request) => {
            const path = pathOf(request.url);
            return excludedUrls.some((pattern) => pattern.test(path));
          }
        : () => false,
    redactedQueryParams: new Set(config.redactedQueryParams),
    attributesAtStart: config.spanProcessors !== undefined,
    onStart: requestHeaders
      ? (request) => captureHeaders('request', headers.request, headers.sanitize, (name) => request.headers[name])
      : undefined,
    onEnd:
      pick || responseHeaders || hooks.hasOnResponse
        ? (span, request, response) => {
            if (pick) span.setAttributes(pickRequestAttributes(request, tracedRequestAttributes));
            if (responseHeaders) {
              span.setAttributes(
                captureHeaders('response', headers.response, headers.sanitize, (name) => response.getHeader(name)),
              );
            }
            hooks.onResponse(span, request, response);
          }
        : undefined,
  };
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
