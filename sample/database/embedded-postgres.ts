import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface EmbeddedDatabase {
  url: string;
  /** Stops PostgreSQL and removes its data; bounded, never rejects. */
  stop(): Promise<void>;
}

/**
 * Starts `embedded-postgres.server` as a child process and resolves with its URL. The child
 * watches its stdin, so the database stops even if this process is killed without cleanup.
 */
export function startEmbeddedPostgres(database = 'orders', timeoutMillis = 90000): Promise<EmbeddedDatabase> {
  const child = spawn(process.execPath, [join(__dirname, 'embedded-postgres.server.js'), database], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<EmbeddedDatabase>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`embedded PostgreSQL did not start within ${timeoutMillis} ms`));
    }, timeoutMillis);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ url: (JSON.parse(line) as { url: string }).url, stop });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited (code ${child.exitCode ?? child.signalCode}) before it was ready`));
    });
  });
}
