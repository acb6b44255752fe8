import { request } from 'node:http';
import { startChildApp, useChildApps } from '../utils/child-app';
import { databaseUrl } from '../utils/test-app';

/**
 * Nothing is kept per URL or per request: after thousands of distinct unmatched paths, or of
 * requests the client abandons mid-body, the traced app's heap (after a full GC) is where it was.
 */
describe('memory stays flat under hostile traffic', () => {
  const ctx = useChildApps();

  async function heap(): Promise<number> {
    const res = await fetch(`${ctx.app!.url}/diagnostics/heap`);
    return ((await res.json()) as { heapUsed: number }).heapUsed;
  }

  /** `count` calls of `one`, `parallel` at a time. */
  async function run(count: number, parallel: number, one: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < count) await one(next++);
    }));
  }

  const start = async () => {
    ctx.app = await startChildApp('main.js', { DATABASE_URL: databaseUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: ctx.receiver.url }, { nodeArgs: ['--expose-gc'] });
  };

  it('10 000 distinct unmatched URLs: every answer a 404, the heap flat', async () => {
    await start();
    const scan = (offset: number) => (i: number) =>
      fetch(`${ctx.app!.url}/scan/${offset + i}/${(offset + i).toString(36)}?q=${i}`).then((res) => {
        expect(res.status).toBe(404);
        return res.arrayBuffer().then(() => undefined);
      });
    await run(1000, 20, scan(0)); // warm-up: JIT, pools, caches at their steady size
    const before = await heap();
    await run(10_000, 20, scan(1000));
    const growth = (await heap()) - before;
    expect(growth).toBeLessThan(4 * 1024 * 1024);
    // and the spans stayed low-cardinality: the method alone, never a path.
    const names = new Set(ctx.receiver.spans.filter((s) => s.attributes['http.response.status_code'] === 404).map((s) => s.name));
    expect([...names]).toEqual(['GET']);
  }, 120_000);

  it('2 000 requests abandoned mid-body: the heap flat, and the app still answers', async () => {
    await start();
    const abandon = () =>
      new Promise<void>((resolve) => {
        const req = request(`${ctx.app!.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': '100', authorization: 'Bearer alice' },
        });
        req.on('error', () => resolve());
        req.write('{"item":"');
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 2);
      });
    await run(300, 20, abandon);
    const before = await heap();
    await run(2000, 20, abandon);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const growth = (await heap()) - before;
    expect(growth).toBeLessThan(4 * 1024 * 1024);
    expect((await fetch(`${ctx.app!.url}/orders/1`)).status).toBe(200);
  }, 120_000);
});
