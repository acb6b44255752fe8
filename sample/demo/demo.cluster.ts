import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The compiled cluster entry, next to this folder in dist-sample/ as in dist-test/sample/. */
const CLUSTER_ENTRY = join(__dirname, '..', 'cluster.js');

export interface DemoCluster {
  url: string;
  primaryPid: number;
  /** From the primary's `[cluster] worker N started (pid P)` lines, replacements included. */
  workerPids: number[];
  /**
   * Resolves once every worker listens. Rejects, with the cluster's last output, if it exits first
   * or takes longer than `startTimeoutMs` (then the cluster is stopped before the rejection).
   */
  ready: Promise<void>;
  /** SIGTERM, then waits (bounded) for the primary to exit; SIGKILL after the bound. Idempotent. */
  stop(timeoutMs?: number): Promise<ClusterExit>;
  /** Synchronous last resort, for process 'exit' handlers. */
  kill(): void;
}

export interface ClusterExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  millis: number;
  /** True when the primary had to be SIGKILLed. */
  forced: boolean;
}

export interface ClusterOptions {
  port: number;
  otlpEndpoint: string;
  workers: number;
  startTimeoutMs: number;
  log: (line: string) => void;
}

/**
 * Runs the sample as `npm start` does (`node cluster.js`: the primary and its workers), exporting
 * to `otlpEndpoint`. Returns at once, so the caller holds the process before anything can fail.
 */
export function launchCluster(options: ClusterOptions): DemoCluster {
  const child = spawn(process.execPath, [CLUSTER_ENTRY], { env: clusterEnv(options), stdio: ['ignore', 'pipe', 'pipe'] });
  const workerPids: number[] = [];
  const listening = new Set<number>();
  const recent: string[] = [];
  let onListening = () => {};
  const onLine = (raw: string) => {
    const line = stripAnsi(raw);
    recent.push(line);
    if (recent.length > 30) recent.shift();
    const started = /\[cluster\] worker \d+ started \(pid (\d+)\)/.exec(line);
    if (started) workerPids.push(Number(started[1]));
    const listen = /listening on \d+ \(pid (\d+)\)/.exec(line);
    if (listen) {
      listening.add(Number(listen[1]));
      onListening();
    }
    const shown = summarise(line);
    if (shown !== undefined) options.log(shown);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  // 'close' rather than 'exit': it also waits for the output, which the workers share.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;

  let stopping: Promise<ClusterExit> | undefined;
  const stop = (timeoutMs = 30_000): Promise<ClusterExit> =>
    (stopping ??= (async () => {
      const started = Date.now();
      if (!exited()) child.kill('SIGTERM');
      const forced = !(await settles(closed, timeoutMs));
      if (forced) {
        options.log(`[demo] the cluster did not exit within ${timeoutMs} ms of SIGTERM: killing it`);
        child.kill('SIGKILL');
        // Its workers exit with it (they lose the primary's IPC channel), the database with its stdin.
        await settles(closed, 5_000);
      }
      return { code: child.exitCode, signal: child.signalCode, millis: Date.now() - started, forced };
    })());
  const kill = () => {
    if (child.pid !== undefined && !exited()) child.kill('SIGKILL');
  };

  const listeningAll = new Promise<void>((resolve, reject) => {
    onListening = () => listening.size >= options.workers && resolve();
    child.once('error', reject); // could not spawn at all
    const how = () => child.signalCode ?? `code ${child.exitCode}`;
    void closed.then(() => reject(new Error(`the cluster exited (${how()}) before its workers listened`)));
  });
  const ready = settles(listeningAll, options.startTimeoutMs).then(
    async (inTime) => {
      if (inTime) return;
      await stop(5_000);
      throw withOutput(`${listening.size} of ${options.workers} workers listening after ${options.startTimeoutMs} ms`, recent);
    },
    async (error: Error) => {
      await stop(5_000);
      throw withOutput(error.message, recent);
    },
  );
  return { url: `http://127.0.0.1:${options.port}`, primaryPid: child.pid ?? 0, workerPids, ready, stop, kill };
}

/** The user's environment, with what the demo needs on top; their service name and exclusions stay. */
function clusterEnv(options: ClusterOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The demo owns where spans go: a traces-specific endpoint, headers or TLS meant for the user's
  // collector would send them elsewhere or fail against the local receiver.
  for (const name of Object.keys(env)) if (name.startsWith('OTEL_EXPORTER_OTLP_')) delete env[name];
  delete env.DATABASE_URL; // the primary starts an embedded PostgreSQL
  return {
    ...env,
    PORT: String(options.port),
    WEB_CONCURRENCY: String(options.workers),
    OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint,
    // Export within a fraction of a second, so the demo can see which worker served what.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
}

/** Resolves true if `promise` settles within `ms`, false otherwise; rejects if it rejects. */
async function settles(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function withOutput(message: string, recent: string[]): Error {
  return new Error(`${message}\nlast output of the cluster:\n  ${recent.join('\n  ')}`);
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes, from Nest's logger
const stripAnsi = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '');

/** Nest's start-up chatter (module init, one line per mapped route) that says nothing about tracing. */
const NEST_LINE = /^\[Nest\] (\d+)\s+-\s+.*?\s+(LOG|WARN|ERROR|DEBUG|VERBOSE|FATAL)\s+\[([^\]]+)\]\s+(.*)$/;
const QUIET_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** The line as the demo shows it, or undefined to hide it. */
function summarise(line: string): string | undefined {
  const nest = NEST_LINE.exec(line);
  if (!nest) return line; // [cluster], [database], warnings, stack traces: all shown as they are
  const [, pid, level, contextName, message] = nest;
  if (level === 'LOG' && QUIET_CONTEXTS.has(contextName)) return undefined;
  return `[worker ${pid}] ${level === 'LOG' ? '' : `${level} `}[${contextName}] ${message}`;
}
