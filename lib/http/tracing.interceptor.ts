import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { context, type Span } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { tap, type Observable } from 'rxjs';
import { TracingRuntime } from '../tracing.runtime';
import { routeOf } from './route.util';

/**
 * Registered globally by `TracingModule`. Interceptors run after guards, so this is where the
 * route is known and the authenticated user is set. The active span here is a Nest span, not the
 * SERVER span: the SERVER span and its route slot come from the HTTP instrumentation's RPC
 * metadata, which also renames the span `GET /orders/:id` and puts `http.route` on metrics.
 */
@Injectable()
export class TracingInterceptor implements NestInterceptor {
  constructor(private readonly runtime: TracingRuntime) {}

  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (executionContext.getType() !== 'http') return next.handle();
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type !== RPCType.HTTP) return next.handle();
    const request = executionContext.switchToHttp().getRequest<unknown>();
    rpc.route ??= routeOf(request);
    this.runtime.hooks.onRequest(rpc.span, request);
    const span = rpc.span;
    // Nest's exception filter turns the error into a 500 before the HTTP instrumentation sees it,
    // so this is the last place where the exception itself can be put on the SERVER span.
    return next.handle().pipe(tap({ error: (error: unknown) => recordServerError(span, error) }));
  }
}

function recordServerError(span: Span, error: unknown): void {
  const status = (error as { getStatus?: () => number })?.getStatus?.();
  // A 4xx is the client's error, not the server's: the semantic conventions leave it unset.
  if (typeof status === 'number' && status < 500) return;
  if (error instanceof Error) span.recordException(error);
}
