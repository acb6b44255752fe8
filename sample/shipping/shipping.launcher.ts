import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RunningShipping {
  url: string;
  pid: number;
  /** SIGTERM, then waits (bounded) for its graceful exit; never rejects. */
  stop(): Promise<void>;
}

/**
 * Starts the shipping service next to the orders cluster, in its own process with its own
 * `service.name` and SDK, on SHIPPING_PORT (default: any free port). Its warnings and errors are
 * passed through; its start-up log lines are not.
 */
export function startShipping(timeoutMillis = 30000): Promise<RunningShipping> {
  const child = spawn(process.execPath, [join(__dirname, 'main.js')], {
    // Whatever the orders service is called, this one is `shipping`.
    env: { ...process.env, OTEL_SERVICE_NAME: 'shipping', PORT: process.env.SHIPPING_PORT ?? '0', SHIPPING_EXIT_WITH_PARENT: 'true' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the shipping service did not start within ${timeoutMillis} ms`));
    }, timeoutMillis);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /listening on (\d+) \(pid (\d+)\)/.exec(line);
      // Its start-up chatter stays quiet; warnings and errors (and a tree exporter's output) show.
      if (!match && !/\bLOG\b/.test(line)) process.stdout.write(`[shipping] ${line}\n`);
      if (match) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${match[1]}`, pid: Number(match[2]), stop });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the shipping service exited (code ${child.exitCode ?? child.signalCode}) before listening`));
    });
  });
}
