/** What a statement does and to which table: the parts of a low-cardinality span name. */
export interface SqlSummary {
  /** `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `BEGIN`, ... */
  operation?: string;
  /** The first table the statement targets, unquoted, e.g. `orders` or `sales.orders`. */
  collection?: string;
  /** `SELECT orders`, or `SELECT`, or `postgresql` when nothing could be read. */
  spanName: string;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const QUALIFIED = String.raw`(${IDENT}(?:\s*\.\s*${IDENT}){0,2})`;
const TARGET: Record<string, RegExp> = {
  SELECT: new RegExp(String.raw`\bFROM\s+${QUALIFIED}`, 'i'),
  DELETE: new RegExp(String.raw`\bFROM\s+(?:ONLY\s+)?${QUALIFIED}`, 'i'),
  INSERT: new RegExp(String.raw`\bINTO\s+${QUALIFIED}`, 'i'),
  UPDATE: new RegExp(String.raw`^\s*UPDATE\s+(?:ONLY\s+)?${QUALIFIED}`, 'i'),
};
const LEADING_COMMENTS = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/;

// Statements repeat (ORMs send the same parameterised text over and over), so parsing is cached.
// The cache is bounded: inline-literal SQL with ever-changing text must not grow memory.
const CACHE_LIMIT = 500;
const cache = new Map<string, SqlSummary>();

/**
 * Reads operation and table from SQL text without a full parser, for span names like the guide's
 * `SELECT orders` (instrumentation-pg's own name, `pg.query:SELECT <db>`, says nothing of the table).
 */
export function summarizeSql(text: string): SqlSummary {
  const cached = cache.get(text);
  if (cached) return cached;
  const summary = parse(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, summary);
  return summary;
}

function parse(text: string): SqlSummary {
  const body = text.replace(LEADING_COMMENTS, '');
  const keyword = /^[A-Za-z]+/.exec(body)?.[0]?.toUpperCase();
  if (!keyword) return { spanName: 'postgresql' };
  const match = TARGET[keyword]?.exec(body);
  const collection = match ? unquote(match[1]) : undefined;
  return {
    operation: keyword,
    collection,
    spanName: collection ? `${keyword} ${collection}` : keyword,
  };
}

function unquote(qualified: string): string {
  return (qualified.match(/"(?:[^"]|"")+"|[A-Za-z_][\w$]*/g) ?? [])
    .map((part) => (part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part))
    .join('.');
}
