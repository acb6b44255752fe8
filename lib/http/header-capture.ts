import type { Attributes } from '@opentelemetry/api';

export const REDACTED = '[REDACTED]';

type HeaderValue = string | string[] | number | undefined;

/**
 * Records the listed headers as `http.<kind>.header.<name>` string arrays (the semantic
 * conventions' shape), replacing sanitized ones with `[REDACTED]`. We do this ourselves because
 * the HTTP instrumentation's own header capture has no redaction.
 */
export function captureHeaders(
  kind: 'request' | 'response',
  names: readonly string[],
  sanitize: ReadonlySet<string>,
  read: (name: string) => HeaderValue,
): Attributes {
  const attributes: Attributes = {};
  for (const name of names) {
    const value = read(name);
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [String(value)];
    attributes[`http.${kind}.header.${name}`] = sanitize.has(name) ? values.map(() => REDACTED) : values;
  }
  return attributes;
}
