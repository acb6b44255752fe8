import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ChildApp {
  url: string;
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Sends `signal` and waits (bounded) for the exit; SIGKILLs after the bound. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ChildExit>;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export const FIXTURES_DIR = join(__dirname, '..', '..', 'dist-test', 'fixtures');

/**
 * Runs a compiled fixture with the same Node binary as the tests, the way users run their app,
 * and resolves once it prints `listening on <port>`. Every wait is bounded; on failure the child
 * is killed and its output is in the error.
 */
export async function startChildApp(script: string, env: Record<string, string>, timeoutMs = 30000): Promise<ChildApp> {
  const child = spawn(process.execPath, [isAbsolute(script) ? script : join(FIXTURES_DIR, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', bound = 15000): Promise<ChildExit> => {
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), bound);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within ${timeoutMs} ms`)), timeoutMs);
    lines.on('line', (line) => {
      stdout.push(line);
      const match = /listening on (\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before listening`));
    });
  }).catch(async (error: Error) => {
    await stop('SIGKILL');
    throw new Error(`${error.message}\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`);
  });
  return { url: `http://127.0.0.1:${port}`, child, stdout, stderr, stop };
}
