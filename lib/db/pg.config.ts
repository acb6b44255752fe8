import type { ResolvedTracingConfig } from '../sdk/tracing.config';
import type { PgSpanSettings } from './pg-query.span';

/**
 * Database spans for this app: sqlcommenter and literal masking by default, no connect spans, and
 * no spans for queries outside a request (start-up, migrations, timers) unless asked for.
 */
export function pgSpanSettings(config: ResolvedTracingConfig): PgSpanSettings {
  return {
    requireParentSpan: !config.dbSpansOutsideRequests,
    sqlCommenter: config.sqlCommenter,
    sqlLiterals: config.sqlLiterals,
    connectSpans: config.dbConnectSpans,
    attributesAtStart: config.spanProcessors !== undefined,
  };
}
