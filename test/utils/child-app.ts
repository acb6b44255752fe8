import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver';

export interface ChildApp {
  url: string;
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first output line (stdout or stderr) matching `pattern`, bounded. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` (none: only waits) and waits, bounded, for the exit and the end of its output; SIGKILLs after the bound. */
  stop(signal?: NodeJS.Signals | null, timeoutMs?: number): Promise<ChildExit>;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** How long the exit took after the signal was sent. */
  millis: number;
}

export interface ChildAppOptions {
  /** Extra `node` arguments before the script (e.g. `--require`). */
  nodeArgs?: string[];
  /** How many `listening on <port>` lines to wait for (one per cluster worker). @default 1 */
  listeners?: number;
  timeoutMs?: number;
}

export const FIXTURES_DIR = join(__dirname, '..', '..', 'dist-test', 'test', 'fixtures');
/** The sample, compiled next to the fixtures (which build on it). */
export const SAMPLE_DIR = join(__dirname, '..', '..', 'dist-test', 'sample');

/**
 * Runs a compiled script with the same Node binary as the tests, the way users run their app, and
 * resolves once it printed `listening on <port>` (`listeners` times). Every wait is bounded; on
 * failure the child is killed and its output is in the error.
 */
export async function startChildApp(script: string, env: Record<string, string | undefined>, options: ChildAppOptions = {}): Promise<ChildApp> {
  const { nodeArgs = [], listeners = 1, timeoutMs = 60000 } = options;
  const child = spawn(process.execPath, [...nodeArgs, isAbsolute(script) ? script : join(FIXTURES_DIR, script)], {
    env: withoutUndefined({ ...process.env, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers = new Set<(line: string) => void>();
  const record = (into: string[]) => (line: string) => {
    into.push(line);
    watchers.forEach((watch) => watch(line));
  };
  createInterface({ input: child.stderr }).on('line', record(stderr));
  createInterface({ input: child.stdout }).on('line', record(stdout));
  // 'close', not 'exit': it comes after the output is drained (cluster workers share the pipes).
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  /** Resolves once `count` output lines matched `pattern` (lines already printed count too). */
  const waitForLines = (pattern: RegExp, count: number, bound: number): Promise<RegExpExecArray[]> => {
    const matches = stdout.concat(stderr).map((line) => pattern.exec(line)).filter((m): m is RegExpExecArray => m !== null);
    if (matches.length >= count) return Promise.resolve(matches.slice(0, count));
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        done();
        reject(new Error(`${script}: ${why}\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
      };
      const timer = setTimeout(() => fail(`${matches.length}/${count} lines matched ${pattern} within ${bound} ms`), bound);
      const watch = (line: string) => {
        const match = pattern.exec(line);
        if (match) matches.push(match);
        if (matches.length >= count) {
          done();
          resolve(matches);
        }
      };
      const done = () => {
        clearTimeout(timer);
        watchers.delete(watch);
      };
      watchers.add(watch);
      void closed.then(() => watchers.has(watch) && fail(`exited before printing ${pattern}`));
    });
  };
  const waitForLine = async (pattern: RegExp, bound = 30000) => (await waitForLines(pattern, 1, bound))[0];

  const stop = async (signal: NodeJS.Signals | null = 'SIGTERM', bound = 20000): Promise<ChildExit> => {
    const started = Date.now();
    if (signal && child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), bound);
    try {
      await closed;
      return { code: child.exitCode, signal: child.signalCode, millis: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  };

  let port = 0;
  try {
    if (listeners > 0) port = Number((await waitForLines(/listening on (\d+)/, listeners, timeoutMs))[0][1]);
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, child, stdout, stderr, waitForLine, stop };
}

function withoutUndefined(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}

export interface ChildAppsContext {
  receiver: OtlpReceiver;
  /** The test's app; stopped (SIGKILL if still running) after each test. */
  app?: ChildApp;
}

/**
 * For a describe block of child-process tests: one OTLP receiver for the block, at most one app
 * per test, and both cleaned up even when a test fails.
 */
export function useChildApps(): ChildAppsContext {
  const ctx = {} as ChildAppsContext;
  beforeAll(async () => {
    ctx.receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await ctx.app?.stop('SIGKILL');
    ctx.app = undefined;
    ctx.receiver?.clear();
  });
  afterAll(async () => {
    await ctx.receiver?.close();
  });
  return ctx;
}
