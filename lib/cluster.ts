/**
 * `nestjs-tracing/cluster`: the multi-process entry point. Deliberately separate from the main
 * entry, which loads NestJS and OpenTelemetry: the cluster primary imports only this file.
 */
export { bootstrapCluster } from './cluster/cluster.bootstrap';
export type {
  ClusterBootstrapOptions,
  ClusterLogger,
  ClusterPrimarySetup,
  ClusterRestartOptions,
} from './cluster/cluster.options';
export { TracingConfigError } from './tracing.errors';
