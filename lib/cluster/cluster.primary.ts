import cluster, { type Worker } from 'node:cluster';
import type { ClusterPrimarySetup, ResolvedClusterOptions } from './cluster.options';

/** One worker position: the process in it is replaced when it dies, the crash history stays. */
interface Slot {
  id: number;
  worker?: Worker;
  startedAt: number;
  crashesInARow: number;
  restartTimer?: NodeJS.Timeout;
  abandoned: boolean;
}

/**
 * The primary's whole job: fork, supervise, forward shutdown signals. It never loads the
 * instrumentations or the SDK (gunicorn's rule that the master does no app work), so nothing it
 * does is traced and no exporter connection is shared across a fork.
 */
export async function runPrimary(options: ResolvedClusterOptions): Promise<void> {
  const { logger, restart } = options;
  let setup: ClusterPrimarySetup;
  try {
    setup = (await options.primary?.()) ?? {};
  } catch (error) {
    logger.error(`primary setup failed, no worker started: ${describe(error)}`);
    process.exit(1);
  }

  const slots: Slot[] = Array.from({ length: options.workers }, (_, index) => ({
    id: index + 1,
    startedAt: 0,
    crashesInARow: 0,
    abandoned: false,
  }));
  let stopping: NodeJS.Signals | undefined;
  let forced = false;

  const fork = (slot: Slot): void => {
    slot.restartTimer = undefined;
    const worker = cluster.fork({ ...setup.env, NESTJS_TRACING_WORKER: String(slot.id) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    logger.log(`worker ${slot.id} started (pid ${worker.process.pid})`);
    worker.once('exit', (code, signal) => onExit(slot, worker, code, signal));
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null): void => {
    slot.worker = undefined;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) {
      logger.log(`worker ${slot.id} (pid ${worker.process.pid}) exited (${how})`);
      if (slots.every((s) => !s.worker)) void finish(forced ? 1 : 0);
      return;
    }
    const uptime = Date.now() - slot.startedAt;
    slot.crashesInARow = uptime < restart.stableAfterMillis ? slot.crashesInARow + 1 : 1;
    if (slot.crashesInARow >= restart.maxCrashes && uptime < restart.stableAfterMillis) {
      slot.abandoned = true;
      logger.error(
        `worker ${slot.id} (pid ${worker.process.pid}) exited (${how}) ${slot.crashesInARow} times in a row, each ` +
          `within ${restart.stableAfterMillis} ms of starting: not restarting it. Fix the error logged above and restart.`,
      );
      if (slots.every((s) => s.abandoned)) {
        logger.error('no worker left; exiting.');
        void finish(1);
      }
      return;
    }
    const delay = Math.min(restart.maxDelayMillis, restart.initialDelayMillis * 2 ** (slot.crashesInARow - 1));
    logger.error(
      `worker ${slot.id} (pid ${worker.process.pid}) exited unexpectedly (${how}) after ${uptime} ms; restarting in ${delay} ms`,
    );
    slot.restartTimer = setTimeout(() => fork(slot), delay);
  };

  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.log(`${signal} received again; still waiting for the workers to finish.`);
      return;
    }
    stopping = signal;
    const running = slots.filter((slot) => slot.worker);
    slots.forEach((slot) => clearTimeout(slot.restartTimer));
    logger.log(`${signal} received: stopping ${running.length} worker(s), waiting up to ${options.shutdownTimeoutMillis} ms`);
    if (running.length === 0) return void finish(0);
    // Each worker's Nest shutdown hooks finish its requests and flush its spans, then it exits.
    for (const slot of running) slot.worker?.process.kill(signal);
    setTimeout(() => {
      forced = true;
      for (const slot of slots) {
        if (!slot.worker) continue;
        logger.error(`worker ${slot.id} (pid ${slot.worker.process.pid}) did not stop within ${options.shutdownTimeoutMillis} ms; killing it`);
        slot.worker.process.kill('SIGKILL');
      }
    }, options.shutdownTimeoutMillis).unref();
  };

  let finishing: Promise<void> | undefined;
  const finish = (code: number): Promise<void> =>
    (finishing ??= (async () => {
      try {
        await setup.stop?.();
      } catch (error) {
        logger.error(`primary cleanup failed: ${describe(error)}`);
      }
      logger.log(code === 0 ? 'all workers stopped; exiting.' : `exiting with code ${code}.`);
      // Nothing is traced in the primary, so there is no flush for this exit to race.
      process.exit(code);
    })());

  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  logger.log(`primary (pid ${process.pid}) starting ${options.workers} worker(s)`);
  slots.forEach(fork);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
