/** Name and version of the tracer our own code uses (scope of the spans it creates). */
export const TRACER_NAME = 'nestjs-tracing';

/**
 * Process-wide registry keys. `Symbol.for` so that two copies of the library (a `--require`d
 * `register` and the app's import resolving to another path, or jest's per-file module registry)
 * still agree on one set of instrumentations and one running SDK.
 */
export const INSTRUMENTATIONS_KEY = Symbol.for('nestjs-tracing.instrumentations');
export const SDK_KEY = Symbol.for('nestjs-tracing.sdk');

/** Prefix of every message we log, so users can grep for it. */
export const LOG_PREFIX = 'nestjs-tracing:';
/** Set by `nestjs-tracing/testing`: while present, every TracingModule exports into it. */
export const TESTING_KEY = Symbol.for('nestjs-tracing.testing');
