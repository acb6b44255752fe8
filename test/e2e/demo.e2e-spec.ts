import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_DIR, startChildApp, type ChildExit } from '../utils/child-app';

const DEMO = join(SAMPLE_DIR, 'demo', 'demo.js');

interface DemoRun {
  exit: ChildExit;
  lines: string[];
  text: string;
  output: string;
  json: string | undefined;
}

/** `npm run demo` minus the build: the compiled demo, with its OTLP JSON going to a temp file. */
async function runDemo(env: Record<string, string | undefined> = {}): Promise<DemoRun> {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-tracing-demo-'));
  const output = join(dir, 'traces.json');
  try {
    // The user's variables reach the sample; start from the sample's own defaults.
    const app = await startChildApp(
      DEMO,
      { DEMO_OUTPUT: output, DATABASE_URL: undefined, OTEL_SERVICE_NAME: undefined, OTEL_NESTJS_EXCLUDED_URLS: undefined, ...env },
      { listeners: 0 },
    );
    const exit = await app.stop(null, 100_000); // waits for the demo to end by itself
    const lines = app.stdout.concat(app.stderr);
    let json: string | undefined;
    try {
      json = readFileSync(output, 'utf8');
    } catch {
      json = undefined;
    }
    return { exit, lines, text: lines.join('\n'), output, json };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each claim once (the summary repeats the failed ones), with its mark. */
const claimLines = (run: DemoRun) => [...new Set(run.lines.filter((line) => /^\s+[✓✗] /.test(line)).map((line) => line.trim()))];

/** Every pid the cluster's output names: the primary, its workers, and what the primary started. */
const clusterPids = (run: DemoRun) => [
  ...new Set(run.lines.flatMap((line) => (/^ {2}\[/.test(line) ? [...line.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1])) : []))),
];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** The demo must leave nothing running: the primary (which stops the database), its workers and the rest. */
async function expectNothingLeft(run: DemoRun): Promise<void> {
  const pids = clusterPids(run);
  expect(pids.length).toBeGreaterThanOrEqual(4); // the primary, 2 workers, the shipping service
  const deadline = Date.now() + 5_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(pids.filter(alive)).toEqual([]);
}

describe('npm run demo', () => {
  it('runs the sample under the cluster, prints trace trees, writes OTLP JSON, and every claim holds', async () => {
    const run = await runDemo();
    expect({ code: run.exit.code, output: run.exit.code === 0 ? '' : run.text }).toEqual({ code: 0, output: '' });
    expect(run.exit.millis).toBeLessThan(60_000);

    // The trees: a route-named SERVER span with the SQL below it.
    const server = run.lines.findIndex((line) => /GET \/orders\/:id {2}SERVER {2}.*http\.route=\/orders\/:id.*pid=\d+/.test(line));
    expect(server).toBeGreaterThanOrEqual(0);
    expect(run.lines.slice(server + 1, server + 5).some((line) => /└─ SELECT orders {2}CLIENT {2}/.test(line))).toBe(true);
    expect(run.text).toMatch(/POST \/orders {2}SERVER .*http\.response\.status_code=201 enduser\.id=alice/);
    // One trace across both services, drawn as one tree.
    const entry = run.lines.findIndex((line) => /^ +GET \/orders\/:id\/shipping {2}SERVER /.test(line));
    expect(entry).toBeGreaterThanOrEqual(0);
    const tree = run.lines.slice(entry, entry + 12).join('\n');
    expect(tree).toMatch(/└─ GET {2}CLIENT {2}[\d.]+ ms {2}http\.response\.status_code=200 url\.full=http:\/\/127\.0\.0\.1:\d+\/shipping\/1/);
    expect(tree).toMatch(/└─ GET \/shipping\/:id {2}SERVER {2}.*service=shipping pid=\d+/);

    const claims = claimLines(run);
    expect(claims.length).toBeGreaterThanOrEqual(7);
    expect(claims.filter((line) => !line.startsWith('✓'))).toEqual([]);
    expect(run.text).toContain(`to ${run.output}`);

    // The file: OTLP JSON, resourceSpans -> scopeSpans -> spans, from both workers, ids in hex.
    const payload = JSON.parse(run.json ?? '{}') as {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: { intValue?: string; stringValue?: string } }> };
        scopeSpans: Array<{ spans: Array<{ traceId: string; spanId: string; name: string; kind: number }> }>;
      }>;
    };
    const spans = payload.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    expect(spans.length).toBeGreaterThan(10);
    expect(spans.find((s) => s.name === 'GET /orders/:id')).toMatchObject({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), kind: 2 });
    const resource = (key: string) => payload.resourceSpans.map((rs) => rs.resource.attributes.find((a) => a.key === key)?.value);
    expect(new Set(resource('process.pid').map((value) => value?.intValue)).size).toBeGreaterThanOrEqual(2);
    // The cluster runs on the Node.js that runs the demo (npm run test:node -- 24 runs both on 24).
    expect(new Set(resource('process.runtime.version').map((value) => value?.stringValue))).toEqual(new Set([process.versions.node]));

    await expectNothingLeft(run);
  }, 120_000);

  it('exits 1 naming the failed claim when the probes are traced', async () => {
    const run = await runDemo({ OTEL_NESTJS_EXCLUDED_URLS: '^/nothing$' });
    expect({ code: run.exit.code, signal: run.exit.signal }).toEqual({ code: 1, signal: null });
    const failed = claimLines(run).filter((line) => line.startsWith('✗'));
    // The demo's whole output when anything else went wrong (it exits 1 then too).
    const asExpected = failed.length === 1 && failed[0].includes('no spans for the probes');
    expect({ failed, output: asExpected ? '' : run.text }).toEqual({ failed: [expect.stringContaining('no spans for the probes')], output: '' });
    expect(run.text).toMatch(/GET \/healthz SERVER \(url\.path=\/healthz/);
    expect(run.text).toMatch(/FAILED: 1 of \d+ claims do not hold/);
    await expectNothingLeft(run);
  }, 120_000);
});
