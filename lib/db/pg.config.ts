import type { PgInstrumentationConfig } from '@opentelemetry/instrumentation-pg';
import type { ResolvedTracingConfig } from '../sdk/tracing.config';
import { ATTR_DB_COLLECTION_NAME, ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_TEXT } from '../sdk/semconv';
import { maskSqlLiterals } from './sql-literals';
import { summarizeSql } from './sql-summary';

/**
 * The pg instrumentation's configuration: stable database conventions (it emits `db.system.name`,
 * `db.namespace`, `db.query.text` with `$1` placeholders; we add operation and collection and the
 * span name), never bind values, sqlcommenter by default, and no connect or out-of-request spans.
 */
export function pgInstrumentationConfig(config: ResolvedTracingConfig): PgInstrumentationConfig {
  return {
    enhancedDatabaseReporting: false,
    requireParentSpan: !config.dbSpansOutsideRequests,
    ignoreConnectSpans: !config.dbConnectSpans,
    addSqlCommenterCommentToQueries: config.sqlCommenter,
    requestHook: (span, { query }) => {
      if (typeof query.text !== 'string') return;
      if (config.sqlLiterals === 'mask') {
        const masked = maskSqlLiterals(query.text);
        if (masked !== query.text) span.setAttribute(ATTR_DB_QUERY_TEXT, masked);
      }
      const summary = summarizeSql(query.text);
      span.updateName(summary.spanName);
      if (summary.operation) span.setAttribute(ATTR_DB_OPERATION_NAME, summary.operation);
      if (summary.collection) span.setAttribute(ATTR_DB_COLLECTION_NAME, summary.collection);
    },
  };
}
