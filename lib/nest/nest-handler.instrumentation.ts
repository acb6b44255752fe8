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
  /** Query parameters redacted in the Nest request-context span's `url.full`. */
  redactedQueryParams: ReadonlySet<string> = new Set();
  /** The app's `requestHook.onRequest`, run through its runner (never throws). */
  onRequest?: (span: Span, request: unknown) => void;

  constructor() {
    super(`${TRACER_NAME}/nestjs-handler`, '0.1.0', {});
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const files = [
      this.wrapFile('router/router-execution-context.js', 'RouterExecutionContext', 'create', (original, version) =>
        this.wrapCreate(original as Create, version),
      ),
      this.wrapFile('exceptions/exceptions-handler.js', 'ExceptionsHandler', 'next', (original) => wrapNext(original as Next)),
      this.wrapFile('interceptors/interceptors-consumer.js', 'InterceptorsConsumer', 'intercept', (original) =>
        this.wrapIntercept(original as Intercept),
      ),
    ];
    return [new InstrumentationNodeModuleDefinition('@nestjs/core', SUPPORTED, undefined, undefined, files)];
  }

  /** One method of one class exported by a `@nestjs/core` file, wrapped and unwrapped. */
  private wrapFile(
    file: string,
    className: string,
    method: string,
    wrapper: (original: unknown, version: string | undefined) => unknown,
  ): InstrumentationNodeModuleFile {
    type Exports = Record<string, { prototype: Record<string, unknown> }>;
    return new InstrumentationNodeModuleFile(
      `@nestjs/core/${file}`,
      SUPPORTED,
      (module: Exports, version?: string) => {
        this._wrap(module[className].prototype, method, (original: unknown) => wrapper(original, version) as never);
        return module;
      },
      (module: Exports | undefined) => {
        if (module) this._unwrap(module[className].prototype, method);
      },
    );
  }

  private wrapCreate(original: Create, version: string | undefined): Create {
    const nestSpans = (): boolean | undefined => this.nestSpans;
    const tracer = (): Tracer => this.tracer;
    const sensitive = (): ReadonlySet<string> => this.redactedQueryParams;
    return function create(this: unknown, instance: object, callback: Handler, ...rest: unknown[]): Handler {
      // (…, methodName, moduleKey, requestMethod, contextId): a request-scoped controller gets a
      // handler per request, long after phase 2; build only the variant the option asks for.
      const known = rest[3] !== undefined ? nestSpans() : undefined;
      let spanned: Handler | undefined;
      if (known !== false) {
        const spans = spanController(tracer(), version, instance, callback, sensitive);
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
