import { isBuiltin } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import type { INestApplication } from '@nestjs/common';
import { listInstrumentations, registerInstrumentations } from '../../lib/sdk/instrumentations';
import { startTestApp, type TestApp } from './test-app';

export interface InProcessTracing {
  exporter: InMemorySpanExporter;
  /** Options for `TracingModule.forRoot()` that export into `exporter` synchronously. */
  spanProcessors: SimpleSpanProcessor[];
  spans(): ReadableSpan[];
  teardown(): void;
}

/**
 * Phase 1 inside jest. jest loads modules through its own registry, which require-in-the-middle
 * never sees, so the register hooks cannot fire for `@nestjs/core` or `pg` in a test file. We
 * apply each instrumentation's own patch functions to the modules jest loaded, which is what the
 * require hook does in a real process (the child-process tests cover that real path).
 */
export function setupInProcessTracing(): InProcessTracing {
  const instrumentations = registerInstrumentations();
  if (!instrumentations) throw new Error('OTEL_SDK_DISABLED is set: in-process tracing tests need it unset');
  for (const instrumentation of listInstrumentations(instrumentations)) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      const version = isBuiltin(definition.name)
        ? undefined
        : (tryRequire(`${definition.name}/package.json`) as { version?: string } | undefined)?.version;
      const main = definition.patch && tryRequire(definition.name);
      if (main) definition.moduleExports = definition.patch!(main, version);
      for (const file of definition.files) {
        const loaded = tryRequire(file.name);
        if (loaded) file.moduleExports = file.patch(loaded, version);
      }
    }
  }
  const exporter = new InMemorySpanExporter();
  return {
    exporter,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    spans: () => exporter.getFinishedSpans(),
    teardown: () => {
      for (const instrumentation of listInstrumentations(instrumentations)) instrumentation.disable();
      delete (globalThis as Record<symbol, unknown>)[Symbol.for('nestjs-tracing.instrumentations')];
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** Optional parts (pg-native) are absent; the require hook would never see them either. */
function tryRequire(id: string): unknown {
  try {
    return require(id);
  } catch {
    return undefined;
  }
}

export interface TracedAppContext {
  tracing: InProcessTracing;
  app: TestApp;
}

/**
 * Registers the jest hooks that boot one traced app for a `describe` block and tear it (and the
 * OpenTelemetry globals) down after it; spans are cleared before each test. Read the fields inside
 * tests, not at describe time.
 */
export function useTracedApp(
  build: (tracing: InProcessTracing) => unknown,
  configure?: (app: INestApplication) => void,
): TracedAppContext {
  const ctx = {} as TracedAppContext;
  beforeAll(async () => {
    ctx.tracing = setupInProcessTracing();
    ctx.app = await startTestApp(build(ctx.tracing), configure);
  });
  afterAll(async () => {
    await ctx.app?.close();
    ctx.tracing?.teardown();
  });
  beforeEach(() => ctx.tracing.exporter.reset());
  return ctx;
}
