import { getBooleanFromEnv } from '@opentelemetry/core';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PgInstrumentation } from '../db/pg.instrumentation';
import { ServerSpanInstrumentation } from '../http/server-span.instrumentation';
import { NestHandlerInstrumentation } from '../nest/nest-handler.instrumentation';
import { INSTRUMENTATIONS_KEY } from '../tracing.constants';

/** The instrumentations the product needs, and only those: no fs/net/dns noise. */
export interface TracingInstrumentations {
  /** The SERVER span of each incoming request (ours: leaner than the HTTP instrumentation's). */
  readonly server: ServerSpanInstrumentation;
  /** Outgoing `node:http`/`https` calls only. */
  readonly http: HttpInstrumentation;
  /** Nest's part: controller names, 5xx exceptions, the `onRequest` hook, the optional Nest spans. */
  readonly nest: NestHandlerInstrumentation;
  /** Query spans (and the pool's callback context) for `pg`. */
  readonly pg: PgInstrumentation;
  /** Global `fetch`: undici reports through diagnostics channels, so nothing is patched. */
  readonly undici: UndiciInstrumentation;
}

type GlobalWithRegistry = typeof globalThis & {
  [INSTRUMENTATIONS_KEY]?: TracingInstrumentations;
};

/**
 * Phase 1: construct and enable the instrumentations so their require hooks exist before the app
 * loads `http`, `@nestjs/core` and `pg`. No provider, no exporter, no network: spans start flowing
 * only when `TracingModule` registers a provider. Idempotent across copies of this file.
 */
export function registerInstrumentations(): TracingInstrumentations | undefined {
  const registry = globalThis as GlobalWithRegistry;
  const existing = registry[INSTRUMENTATIONS_KEY];
  if (existing) return existing;
  // A disabled SDK costs nothing: no patched module at all.
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return undefined;
  const instrumentations: TracingInstrumentations = {
    // Until phase 2 configures them, these are safe defaults: no client spans outside a request.
    server: new ServerSpanInstrumentation(),
    // Read when `http` is patched, so it must be set here: the SERVER span is ours.
    http: new HttpInstrumentation({ requireParentforOutgoingSpans: true, disableIncomingRequestInstrumentation: true }),
    nest: new NestHandlerInstrumentation(),
    pg: new PgInstrumentation(),
    undici: new UndiciInstrumentation({ requireParentforSpans: true }),
  };
  registry[INSTRUMENTATIONS_KEY] = instrumentations;
  return instrumentations;
}

/** The instrumentations phase 1 registered in this process, if it ran. */
export function getRegisteredInstrumentations(): TracingInstrumentations | undefined {
  return (globalThis as GlobalWithRegistry)[INSTRUMENTATIONS_KEY];
}

export function listInstrumentations(set: TracingInstrumentations): InstrumentationBase[] {
  return [set.server, set.http, set.nest, set.pg, set.undici];
}
