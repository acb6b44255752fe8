import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { TESTING_KEY } from '../tracing.constants';

/** What the testing kit hands to the SDK: the processors that replace the configured pipeline. */
export interface TestingRegistry {
  spanProcessors: SpanProcessor[];
  /** The kit that installed itself, so that a second install finds it. */
  kit: unknown;
}

type GlobalWithTesting = typeof globalThis & { [TESTING_KEY]?: TestingRegistry };

export function getTestingRegistry(): TestingRegistry | undefined {
  return (globalThis as GlobalWithTesting)[TESTING_KEY];
}

export function setTestingRegistry(registry: TestingRegistry | undefined): void {
  if (registry) (globalThis as GlobalWithTesting)[TESTING_KEY] = registry;
  else delete (globalThis as GlobalWithTesting)[TESTING_KEY];
}
