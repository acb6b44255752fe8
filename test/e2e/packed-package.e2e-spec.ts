import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { FIXTURES_DIR, startChildApp, type ChildApp } from '../utils/child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../utils/otlp-receiver';
import { databaseUrl } from '../utils/test-app';

const ROOT = join(__dirname, '..', '..');

/** What users install is the `npm pack` tarball: run the app against it, not against the repo. */
describe('the packed tarball', () => {
  let workDir: string;
  let receiver: OtlpReceiver;
  let app: ChildApp | undefined;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'nestjs-tracing-pack-'));
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', workDir], { cwd: ROOT })
      .toString()
      .trim()
      .split('\n')
      .pop()!;
    const installed = join(workDir, 'app', 'node_modules', 'nestjs-tracing');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(workDir, tarball), '-C', installed, '--strip-components=1']);
    cpSync(FIXTURES_DIR, join(workDir, 'app'), { recursive: true });
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
    await receiver?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('ships register and the module, and traces a request end to end', async () => {
    app = await startChildApp(join(workDir, 'app', 'main.js'), {
      // The package's own dependencies come from the repository's install; nestjs-tracing itself
      // resolves only to the unpacked tarball next to the app.
      NODE_PATH: join(ROOT, 'node_modules'),
      DATABASE_URL: databaseUrl(),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    expect((await fetch(`${app.url}/orders/3`)).status).toBe(200);
    const spans = await receiver.waitFor((s) => s.some((x) => x.kind === SpanKind.SERVER) && s.some((x) => x.name === 'SELECT orders'));
    expect(spans.find((s) => s.kind === SpanKind.SERVER)!.name).toBe('GET /orders/:id');
    expect(app.stdout.concat(app.stderr).join('\n')).not.toMatch(/nestjs-tracing:/);
  });
});
