import { availableParallelism } from 'node:os';
import { TracingConfigError } from '../tracing.errors';

/** What the primary's setup step hands to the workers, and how to undo it. */
export interface ClusterPrimarySetup {
  /** Extra environment for every worker (e.g. the `DATABASE_URL` of a database the primary started). */
  env?: Record<string, string>;
  /** Runs once after the last worker exited, before the primary exits (e.g. stop that database). */
  stop?: () => unknown;
}

/** When and how often the primary replaces a worker that died without being asked to. */
export interface ClusterRestartOptions {
  /**
   * Delay before the first restart of a crashed worker; doubles with each further crash in a row.
   * @default 250
   */
  initialDelayMillis?: number;
  /**
   * Upper bound of the restart delay.
   * @default 10000
   */
  maxDelayMillis?: number;
  /**
   * A worker that ran at least this long before it died counts as a fresh failure, not as part
   * of a crash loop.
   * @default 10000
   */
  stableAfterMillis?: number;
  /**
   * After this many crashes in a row, each within `stableAfterMillis` of the worker's start, the
   * primary stops restarting that worker and logs why. When no worker is left, it exits 1.
   * @default 5
   */
  maxCrashes?: number;
}

/** Where the primary writes its lines. */
export interface ClusterLogger {
  log(message: string): void;
  error(message: string): void;
}

/** Options of {@link bootstrapCluster}. */
export interface ClusterBootstrapOptions {
  /**
   * Loads and starts the app in a worker, after `register` ran: load the app here, lazily
   * (`() => import('./main')`), never with a static import at the top of the entry file, which
   * would run in the primary too and load the app before the instrumentations exist.
   * Its promise rejecting (or throwing) counts as a crash.
   */
  worker: () => unknown;
  /**
   * Number of workers.
   * @default `WEB_CONCURRENCY` from the environment, else `os.availableParallelism()`
   */
  workers?: number;
  /**
   * Runs once in the primary before the first fork; never in a worker. The primary loads no
   * tracing code, so whatever runs here is never traced.
   * @default none
   */
  primary?: () => ClusterPrimarySetup | void | Promise<ClusterPrimarySetup | void>;
  /**
   * Loads `nestjs-tracing/register` in each worker before `worker()` runs. Turn it off only if
   * the worker loads it itself as the very first thing.
   * @default true
   */
  register?: boolean;
  /**
   * How long the primary waits, after forwarding SIGTERM/SIGINT, for the workers to finish their
   * requests and flush their spans before it kills them. Keep it above the app's own shutdown
   * work plus `TracingModule`'s `shutdownTimeoutMillis`, and below the orchestrator's grace period.
   * @default 15000
   */
  shutdownTimeoutMillis?: number;
  /** Crash-restart policy. */
  restart?: ClusterRestartOptions;
  /**
   * Receives the primary's log lines.
   * @default console, each line prefixed with `[cluster]`
   */
  logger?: ClusterLogger;
}

export type ResolvedClusterOptions = Required<Omit<ClusterBootstrapOptions, 'primary' | 'restart'>> &
  Pick<ClusterBootstrapOptions, 'primary'> & { restart: Required<ClusterRestartOptions> };

const consoleLogger: ClusterLogger = {
  log: (message) => console.log(`[cluster] ${message}`),
  error: (message) => console.error(`[cluster] ${message}`),
};

/** Validates the options in the primary, before anything forks: a mistake stops start-up. */
export function resolveClusterOptions(
  options: ClusterBootstrapOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedClusterOptions {
  if (typeof options?.worker !== 'function') {
    throw new TracingConfigError('bootstrapCluster needs a worker function, e.g. worker: () => import(\'./main\').');
  }
  const restart = options.restart ?? {};
  return {
    worker: options.worker,
    primary: options.primary,
    workers: resolveWorkers(options.workers, env.WEB_CONCURRENCY),
    register: options.register ?? true,
    shutdownTimeoutMillis: positive('shutdownTimeoutMillis', options.shutdownTimeoutMillis, 15000),
    restart: {
      initialDelayMillis: positive('restart.initialDelayMillis', restart.initialDelayMillis, 250),
      maxDelayMillis: positive('restart.maxDelayMillis', restart.maxDelayMillis, 10000),
      stableAfterMillis: positive('restart.stableAfterMillis', restart.stableAfterMillis, 10000),
      maxCrashes: positive('restart.maxCrashes', restart.maxCrashes, 5),
    },
    logger: options.logger ?? consoleLogger,
  };
}

function resolveWorkers(option: number | undefined, fromEnv: string | undefined): number {
  if (option !== undefined) {
    if (!Number.isInteger(option) || option < 1) {
      throw new TracingConfigError(`workers must be a positive integer, got ${String(option)}.`);
    }
    return option;
  }
  if (fromEnv === undefined || fromEnv.trim() === '') return availableParallelism();
  const value = Number(fromEnv.trim());
  if (!Number.isInteger(value) || value < 1) {
    throw new TracingConfigError(
      `WEB_CONCURRENCY="${fromEnv}" is not a number of workers: set a positive integer (e.g. 4) or unset it to use every CPU.`,
    );
  }
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TracingConfigError(`${name} must be a positive number, got ${String(value)}.`);
  }
  return value;
}
