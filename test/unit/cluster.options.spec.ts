import { availableParallelism } from 'node:os';
import { resolveClusterOptions } from '../../lib/cluster/cluster.options';
import { TracingConfigError } from '../../lib/tracing.errors';

const worker = () => undefined;

describe('resolveClusterOptions', () => {
  it('defaults to one worker per available CPU, with register and bounded shutdown', () => {
    const resolved = resolveClusterOptions({ worker }, {});
    expect(resolved).toMatchObject({
      workers: availableParallelism(),
      register: true,
      shutdownTimeoutMillis: 15000,
      restart: { initialDelayMillis: 250, maxDelayMillis: 10000, stableAfterMillis: 10000, maxCrashes: 5 },
    });
  });

  it('reads WEB_CONCURRENCY, and an explicit option beats it', () => {
    expect(resolveClusterOptions({ worker }, { WEB_CONCURRENCY: ' 3 ' }).workers).toBe(3);
    expect(resolveClusterOptions({ worker, workers: 2 }, { WEB_CONCURRENCY: '3' }).workers).toBe(2);
    expect(resolveClusterOptions({ worker }, { WEB_CONCURRENCY: '' }).workers).toBe(availableParallelism());
  });

  it.each(['abc', '0', '-2', '1.5', '2 workers'])('rejects WEB_CONCURRENCY=%j naming the variable and the fix', (value) => {
    expect(() => resolveClusterOptions({ worker }, { WEB_CONCURRENCY: value })).toThrow(TracingConfigError);
    expect(() => resolveClusterOptions({ worker }, { WEB_CONCURRENCY: value })).toThrow(
      `WEB_CONCURRENCY="${value}" is not a number of workers: set a positive integer`,
    );
  });

  it('rejects bad options before anything forks', () => {
    expect(() => resolveClusterOptions({} as never, {})).toThrow(/needs a worker function/);
    expect(() => resolveClusterOptions({ worker, workers: 0 }, {})).toThrow(/workers must be a positive integer, got 0/);
    expect(() => resolveClusterOptions({ worker, shutdownTimeoutMillis: -1 }, {})).toThrow(/shutdownTimeoutMillis must be a positive number/);
    expect(() => resolveClusterOptions({ worker, restart: { maxCrashes: Number.NaN } }, {})).toThrow(/restart\.maxCrashes/);
  });
});
