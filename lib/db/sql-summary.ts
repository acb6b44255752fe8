/** What a statement does and to which table: the parts of a low-cardinality span name. */
export interface SqlSummary {
  /** `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `BEGIN`, ... */
  operation?: string;
  /** The first table the statement targets, unquoted, e.g. `orders` or `sales.orders`. */
  collection?: string;
  /** `SELECT orders`, or `SELECT`, or `postgresql` when nothing could be read. */
  spanName: string;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$]*)`;
const QUALIFIED = String.raw`(${IDENT}(?:\s*\.\s*${IDENT}){0,2})`;
const TARGET: Record<string, RegExp> = {
  SELECT: new RegExp(String.raw`\bFROM\s+(?:ONLY\s+)?${QUALIFIED}`, 'iu'),
  DELETE: new RegExp(String.raw`\bFROM\s+(?:ONLY\s+)?${QUALIFIED}`, 'iu'),
  INSERT: new RegExp(String.raw`\bINTO\s+${QUALIFIED}`, 'iu'),
  UPDATE: new RegExp(String.raw`^\s*UPDATE\s+(?:ONLY\s+)?${QUALIFIED}`, 'iu'),
};
const LEADING_NOISE = /^(?:\s+|\(|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/;

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
  const body = text.replace(LEADING_NOISE, '');
  const keyword = /^[A-Za-z]+/.exec(body)?.[0]?.toUpperCase();
  if (!keyword) return { spanName: 'postgresql' };
  const match = TARGET[keyword]?.exec(topLevel(body));
  const collection = match ? unquote(match[1]) : undefined;
  return {
    operation: keyword,
    collection,
    spanName: collection ? `${keyword} ${collection}` : keyword,
  };
}

/**
 * Blanks out string literals and parenthesised parts (function calls, subqueries) so that only the
 * statement's own clauses are searched: `EXTRACT(YEAR FROM x)` or `'a from b'` name no table.
 * Quoted identifiers are kept, parentheses or quotes inside them included.
 */
function topLevel(sql: string): string {
  let out = '';
  let depth = 0;
  let quote: string | undefined; // the quote character we are inside, if any
  for (const ch of sql) {
    let keep: boolean;
    if (quote !== undefined) {
      keep = quote === '"' && depth === 0; // identifier text stays, literal text goes
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      keep = ch === '"' && depth === 0;
    } else if (ch === '(') {
      depth += 1;
      keep = depth === 1; // outermost parentheses stay: `FROM (subquery) t` names no table
    } else if (ch === ')') {
      keep = depth === 1;
      depth = Math.max(0, depth - 1);
    } else {
      keep = depth === 0;
    }
    out += keep ? ch : ' ';
  }
  return out;
}

function unquote(qualified: string): string {
  return (qualified.match(/"(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$]*/gu) ?? [])
    .map((part) => (part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part))
    .join('.');
}
