import cluster from 'node:cluster';
import { resolveClusterOptions, type ClusterBootstrapOptions } from './cluster.options';
import { runPrimary } from './cluster.primary';
import { runWorker } from './cluster.worker';

/**
 * Runs the app under `node:cluster`, the way gunicorn runs Django: the primary forks and
 * supervises `workers` processes and never starts tracing; each worker loads
 * `nestjs-tracing/register`, then calls `worker()` to boot the app, which starts that worker's
 * own SDK. Call it from an entry file that imports nothing of the app at the top:
 *
 *   bootstrapCluster({ worker: () => import('./main') });
 *
 * On SIGTERM/SIGINT the primary forwards the signal to the workers, waits for them (bounded by
 * `shutdownTimeoutMillis`) and exits 0. Bad options throw a TracingConfigError before any fork.
 */
export async function bootstrapCluster(options: ClusterBootstrapOptions): Promise<void> {
  const resolved = resolveClusterOptions(options);
  if (cluster.isPrimary) await runPrimary(resolved);
  else await runWorker(resolved);
}
