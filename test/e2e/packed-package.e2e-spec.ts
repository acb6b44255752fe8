import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { startChildApp, useChildApps } from '../utils/child-app';
import { databaseUrl } from '../utils/test-app';

const ROOT = join(__dirname, '..', '..');

/** What users install is the `npm pack` tarball: run the app against it, not against the repo. */
describe('the packed tarball', () => {
  let workDir: string;
  const ctx = useChildApps();

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'nestjs-tracing-pack-'));
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', workDir], { cwd: ROOT })
      .toString()
      .trim()
      .split('\n')
      .pop()!;
    const installed = join(workDir, 'app', 'node_modules', 'nestjs-tracing');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(workDir, tarball), '-C', installed, '--strip-components=1']);
    // The compiled fixtures and the sample they build on, without the repository around them.
    cpSync(join(ROOT, 'dist-test'), join(workDir, 'app'), { recursive: true });
  });
  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  // The package's own dependencies come from the repository's install; nestjs-tracing itself
  // resolves only to the unpacked tarball next to the app.
  const env = () => ({
    NODE_PATH: join(ROOT, 'node_modules'),
    DATABASE_URL: databaseUrl(),
    OTEL_EXPORTER_OTLP_ENDPOINT: ctx.receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });

  it('ships register and the module, and traces a request end to end', async () => {
    ctx.app = await startChildApp(join(workDir, 'app', 'test', 'fixtures', 'main.js'), env());
    expect((await fetch(`${ctx.app.url}/orders/3`)).status).toBe(200);
    const spans = await ctx.receiver.waitFor((s) => s.some((x) => x.kind === SpanKind.SERVER) && s.some((x) => x.name === 'SELECT orders'));
    expect(spans.find((s) => s.kind === SpanKind.SERVER)!.name).toBe('GET /orders/:id');
    expect(ctx.app.stdout.concat(ctx.app.stderr).join('\n')).not.toMatch(/nestjs-tracing:/);
  });

  it('ships the cluster bootstrap: the sample runs from the tarball under nestjs-tracing/cluster', async () => {
    ctx.app = await startChildApp(join(workDir, 'app', 'sample', 'cluster.js'), { ...env(), PORT: '0', WEB_CONCURRENCY: '1' });
    expect((await fetch(`${ctx.app.url}/orders/2`)).status).toBe(200);
    const spans = await ctx.receiver.waitFor((s) => s.some((x) => x.kind === SpanKind.SERVER && x.name === 'GET /orders/:id'));
    expect(spans.find((s) => s.kind === SpanKind.SERVER)!.resource['process.pid']).not.toBe(ctx.app.child.pid);
    expect((await ctx.app.stop('SIGTERM')).code).toBe(0);
  });

  it('ships nestjs-tracing/testing and nestjs-tracing/cluster as entry points with types', () => {
    const script = "const t = require('nestjs-tracing/testing'); const c = require('nestjs-tracing/cluster'); " +
      "console.log(typeof t.TestingTracing.install, typeof t.renderTraceTree, typeof c.bootstrapCluster)";
    const out = execFileSync(process.execPath, ['-e', script], { cwd: join(workDir, 'app'), env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } });
    expect(out.toString().trim()).toBe('function function function');
    for (const types of ['testing.d.ts', 'cluster.d.ts', 'register.d.ts', 'index.d.ts']) {
      expect(existsSync(join(workDir, 'app', 'node_modules', 'nestjs-tracing', 'dist', types))).toBe(true);
    }
  });
});
