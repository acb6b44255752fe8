import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { redactUrl } from '../sdk/url-redaction';

type Handler = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The optional Nest INTERNAL spans (`nestSpans: true`), named and attributed as the OpenTelemetry
 * nestjs-core instrumentation names them, so dashboards built on that keep working:
 * `OrdersController.findOne` (`nestjs.type=request_context`: guards, interceptors, pipes and the
 * handler) around `findOne` (`nestjs.type=handler`: the controller method alone).
 */
export function spanController(
  tracer: Tracer,
  version: string | undefined,
  instance: object,
  callback: Handler,
  sensitive: () => ReadonlySet<string>,
): {
  callback: Handler;
  wrapRoute(route: Handler): Handler;
} {
  const controller = instance?.constructor?.name || 'UnnamedInstance';
  const callbackName = callback?.name ?? '';
  const common: Attributes = { component: '@nestjs/core', 'nestjs.version': version };
  const handlerAttributes: Attributes = { ...common, 'nestjs.type': 'handler', 'nestjs.callback': callbackName };
  const handler = function (this: unknown): unknown {
    // eslint-disable-next-line prefer-rest-params
    return inSpan(tracer.startSpan(callbackName || 'anonymous nest handler', { attributes: handlerAttributes }), callback, this, arguments);
  };
  if (callbackName) Object.defineProperty(handler, 'name', { value: callbackName });
  // Nest reads guards, pipes, @HttpCode and the rest from the callback's metadata: keep it there.
  for (const key of Reflect.getMetadataKeys(callback)) Reflect.defineMetadata(key, Reflect.getMetadata(key, callback), handler);
  const name = callbackName ? `${controller}.${callbackName}` : controller;
  return {
    callback: handler,
    wrapRoute: (route) =>
      function (this: unknown, request: unknown): unknown {
        const req = request as { route?: { path?: string }; method?: string; originalUrl?: string; url?: string } | undefined;
        const attributes: Attributes = {
          ...common,
          'nestjs.type': 'request_context',
          'http.route': req?.route?.path,
          'nestjs.controller': controller,
          'nestjs.callback': callbackName,
          'http.request.method': req?.method,
          'url.full': fullUrl(req?.originalUrl ?? req?.url, sensitive()),
        };
        // eslint-disable-next-line prefer-rest-params
        return inSpan(tracer.startSpan(name, { attributes }), route, this, arguments);
      },
  };
}

/** The raw request URL, with the values of sensitive query parameters redacted. */
function fullUrl(url: string | undefined, sensitive: ReadonlySet<string>): string | undefined {
  return url === undefined ? undefined : (redactUrl(url, sensitive) ?? url);
}

function inSpan(span: Span, fn: Handler, self: unknown, args: IArguments): Promise<unknown> {
  return context.with(trace.setSpan(context.active(), span), async () => {
    try {
      return await fn.apply(self, args as unknown as unknown[]);
    } catch (error) {
      if (error instanceof Error) {
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}
