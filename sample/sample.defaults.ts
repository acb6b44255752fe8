/**
 * The sample's defaults, applied to the environment so that a variable the user sets still wins
 * (explicit TracingModule options would override the environment). Loads nothing.
 */
export function applySampleDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.OTEL_SERVICE_NAME ??= 'orders-web';
  // Probes run every few seconds per pod: spans for them are noise and cost.
  env.OTEL_NESTJS_EXCLUDED_URLS ??= '^/healthz$,^/readyz$';
}
