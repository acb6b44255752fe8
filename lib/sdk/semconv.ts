/*
 * Semantic-convention attribute names we emit. Stable ones come from the package; incubating ones
 * are copied here (as the OpenTelemetry contrib instrumentations do) because the package's
 * `incubating` entry point is not covered by its stability guarantees.
 */
export {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';

/** @experimental Name of the deployment environment (`production`, `staging`). */
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
/** @experimental Process identifier. */
export const ATTR_PROCESS_PID = 'process.pid';
/** @experimental Runtime name, `nodejs`. */
export const ATTR_PROCESS_RUNTIME_NAME = 'process.runtime.name';
/** @experimental Runtime version, e.g. `20.20.2`. */
export const ATTR_PROCESS_RUNTIME_VERSION = 'process.runtime.version';
/**
 * @experimental Identifier of the authenticated end user.
 * Personally identifiable: set it from a hook only when your privacy rules allow.
 */
export const ATTR_ENDUSER_ID = 'enduser.id';
