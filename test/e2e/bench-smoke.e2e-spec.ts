import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
  expectedSpansPerReq: number;
  deliveredShare?: number;
  tracedShare: number;
  probe: { spanNames: Record<string, number> };
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

  it('runs every variant under load and reports each span delivered', async () => {
    const url = new URL(databaseUrl());
    url.pathname = `/${database}`;
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
    const child = spawn(process.execPath, ['bench/run.mjs', '--smoke', '--database-url', url.toString(), '--out', outDir], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect({ code, output: code === 0 ? '' : output.join('').slice(-4000) }).toEqual({ code: 0, output: '' });

    const json = readdirSync(outDir).find((f) => /-smoke\.json$/.test(f));
    expect(json).toBeDefined();
    const report = JSON.parse(readFileSync(join(outDir, json!), 'utf8')) as Report;
    expect(report.cells.map((c) => c.variant)).toEqual(['untraced', 'floor', 'nestjs-tracing']);
    const cell = (variant: string, route: 'db' | 'ping') => report.cells.find((c) => c.variant === variant)!.routes[route];

    for (const c of report.cells) {
      for (const route of ['db', 'ping'] as const) {
        const r = c.routes[route];
        expect(r.requests).toBeGreaterThan(20);
        expect(r.errors + r.non2xx).toBe(0);
        expect(r.cpuMicrosPerReq).toBeGreaterThan(0);
        expect(r.mainThreadCpuMicrosPerReq).toBeGreaterThan(0);
        expect(r.mainThreadCpuMicrosPerReq).toBeLessThanOrEqual(r.cpuMicrosPerReq);
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
    const markdown = readFileSync(join(outDir, json!.replace(/\.json$/, '.md')), 'utf8');
    expect(markdown).toContain('### Targets (nestjs-tracing)');
    expect(markdown).toContain('CPU per request by thread');
  }, 240_000);
});
