import { outgoingHttpConfig, undiciInstrumentationConfig } from '../http/client-span.config';
import { httpInstrumentationConfig } from '../http/server-span.config';
import type { RequestHookRunner } from '../http/request-hook.runner';
import { pgInstrumentationConfig } from '../db/pg.config';
import type { TracingInstrumentations } from './instrumentations';
import type { ResolvedTracingConfig } from './tracing.config';

/** Gives the phase-1 instrumentations the app's final configuration (options, env, hooks). */
export function configureInstrumentations(
  instrumentations: TracingInstrumentations,
  config: ResolvedTracingConfig,
  hooks: RequestHookRunner,
): void {
  instrumentations.http.setConfig({ ...httpInstrumentationConfig(config, hooks), ...outgoingHttpConfig(config) });
  instrumentations.undici.setConfig(undiciInstrumentationConfig(config));
  instrumentations.pg.setConfig(pgInstrumentationConfig(config));
}
