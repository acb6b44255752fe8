import { randomUUID } from 'node:crypto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import type { ResolvedTracingConfig } from './tracing.config';
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_PROCESS_PID,
  ATTR_PROCESS_RUNTIME_NAME,
  ATTR_PROCESS_RUNTIME_VERSION,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from './semconv';

/**
 * The process's identity. Layers, each overriding the one before: SDK defaults, what this process
 * knows about itself (a fresh `service.instance.id`, its pid), OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_SERVICE_NAME, then explicit options. Built once per SDK start, i.e. once per worker.
 */
export function buildResource(config: ResolvedTracingConfig): Resource {
  const processFacts = resourceFromAttributes({
    [ATTR_SERVICE_INSTANCE_ID]: randomUUID(),
    [ATTR_PROCESS_PID]: process.pid,
    [ATTR_PROCESS_RUNTIME_NAME]: 'nodejs',
    [ATTR_PROCESS_RUNTIME_VERSION]: process.versions.node,
    ...(process.env.npm_package_version ? { [ATTR_SERVICE_VERSION]: process.env.npm_package_version } : {}),
    ...(process.env.NODE_ENV ? { [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: process.env.NODE_ENV } : {}),
  });
  const explicit = resourceFromAttributes({
    ...config.resourceAttributes,
    ...(config.serviceName ? { [ATTR_SERVICE_NAME]: config.serviceName } : {}),
    ...(config.serviceVersion ? { [ATTR_SERVICE_VERSION]: config.serviceVersion } : {}),
    ...(config.deploymentEnvironment ? { [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: config.deploymentEnvironment } : {}),
  });
  return defaultResource()
    .merge(processFacts)
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(explicit);
}
