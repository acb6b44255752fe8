import { diag, type Span } from '@opentelemetry/api';
import type { TracingRequestHook } from '../interfaces/tracing-hook.interface';
import { LOG_PREFIX } from '../tracing.constants';

/**
 * Calls the user's hook without ever letting it touch the request: a throw or a rejected promise
 * is reported through `diag`, and a returned promise is never awaited (a slow hook must not delay
 * the response).
 */
export class RequestHookRunner {
  constructor(private readonly hook?: TracingRequestHook) {}

  onRequest(span: Span, request: unknown): void {
    const hook = this.hook;
    if (!hook?.onRequest || !span.isRecording()) return;
    try {
      settle('onRequest', hook.onRequest(span, request));
    } catch (error) {
      report('onRequest', error);
    }
  }

  onResponse(span: Span, request: unknown, response: unknown): void {
    const hook = this.hook;
    if (!hook?.onResponse || !span.isRecording()) return;
    try {
      settle('onResponse', hook.onResponse(span, request, response));
    } catch (error) {
      report('onResponse', error);
    }
  }
}

/** A hook may be async: its rejection is reported, and it is never awaited. */
function settle(method: string, result: unknown): void {
  if (result && typeof (result as Promise<void>).then === 'function') {
    (result as Promise<void>).then(undefined, (error: unknown) => report(method, error));
  }
}

function report(method: string, error: unknown): void {
  diag.error(`${LOG_PREFIX} requestHook.${method} failed; the request was not affected`, error);
}
