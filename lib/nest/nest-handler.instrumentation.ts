import { context, type Span, type Tracer } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import { routeOf } from '../http/route.util';
import { TRACER_NAME } from '../tracing.constants';
import { spanController } from './nest-spans';

type Handler = (this: unknown, ...args: unknown[]) => unknown;
type Create = (this: unknown, instance: object, callback: Handler, ...rest: unknown[]) => Handler;
type Next = (this: unknown, exception: unknown, host: unknown) => unknown;
type Intercept = (
  this: unknown,
  interceptors: unknown[],
  args: unknown[],
  instance: unknown,
  callback: unknown,
  next: unknown,
  type?: string,
) => Promise<unknown>;
interface InterceptorsConsumerModule {
  InterceptorsConsumer: { prototype: { intercept: Intercept } };
}
interface RouterExecutionContextModule {
  RouterExecutionContext: { prototype: { create: Create } };
}
interface ExceptionsHandlerModule {
  ExceptionsHandler: { prototype: { next: Next } };
}

const SUPPORTED = ['>=10.0.0 <12'];

/**
 * Nest's side of the SERVER span, with no global interceptor (any global interceptor makes Nest
 * run its rxjs interceptor chain on every request: the largest single cost measured in
 * bench/README.md):
 * - each route handler says which controller method served the request (`nestjs.controller`,
 *   `nestjs.callback` on the SERVER span), and runs with or without the two Nest INTERNAL spans,
 *   as `nestSpans` says (both variants are built at start-up, when the option is not known yet:
 *   Nest registers routes before `onModuleInit`);
 * - an exception that Nest turns into a 5xx is recorded on the SERVER span where Nest's router
 *   hands it to the exception filters;
 * - `requestHook.onRequest` runs where Nest enters the interceptor chain: after guards (so
 *   `request.user` is set), before interceptors, pipes and the handler, as a global interceptor
 *   would, and with the route already recorded.
 */
export class NestHandlerInstrumentation extends InstrumentationBase {
  /** Set in phase 2, read per request; `undefined` until then. */
  nestSpans?: boolean;
  /** The app's `requestHook.onRequest`, run through its runner (never throws). */
  onRequest?: (span: Span, request: unknown) => void;

  constructor() {
    super(`${TRACER_NAME}/nestjs-handler`, '0.1.0', {});
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const router = new InstrumentationNodeModuleFile(
      '@nestjs/core/router/router-execution-context.js',
      SUPPORTED,
      (module: RouterExecutionContextModule, version?: string) => {
        this._wrap(module.RouterExecutionContext.prototype, 'create', (original: Create) => this.wrapCreate(original, version));
        return module;
      },
      (module: RouterExecutionContextModule) => {
        if (module) this._unwrap(module.RouterExecutionContext.prototype, 'create');
      },
    );
    const exceptions = new InstrumentationNodeModuleFile(
      '@nestjs/core/exceptions/exceptions-handler.js',
      SUPPORTED,
      (module: ExceptionsHandlerModule) => {
        this._wrap(module.ExceptionsHandler.prototype, 'next', wrapNext);
        return module;
      },
      (module: ExceptionsHandlerModule) => {
        if (module) this._unwrap(module.ExceptionsHandler.prototype, 'next');
      },
    );
    const interceptors = new InstrumentationNodeModuleFile(
      '@nestjs/core/interceptors/interceptors-consumer.js',
      SUPPORTED,
      (module: InterceptorsConsumerModule) => {
        this._wrap(module.InterceptorsConsumer.prototype, 'intercept', (original: Intercept) => this.wrapIntercept(original));
        return module;
      },
      (module: InterceptorsConsumerModule) => {
        if (module) this._unwrap(module.InterceptorsConsumer.prototype, 'intercept');
      },
    );
    return [
      new InstrumentationNodeModuleDefinition('@nestjs/core', SUPPORTED, undefined, undefined, [router, exceptions, interceptors]),
    ];
  }

  private wrapCreate(original: Create, version: string | undefined): Create {
    const nestSpans = (): boolean | undefined => this.nestSpans;
    const tracer = (): Tracer => this.tracer;
    return function create(this: unknown, instance: object, callback: Handler, ...rest: unknown[]): Handler {
      // (…, methodName, moduleKey, requestMethod, contextId): a request-scoped controller gets a
      // handler per request, long after phase 2; build only the variant the option asks for.
      const known = rest[3] !== undefined ? nestSpans() : undefined;
      let spanned: Handler | undefined;
      if (known !== false) {
        const spans = spanController(tracer(), version, instance, callback);
        spanned = spans.wrapRoute(original.call(this, instance, spans.callback, ...rest));
      }
      const plain = known === true ? spanned! : original.call(this, instance, callback, ...rest);
      const attributes = {
        'nestjs.controller': instance?.constructor?.name || 'UnnamedInstance',
        'nestjs.callback': callback?.name ?? '',
      };
      return function handler(this: unknown): unknown {
        const rpc = getRPCMetadata(context.active());
        if (rpc?.type === RPCType.HTTP) rpc.span.setAttributes(attributes);
        // eslint-disable-next-line prefer-rest-params -- (req, res, next): passed on as they came
        return (spanned && nestSpans() ? spanned : plain).apply(this, arguments as unknown as unknown[]);
      };
    };
  }

  private wrapIntercept(original: Intercept): Intercept {
    const onRequest = (): ((span: Span, request: unknown) => void) | undefined => this.onRequest;
    // Called on every request, hook or not: fixed parameters, no rest array.
    return function intercept(this: unknown, interceptors, args, instance, callback, next, type): Promise<unknown> {
      const hook = onRequest();
      // Only HTTP requests have a SERVER span (`args` is `[req, res, next]`).
      if (hook !== undefined && type === 'http') {
        const rpc = getRPCMetadata(context.active());
        if (rpc?.type === RPCType.HTTP) {
          rpc.route ??= routeOf(args[0]);
          hook(rpc.span, args[0]);
        }
      }
      return original.call(this, interceptors, args, instance, callback, next, type);
    };
  }
}

function wrapNext(original: Next): Next {
  return function next(this: unknown, exception: unknown, host: unknown): unknown {
    try {
      const rpc = getRPCMetadata(context.active());
      if (rpc?.type === RPCType.HTTP) recordServerError(rpc.span, exception);
    } catch {
      // A user exception whose getStatus() throws: Nest's own filters will deal with it.
    }
    return original.call(this, exception, host);
  };
}

/** A 4xx is the client's error, not the server's: the semantic conventions leave it unset. */
function recordServerError(span: Span, error: unknown): void {
  const status = (error as { getStatus?: () => unknown } | null)?.getStatus?.();
  if (typeof status === 'number' && status < 500) return;
  if (error instanceof Error) span.recordException(error);
}
