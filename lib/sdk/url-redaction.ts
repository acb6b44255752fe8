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
