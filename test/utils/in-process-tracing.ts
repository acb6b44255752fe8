import type { INestApplication } from '@nestjs/common';
import { TestingTracing } from 'nestjs-tracing/testing';
import { startTestApp, type TestApp } from './test-app';

/**
 * Our own in-process tests use the public testing kit, as users do: it does the register phase
 * inside jest and makes every TracingModule export into memory, whatever the app's options say.
 */
export function setupInProcessTracing(): TestingTracing {
  return TestingTracing.install();
}

export interface TracedAppContext {
  tracing: TestingTracing;
  app: TestApp;
}

/**
 * Registers the jest hooks that boot one traced app for a `describe` block and tear it (and the
 * OpenTelemetry globals) down after it; spans are cleared before each test. Read the fields inside
 * tests, not at describe time.
 */
export function useTracedApp(build: () => unknown, configure?: (app: INestApplication) => void): TracedAppContext {
  const ctx = {} as TracedAppContext;
  beforeAll(async () => {
    ctx.tracing = setupInProcessTracing();
    ctx.app = await startTestApp(build(), configure);
  });
  afterAll(async () => {
    await ctx.app?.close();
    ctx.tracing?.uninstall();
  });
  beforeEach(() => ctx.tracing.reset());
  return ctx;
}
