import { diag, type TextMapPropagator } from '@opentelemetry/api';
import {
  CompositePropagator,
  getStringListFromEnv,
  W3CBaggagePropagator,
} from '@opentelemetry/core';
import { LOG_PREFIX } from '../tracing.constants';
import { TraceContextPropagator } from './trace-context.propagator';

const FACTORIES: Record<string, () => TextMapPropagator> = {
  tracecontext: () => new TraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
};

/**
 * The global propagator from OTEL_PROPAGATORS (default `tracecontext,baggage`). `null` means
 * "register none" (`none`). Names we do not ship (b3, jaeger, xray) are skipped with one warning,
 * as the specification asks, rather than failing the app.
 */
export function propagatorFromEnv(): TextMapPropagator | null {
  const names = getStringListFromEnv('OTEL_PROPAGATORS') ?? ['tracecontext', 'baggage'];
  if (names.includes('none')) return null;
  const propagators: TextMapPropagator[] = [];
  for (const name of new Set(names)) {
    const factory = FACTORIES[name];
    if (factory) propagators.push(factory());
    else diag.warn(`${LOG_PREFIX} OTEL_PROPAGATORS: "${name}" is not supported (use tracecontext, baggage or none); ignored.`);
  }
  return new CompositePropagator({ propagators });
}
