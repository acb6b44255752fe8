// `npm run soak`: the traced orders app at full load for a while with the collector down, against
// the same with the collector up: RSS growth and p99 latency (issue "telemetry never breaks the
// app"). Loopback only, bounded in time; every child is stopped at the end. Usage:
//   node bench/soak.mjs [--seconds 60] [--connections 10]
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const SECONDS = option('seconds', 60);
const CONNECTIONS = option('connections', 10);
const WARMUP_SECONDS = 5;

const run = (command, commandArgs, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${commandArgs.join(' ')} exited ${code}`))));
  });
const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

await run('npm', ['run', 'pretest', '--silent']);
const autocannon = require(join(here, 'node_modules', 'autocannon'));
const { startEmbeddedPostgres } = require(join(root, 'dist-test', 'sample', 'database', 'embedded-postgres.js'));
const { ensureSchema } = require(join(root, 'dist-test', 'sample', 'database', 'schema.js'));
const { startOtlpReceiver } = require(join(root, 'dist-test', 'sample', 'demo', 'otlp-receiver.js'));

const children = new Set();
const database = await startEmbeddedPostgres('soak');
await ensureSchema(database.url);

async function soak(collector) {
  const receiver = collector === 'up' ? await startOtlpReceiver() : undefined;
  const endpoint = receiver?.url ?? `http://127.0.0.1:${await freePort()}`;
  const port = await freePort();
  const server = spawn('taskset', ['-c', '0', process.execPath, join(root, 'dist-test', 'test', 'fixtures', 'main.js')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(server);
  let warnings = 0;
  server.stderr.on('data', (chunk) => (warnings += String(chunk).split('nestjs-tracing:').length - 1));
  await sleep(3000);
  const url = `http://127.0.0.1:${port}/orders/1`;
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS });
  const rssStart = rssMb(server.pid);
  let rssMax = rssStart;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(server.pid))), 1000);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  clearInterval(sampler);
  const rssEnd = rssMb(server.pid);
  server.kill('SIGKILL');
  children.delete(server);
  await receiver?.close();
  return {
    collector,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssStart: Math.round(rssStart),
    rssMax: Math.round(rssMax),
    rssGrowth: Math.round(rssMax - rssStart),
    tracingLogLines: warnings,
  };
}

try {
  const rows = [];
  for (const collector of ['up', 'down']) rows.push(await soak(collector));
  const [up, down] = rows;
  const lines = [
    `## Soak: collector up vs down — Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `\`node bench/soak.mjs --seconds ${SECONDS} --connections ${CONNECTIONS}\`: the traced test app (\`test/fixtures/main.js\`), pinned to CPU 0, \`GET /orders/1\` at full load for ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up; RSS sampled every second.`,
    '',
    '| collector | requests | non-2xx | errors | req/s | p50 ms | p99 ms | RSS at start MB | peak RSS MB | growth MB | nestjs-tracing log lines |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.collector} | ${r.requests} | ${r.non2xx} | ${r.errors} | ${r.reqPerSec} | ${r.p50} | ${r.p99} | ${r.rssStart} | ${r.rssMax} | ${r.rssGrowth} | ${r.tracingLogLines} |`),
    '',
    `p99 down / up: ${(down.p99 / up.p99).toFixed(2)}; RSS growth with the collector down: ${down.rssGrowth} MB.`,
  ];
  console.log(lines.join('\n'));
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = join(here, 'results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
  writeFileSync(file, lines.join('\n') + '\n');
  console.log(`written to ${file}`);
} finally {
  for (const child of children) child.kill('SIGKILL');
  await database.stop();
}
