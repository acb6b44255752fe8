import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs a snippet in a fresh Node process (real require, no jest registry) and returns its JSON. */
function inFreshProcess(code: string, env: Record<string, string> = {}): any {
  const out = execFileSync(process.execPath, ['-e', code], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20000 });
  return JSON.parse(out.toString());
}

// Handles other than stdio (require-in-the-middle's `debug` dependency opens stderr for colours).
const LOADED = `JSON.stringify({
  modules: Object.keys(require.cache).filter((p) => /node_modules[\\\\/](@nestjs|@grpc|@opentelemetry[\\\\/](exporter|sdk-trace))/.test(p)),
  wrapped: typeof require('node:http').Server.prototype.emit.__wrapped,
  handles: process._getActiveHandles().filter((h) => ![0, 1, 2].includes(h.fd)).length,
})`;

describe('nestjs-tracing/register (phase 1)', () => {
  it('loads no @nestjs module, no SDK, no exporter and opens nothing, yet hooks http', () => {
    const result = inFreshProcess(`require('nestjs-tracing/register'); console.log(${LOADED});`);
    expect(result.modules).toEqual([]);
    expect(result.wrapped).toBe('boolean');
    expect(result.handles).toBe(0); // no socket, timer or server of its own
  });

  it('is idempotent: loading it twice registers one set of instrumentations', () => {
    const result = inFreshProcess(`
      require('nestjs-tracing/register');
      const first = globalThis[Symbol.for('nestjs-tracing.instrumentations')];
      delete require.cache[require.resolve('nestjs-tracing/register')];
      require('nestjs-tracing/register');
      console.log(JSON.stringify({ same: first === globalThis[Symbol.for('nestjs-tracing.instrumentations')] }));`);
    expect(result.same).toBe(true);
  });

  it('patches nothing when OTEL_SDK_DISABLED=true', () => {
    const result = inFreshProcess(`require('nestjs-tracing/register'); console.log(${LOADED});`, { OTEL_SDK_DISABLED: 'true' });
    expect(result.wrapped).toBe('undefined');
  });
});
