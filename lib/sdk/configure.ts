import { outgoingHttpConfig, undiciInstrumentationConfig } from '../http/client-span.config';
import { serverSpanSettings } from '../http/server-span.config';
import type { RequestHookRunner } from '../http/request-hook.runner';
import { pgSpanSettings } from '../db/pg.config';
import type { TracingInstrumentations } from './instrumentations';
import type { ResolvedTracingConfig } from './tracing.config';

/** Gives the phase-1 instrumentations the app's final configuration (options, env, hooks). */
export function configureInstrumentations(
  instrumentations: TracingInstrumentations,
  config: ResolvedTracingConfig,
  hooks: RequestHookRunner,
): void {
  instrumentations.server.configure(serverSpanSettings(config, hooks));
  instrumentations.nest.nestSpans = config.nestSpans;
  instrumentations.nest.redactedQueryParams = new Set(config.redactedQueryParams);
  instrumentations.nest.onRequest = hooks.hasOnRequest ? (span, request) => hooks.onRequest(span, request) : undefined;
  instrumentations.http.setConfig({
    requireParentforOutgoingSpans: true,
    disableIncomingRequestInstrumentation: true,
    ...outgoingHttpConfig(config),
  });
  instrumentations.undici.setConfig(undiciInstrumentationConfig(config));
  instrumentations.pg.settings = pgSpanSettings(config);
}
