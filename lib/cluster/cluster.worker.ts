import type { ResolvedClusterOptions } from './cluster.options';

/**
 * A worker is a fresh process that re-ran the entry file: give it its own phase 1 before the app
 * loads, then start the app. Its SDK (provider, batch buffer, exporter connection, resource with
 * its own `service.instance.id`) is created later by TracingModule, inside this process only.
 */
export async function runWorker(options: ResolvedClusterOptions): Promise<void> {
  if (options.register) {
    // Synchronous and conditional on purpose: it must be in place before `worker()` loads http,
    // @nestjs/core or pg, and it must never load in the primary.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../register');
  }
  try {
    await options.worker();
  } catch (error) {
    // A worker that cannot start is a crash: the primary restarts it with backoff.
    console.error(`[cluster] worker (pid ${process.pid}) failed to start:`, error);
    process.exit(1);
  }
}
