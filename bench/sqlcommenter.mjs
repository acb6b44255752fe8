// `npm run bench:sqlcommenter`: what the sqlcommenter comment costs a query outside the app — the
// client's CPU (this process, every thread) and PostgreSQL's (the backends' /proc times) per query,
// for the same parameterised statement sent plain, with nestjs-tracing's comment (a new span per
// query, `withTraceComment` from dist/), and with a constant comment of the same length. pg's own
// client, ten connections kept busy, this process on CPU 0 and PostgreSQL (the sample's embedded
// launcher) on CPU 1; modes interleaved in rounds. In the server the comment costs 7–13 µs per
// request (bench/README.md, "The making side, in paired windows"); this says how much of that is
// pg's or PostgreSQL's work. `--node <line>` runs it on another Node line from test/runtimes.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, require, rerunOnNodeLine } from './lib/microbench.mjs';
import { processCpuSplit } from './lib/proc.mjs';

rerunOnNodeLine(import.meta.url);

const pg = require('pg');
const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
const { withTraceComment } = require(join(ROOT, 'dist/db/pg-query.span.js'));

const CONNECTIONS = 10;
const ROUNDS = 6;
const WINDOW_MS = 5000;
const TEXT =
  'SELECT "Order"."id" AS "Order_id", "Order"."customer" AS "Order_customer", "Order"."status" AS "Order_status", ' +
  '"Order"."total_cents" AS "Order_total_cents", "Order"."created_at" AS "Order_created_at" FROM "orders" "Order" ' +
  'WHERE (("Order"."id" = $1)) LIMIT 1';
const CONSTANT = ` /*traceparent='00-${'0'.repeat(31)}1-${'0'.repeat(15)}1-01'*/`;

const pin = (pid, cpu) => {
  try {
    execFileSync('taskset', ['-pc', cpu, String(pid)], { stdio: 'ignore' });
  } catch {
    // No taskset: unpinned, noisier.
  }
};
const cpuMicros = (pid) => processCpuSplit(pid)?.total ?? Number.NaN;

const postgres = spawn(process.execPath, [join(ROOT, 'dist-sample/database/embedded-postgres.server.js'), 'orders', '-c', 'fsync=off'], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const url = await new Promise((resolve) => {
  let out = '';
  postgres.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))).url);
  });
});
pin(postgres.pid, '1');
pin(process.pid, '0');
const clients = [];
const backends = [];
for (let i = 0; i < CONNECTIONS; i += 1) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
  pin(rows[0].pid, '1');
  clients.push(client);
  backends.push(rows[0].pid);
}
await clients[0].query('CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, customer text, status text, total_cents int, created_at timestamptz DEFAULT now())');
await clients[0].query("INSERT INTO orders (customer, status, total_cents) SELECT 'c' || g, 'new', g FROM generate_series(1, 1000) g");

const tracer = new BasicTracerProvider().getTracer('bench');
// Every mode makes and ends a span per query, so only the comment differs.
const modes = {
  plain: () => TEXT,
  'nestjs-tracing comment': (span) => withTraceComment(span, TEXT),
  'constant comment': () => TEXT + CONSTANT,
};

async function window(mode, ms) {
  const statement = modes[mode];
  let queries = 0;
  const end = Date.now() + ms;
  const self = process.cpuUsage();
  const db = backends.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  await Promise.all(
    clients.map(async (client) => {
      while (Date.now() < end) {
        const span = tracer.startSpan('SELECT orders');
        await client.query(statement(span), [1 + Math.floor(Math.random() * 1000)]);
        span.end();
        queries += 1;
      }
    }),
  );
  const used = process.cpuUsage(self);
  return { client: (used.user + used.system) / queries, postgres: (backends.reduce((sum, pid) => sum + cpuMicros(pid), 0) - db) / queries };
}

for (const mode of Object.keys(modes)) await window(mode, 2000); // warm-up
const results = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]));
for (let round = 0; round < ROUNDS; round += 1) {
  const order = round % 2 ? Object.keys(modes).reverse() : Object.keys(modes);
  for (const mode of order) results[mode].push(await window(mode, WINDOW_MS));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`Node ${process.version}, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${WINDOW_MS / 1000} s; CPU µs per query, median (min–max)`);
console.log('| statement | client (this process) | PostgreSQL (its backends) |');
console.log('|---|---|---|');
for (const [mode, runs] of Object.entries(results)) {
  const cell = (key) => {
    const xs = runs.map((r) => r[key]);
    return `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  };
  console.log(`| ${mode} | ${cell('client')} | ${cell('postgres')} |`);
}
for (const client of clients) await client.end();
postgres.stdin.end();
postgres.on('exit', () => process.exit(0));
