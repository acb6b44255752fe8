/**
 * Replaces the literal values in SQL text — strings (`'a@b.c'`, `E'...'`, `$$...$$`) and numbers
 * (`42`, `3.5e2`) — by `?`, so a statement written with inline values records its shape, not the
 * data. Placeholders (`$1`), quoted identifiers (`"Order"`) and comments are kept. A small
 * scanner rather than a regex: a quote inside a string or an identifier must not flip the state.
 */
export function maskSqlLiterals(text: string): string {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const masked = scan(text);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(text, masked);
  return masked;
}

// ORMs repeat the same statement text; inline-literal SQL varies, so the cache is bounded.
const CACHE_LIMIT = 500;
const cache = new Map<string, string>();

const IDENT_CHAR = /[\p{L}\p{N}_$]/u;

function scan(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    const prev = i > 0 ? text[i - 1] : '';
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '"') {
      const stop = closing(text, i, '"', false);
      out += text.slice(i, stop);
      i = stop;
    } else if (c === "'") {
      // E'...' allows backslash escapes; the E itself is part of the literal.
      const escaped = (prev === 'E' || prev === 'e') && !IDENT_CHAR.test(text[i - 2] ?? '');
      if (escaped) out = out.slice(0, -1);
      i = closing(text, i, "'", escaped);
      out += '?';
    } else if (c === '$' && /\d/.test(next ?? '') && !IDENT_CHAR.test(prev)) {
      const match = /^\$\d+/.exec(text.slice(i))!;
      out += match[0];
      i += match[0].length;
    } else if (c === '$' && !IDENT_CHAR.test(prev) && /^\$([\p{L}_][\p{L}\p{N}_]*)?\$/u.test(text.slice(i))) {
      const tag = /^\$([\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(text.slice(i))![0];
      const end = text.indexOf(tag, i + tag.length);
      i = end < 0 ? text.length : end + tag.length;
      out += '?';
    } else if (/\d/.test(c) && !IDENT_CHAR.test(prev) && !(prev === '.' && IDENT_CHAR.test(text[i - 2] ?? ''))) {
      const match = /^\d+(?:\.\d*)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))!;
      out += '?';
      i += match[0].length;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** Index just past the quote that closes the one at `start` (doubled quotes stay inside). */
function closing(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    if (backslashEscapes && text[i] === '\\') {
      i += 2;
    } else if (text[i] === quote) {
      if (text[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  return text.length;
}
