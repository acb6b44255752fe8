import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseUrl } from '../utils/test-app';

const ROOT = join(__dirname, '..', '..');

interface RouteCell {
  requests: number;
  errors: number;
  non2xx: number;
  cpuMicrosPerReq: number;
  mainThreadCpuMicrosPerReq: number;
  sysCpuMicrosPerReq: number;
  interruptsPerReq?: Record<string, number[]>;
  expectedSpansPerReq: number;
  deliveredShare?: number;
  tracedShare: number;
  probe: { spanNames: Record<string, number> };
  latencyMs: { max: number };
  monotonicStartNs: string;
  monotonicEndNs: string;
}
interface Report {
  cells: { variant: string; routes: Record<'db' | 'ping', RouteCell> }[];
}

/**
 * `npm run bench` is a benchmark, never run by npm test; this runs its harness for a few seconds
 * (`--smoke`: untraced, floor and nestjs-tracing from this repository's build, Node's http client
 * as the load, this suite's PostgreSQL) so that it keeps working. Nothing here is about speed.
 */
describe('the benchmark harness (bench/run.mjs --smoke)', () => {
  const database = `bench_smoke_${process.pid}`;
  let outDir: string;
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: databaseUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    outDir = mkdtempSync(join(tmpdir(), 'nestjs-tracing-bench-smoke-'));
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    rmSync(outDir, { recursive: true, force: true });
  });

  /** Runs the harness in smoke mode with extra options; the report it wrote. */
  async function runSmoke(extra: string[], out: string): Promise<{ report: Report; markdown: string }> {
    const url = new URL(databaseUrl());
    url.pathname = `/${database}`;
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
    const child = spawn(process.execPath, ['bench/run.mjs', '--smoke', '--database-url', url.toString(), '--out', out, ...extra], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect({ code, output: code === 0 ? '' : output.join('').slice(-4000) }).toEqual({ code: 0, output: '' });
    const json = readdirSync(out).find((f) => /-smoke\.json$/.test(f));
    expect(json).toBeDefined();
    return {
      report: JSON.parse(readFileSync(join(out, json!), 'utf8')) as Report,
      markdown: readFileSync(join(out, json!.replace(/\.json$/, '.md')), 'utf8'),
    };
  }

  it('runs every variant under load and reports each span delivered', async () => {
    const { report, markdown } = await runSmoke([], outDir);
    expect(report.cells.map((c) => c.variant)).toEqual(['untraced', 'floor', 'nestjs-tracing']);
    const cell = (variant: string, route: 'db' | 'ping') => report.cells.find((c) => c.variant === variant)!.routes[route];

    for (const c of report.cells) {
      for (const route of ['db', 'ping'] as const) {
        const r = c.routes[route];
        expect(r.requests).toBeGreaterThan(20);
        expect(r.errors + r.non2xx).toBe(0);
        expect(r.cpuMicrosPerReq).toBeGreaterThan(0);
        expect(r.mainThreadCpuMicrosPerReq).toBeGreaterThan(0);
        // /proc counts in clock ticks (10 ms) and truncates each file's figure on its own: the
        // thread's delta can exceed the process's by one tick, never by more.
        expect(r.mainThreadCpuMicrosPerReq).toBeLessThanOrEqual(r.cpuMicrosPerReq + 10_000 / r.requests);
        // The kernel's part comes from the same reading as the total: never more than it.
        expect(r.sysCpuMicrosPerReq).toBeGreaterThanOrEqual(0);
        expect(r.sysCpuMicrosPerReq).toBeLessThanOrEqual(r.cpuMicrosPerReq);
        // Cross-CPU interrupts of the window, one rate per CPU: counters only grow.
        if (existsSync('/proc/interrupts')) {
          expect(Object.keys(r.interruptsPerReq ?? {})).toEqual(expect.arrayContaining(['RES', 'CAL']));
          for (const rates of Object.values(r.interruptsPerReq ?? {})) {
            expect(rates.length).toBeGreaterThan(0);
            for (const rate of rates) expect(rate).toBeGreaterThanOrEqual(0);
          }
        }
      }
    }
    // What one request produces, from the probe requests; then every span of the window arrived.
    expect([cell('untraced', 'db').expectedSpansPerReq, cell('floor', 'db').expectedSpansPerReq]).toEqual([0, 1]);
    expect([cell('nestjs-tracing', 'db').expectedSpansPerReq, cell('nestjs-tracing', 'ping').expectedSpansPerReq]).toEqual([2, 1]);
    expect(Object.keys(cell('nestjs-tracing', 'db').probe.spanNames).sort()).toEqual(['CLIENT SELECT orders', 'SERVER GET /orders/:id']);
    for (const variant of ['floor', 'nestjs-tracing']) {
      for (const route of ['db', 'ping'] as const) {
        expect([variant, route, cell(variant, route).deliveredShare, cell(variant, route).tracedShare]).toEqual([variant, route, 1, 1]);
      }
    }
    expect(markdown).toContain('### Targets (nestjs-tracing)');
    expect(markdown).toContain('CPU per request by thread');
  }, 240_000);

  it('--together loads every variant in one window while the servers take turns, and still counts every span', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nestjs-tracing-bench-together-'));
    try {
      const { report, markdown } = await runSmoke(['--together', '--routes', 'db', '--duration', '3'], out);
      expect(report.cells.map((c) => c.variant)).toEqual(['untraced', 'floor', 'nestjs-tracing']);
      const windows = report.cells.map((c) => c.routes.db);
      for (const w of windows) {
        expect(w.requests).toBeGreaterThan(20);
        expect(w.errors + w.non2xx).toBe(0);
        // A request that arrives while its server is stopped waits for that server's next turn.
        expect(w.latencyMs.max).toBeGreaterThanOrEqual(200);
      }
      // One shared window: every load generator ran while the others did.
      const latestStart = Math.max(...windows.map((w) => Number(BigInt(w.monotonicStartNs) / 1_000_000n)));
      const earliestEnd = Math.min(...windows.map((w) => Number(BigInt(w.monotonicEndNs) / 1_000_000n)));
      expect(earliestEnd - latestStart).toBeGreaterThan(2000);
      expect([windows[1].deliveredShare, windows[2].deliveredShare]).toEqual([1, 1]);
      expect(markdown).toContain('taking turns on the server core in 200 ms slices');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
