import { LOG_PREFIX } from './tracing.constants';

/**
 * A configuration mistake: thrown at start-up with a message that says what to change. Lives apart
 * from the config code so the cluster primary can throw it without loading any OpenTelemetry code.
 */
export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
  constructor(message: string) {
    super(`${LOG_PREFIX} ${message}`);
  }
}
