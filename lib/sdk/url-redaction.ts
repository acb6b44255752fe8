import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';

export const REDACTED = 'REDACTED';

/**
 * `url` with the values of `sensitive` query parameters replaced by REDACTED; undefined when
 * nothing needed it. Works on absolute and on path-only URLs, and keeps the form it was given.
 */
export function redactUrl(url: string, sensitive: ReadonlySet<string>): string | undefined {
  const query = url.indexOf('?');
  if (query < 0 || sensitive.size === 0) return undefined;
  const params = new URLSearchParams(url.slice(query + 1).split('#')[0]);
  let changed = false;
  for (const key of new Set(params.keys())) {
    if (!sensitive.has(key)) continue;
    params.set(key, REDACTED);
    changed = true;
  }
  return changed ? `${url.slice(0, query)}?${params.toString()}` : undefined;
}

/**
 * Redacts `url.full` on spans whose instrumentation has no redaction of its own — the Nest
 * `request_context` span records the raw request URL — at start, before any processor exports
 * it. (The HTTP and undici spans are redacted by their own configuration.)
 */
export class UrlRedactionSpanProcessor implements SpanProcessor {
  private readonly sensitive: ReadonlySet<string>;

  constructor(sensitive: Iterable<string>) {
    this.sensitive = new Set(sensitive);
  }

  onStart(span: Span): void {
    const full = span.attributes['url.full'];
    if (typeof full !== 'string') return;
    const redacted = redactUrl(full, this.sensitive);
    if (redacted !== undefined) span.setAttribute('url.full', redacted);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
