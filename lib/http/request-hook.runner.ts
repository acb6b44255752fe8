import { diag, type Span } from '@opentelemetry/api';
import type { TracingRequestHook } from '../interfaces/tracing-hook.interface';
import { LOG_PREFIX } from '../tracing.constants';

/** A failing hook fails on every request: say so once per interval, with the count. */
const REPORT_INTERVAL_MILLIS = 30_000;

/**
 * Calls the user's hook without ever letting it touch the request: a throw or a rejected promise
 * is reported through `diag` (each distinct failure at most once per interval), and a returned
 * promise is never awaited (a slow or never-settling hook must not delay the response).
 */
export class RequestHookRunner {
  private readonly reported = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly hook?: TracingRequestHook) {}

  get hasOnRequest(): boolean {
    return typeof this.hook?.onRequest === 'function';
  }

  get hasOnResponse(): boolean {
    return typeof this.hook?.onResponse === 'function';
  }

  onRequest(span: Span, request: unknown): void {
    const hook = this.hook;
    if (!hook?.onRequest || !span.isRecording()) return;
    try {
      this.settle('onRequest', hook.onRequest(span, request));
    } catch (error) {
      this.report('onRequest', error);
    }
  }

  onResponse(span: Span, request: unknown, response: unknown): void {
    const hook = this.hook;
    if (!hook?.onResponse || !span.isRecording()) return;
    try {
      this.settle('onResponse', hook.onResponse(span, request, response));
    } catch (error) {
      this.report('onResponse', error);
    }
  }

  /** A hook may be async: its rejection is reported, and it is never awaited. */
  private settle(method: string, result: unknown): void {
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(undefined, (error: unknown) => this.report(method, error));
    }
  }

  private report(method: string, error: unknown): void {
    const key = `${method}:${error instanceof Error ? error.message : String(error)}`;
    const now = Date.now();
    const seen = this.reported.get(key);
    if (seen && now - seen.at < REPORT_INTERVAL_MILLIS) {
      seen.suppressed += 1;
      return;
    }
    if (this.reported.size >= 100) this.reported.delete(this.reported.keys().next().value!);
    this.reported.set(key, { at: now, suppressed: 0 });
    const repeats = seen?.suppressed ? ` (and ${seen.suppressed} more time(s) since the last report)` : '';
    diag.error(`${LOG_PREFIX} requestHook.${method} failed; the request was not affected${repeats}`, error);
  }
}
