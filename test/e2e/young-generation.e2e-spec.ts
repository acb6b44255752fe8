import { startChildApp } from '../utils/child-app';

/**
 * Spans wait in the export queue, so early in a process's life most span objects survive young
 * collections, and V8 reacts by allocating every later one straight into the old generation
 * ("pretenuring"): from then on they, and the young objects they point to, are freed only by full
 * collections, and the young generation grows to its maximum (bench/README.md, "Where the memory
 * goes"). The fixture reproduces that early life with the library's SDK started, then asks V8
 * (natives syntax) where a new span's objects and a new extracted parent are born.
 */
describe('span objects stay in the young generation', () => {
  it.each<[string, Record<string, string | undefined>]>([
    ['the default sampler', {}],
    // Requests with a sampled parent record; the priming's own root spans must record too.
    ['a parent-based 1 % sampler', { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' }],
  ])('after spans and parents were kept across young collections, new ones are still born young (%s)', async (_, env) => {
    const child = await startChildApp('young-spans.js', { OTEL_SERVICE_NAME: undefined, OTEL_TRACES_SAMPLER: undefined, OTEL_TRACES_SAMPLER_ARG: undefined, ...env }, {
      // A young generation of 16 MB from the start: V8 pretenures only above that size, as in an app under load.
      nodeArgs: ['--allow-natives-syntax', '--expose-gc', '--min-semi-space-size=16'],
      listeners: 0,
    });
    const line = await child.waitForLine(/^YOUNG_SPANS (.*)$/, 20_000);
    expect(await child.stop(null)).toMatchObject({ code: 0 });
    // Without the start-up priming the SDK's literals (span context, status, end time, duration,
    // links, events) were old here; with core's W3C propagator, so was the parent (checked by mutation).
    expect(JSON.parse(line[1])).toEqual({
      spanContext: true,
      status: true,
      startTime: true,
      endTime: true,
      duration: true,
      links: true,
      events: true,
      parentSpanContext: true,
    });
  }, 30_000);
});
