import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, diag, type Context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { startSpanWithAttributes } from '../sdk/span-start';
import { LOG_PREFIX, TRACER_NAME } from '../tracing.constants';
import { routeOf } from './route.util';
import { requestAttributes, spanMethodOf } from './server-span.attributes';

/** What phase 2 tells the instrumentation about this app; until then requests pass untouched. */
export interface ServerSpanSettings {
  /** True for a request that gets no span and no context work at all (health probes). */
  isExcluded(request: IncomingMessage): boolean;
  /** Query parameters whose values are recorded as REDACTED. */
  readonly redactedQueryParams: ReadonlySet<string>;
  /** Hand the attributes to `startSpan` (user span processors may read them in `onStart`). */
  readonly attributesAtStart: boolean;
  /** Extra attributes when the span starts (captured request headers). */
  onStart?(request: IncomingMessage): Attributes | undefined;
  /** Runs once the response is over, just before the span ends (attributes, user hooks). */
  onEnd?(span: Span, request: IncomingMessage, response: ServerResponse): void;
}

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
interface ServerModule {
  Server: { prototype: { emit: Emit } };
}

/**
 * The SERVER span, opened in the http(s) server's `request` emit — before any middleware — and
 * ended when the response closes. It does what the stock HTTP instrumentation's incoming side does
 * that a NestJS service needs (W3C extraction, stable attributes, the route from
 * `getRPCMetadata(...).route`, 5xx = ERROR) and skips what it pays for and we do not use: binding
 * both emitters to the context, per-request metric attribute maps, hook indirection per field.
 * The HTTP instrumentation still owns outgoing calls.
 */
export class ServerSpanInstrumentation extends InstrumentationBase {
  private settings?: ServerSpanSettings;

  constructor() {
    super(`${TRACER_NAME}/http-server`, '0.1.0', {});
  }

  configure(settings: ServerSpanSettings): void {
    this.settings = settings;
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return (['http', 'https'] as const).map(
      (scheme) =>
        new InstrumentationNodeModuleDefinition(
          scheme,
          ['*'],
          (module: ServerModule) => {
            this._wrap(module.Server.prototype, 'emit', (original: Emit) => this.patchEmit(original, scheme));
            return module;
          },
          (module: ServerModule) => {
            if (module) this._unwrap(module.Server.prototype, 'emit');
          },
        ),
    );
  }

  private patchEmit(original: Emit, scheme: 'http' | 'https'): Emit {
    // Arrow functions keep the instrumentation; `emit` itself must keep the server as `this`.
    const enter = (request: IncomingMessage, response: ServerResponse): Context | undefined => {
      const settings = this.settings;
      if (settings === undefined || settings.isExcluded(request)) return undefined;
      try {
        return this.start(settings, scheme, request, response);
      } catch (error) {
        diag.error(`${LOG_PREFIX} could not start the SERVER span; the request is served untraced`, error);
        return undefined;
      }
    };
    return function emit(this: unknown, event: string | symbol): boolean {
      // eslint-disable-next-line prefer-rest-params -- every server event passes through: no copies
      if (event !== 'request') return original.apply(this, arguments as unknown as Parameters<Emit>);
      // eslint-disable-next-line prefer-rest-params
      const request = arguments[1] as IncomingMessage;
      // eslint-disable-next-line prefer-rest-params
      const response = arguments[2] as ServerResponse;
      const ctx = enter(request, response);
      if (ctx === undefined) return original.call(this, event, request, response);
      return context.with(ctx, original, this, event, request, response);
    };
  }

  private start(settings: ServerSpanSettings, scheme: 'http' | 'https', request: IncomingMessage, response: ServerResponse): Context {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const method = spanMethodOf(request.method);
    const span = startSpanWithAttributes(this.tracer, method, SpanKind.SERVER, parent, settings.attributesAtStart, () => {
      const attributes = requestAttributes(request, scheme, settings.redactedQueryParams);
      const extra = settings.onStart?.(request);
      return extra ? Object.assign(attributes, extra) : attributes;
    });
    const rpc = new HttpRpcMetadata(span);
    const ctx = setRPCMetadata(trace.setSpan(parent, span), rpc);
    // A body arrives in socket callbacks that run outside this context; the parser's `data`/`end`
    // listeners (and everything body-parser runs after them) need it. No body: nothing to bind.
    if (hasBody(request)) context.bind(ctx, request);
    // `close` follows `finish` and also fires when the client goes away first: one listener.
    response.once('close', () => this.end(settings, method, span, rpc, request, response));
    return ctx;
  }

  private end(settings: ServerSpanSettings, method: string, span: Span, rpc: RPCMetadata, request: IncomingMessage, response: ServerResponse): void {
    try {
      const status = response.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        span.setAttribute('error.type', String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      // Set early when an onRequest hook runs; otherwise the adapter's match (also after a guard's 401).
      const route = rpc.route ?? routeOf(request);
      if (route !== undefined) {
        span.setAttribute('http.route', route);
        span.updateName(`${method} ${route}`);
      }
      settings.onEnd?.(span, request, response);
    } catch (error) {
      diag.error(`${LOG_PREFIX} could not complete the SERVER span`, error);
    } finally {
      span.end();
    }
  }
}

/**
 * `getRPCMetadata(...)` for this request: where the route lands and how Nest code reaches the
 * SERVER span. A class instance, not an object literal: V8 pretenures a literal whose objects
 * mostly survive young collections, and this one did early under load (its span waits in the
 * export queue); from then on every one was born old and kept its young span graph alive until a
 * full collection (bench/README.md, "Where the memory goes"). Constructed objects are never pretenured.
 */
class HttpRpcMetadata implements RPCMetadata {
  readonly type = RPCType.HTTP;
  route?: string;

  constructor(readonly span: Span) {}
}

function hasBody(request: IncomingMessage): boolean {
  const { headers } = request;
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}
