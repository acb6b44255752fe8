import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { RequestHookRunner } from './http/request-hook.runner';
import type { TracingRequestHook } from './interfaces/tracing-hook.interface';
import type { TracingModuleOptions } from './interfaces/tracing-options.interface';
import { configureInstrumentations } from './sdk/configure';
import { getRegisteredInstrumentations } from './sdk/instrumentations';
import { findUnpatchedTargets } from './sdk/self-check';
import { resolveTracingConfig } from './sdk/tracing.config';
import { getTestingRegistry } from './testing/testing.registry';
import { TracingConfigError } from './tracing.errors';
import { startTracingSdk, type TracingSdkHandle } from './sdk/tracing.sdk';
import { ConfigurableModuleClass, OPTIONS_TYPE, TRACING_MODULE_OPTIONS } from './tracing.module-definition';

/**
 * Phase 2 of the two-phase start, the counterpart of Django's `AppConfig.ready()`: on module init
 * it starts the process's tracing SDK and configures the instrumentations that
 * `nestjs-tracing/register` installed; on application shutdown it flushes and stops the SDK.
 */
@Module({})
export class TracingModule extends ConfigurableModuleClass implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TracingModule');
  private sdk?: TracingSdkHandle;

  constructor(
    @Inject(TRACING_MODULE_OPTIONS) private readonly options: TracingModuleOptions,
    private readonly moduleRef: ModuleRef,
  ) {
    super();
  }

  /** Every option is optional: `TracingModule.forRoot()` takes everything from OTEL_* variables. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  onModuleInit(): void {
    // Throws TracingConfigError on a bad option: start-up fails rather than run half-traced.
    const config = resolveTracingConfig(this.options);
    const hooks = new RequestHookRunner(this.resolveHook(this.options.requestHook));
    this.sdk = startTracingSdk(config);
    if (!this.sdk.enabled) {
      this.logger.log('OTEL_SDK_DISABLED=true: tracing is off.');
      return;
    }
    this.logger.log(this.sdk.summary);
    const instrumentations = getRegisteredInstrumentations();
    if (instrumentations) configureInstrumentations(instrumentations, config, hooks);
    // The testing kit patches the modules jest loaded itself; require hooks never fire there.
    if (!getTestingRegistry()) for (const problem of findUnpatchedTargets()) this.logger.error(problem);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sdk?.shutdown();
  }

  private resolveHook(hook: TracingModuleOptions['requestHook']): TracingRequestHook | undefined {
    if (hook === undefined) return undefined;
    if (typeof hook !== 'function') {
      if (typeof hook === 'object' && hook !== null) return hook;
      throw new TracingConfigError('requestHook must be a provider class or an object with onRequest/onResponse.');
    }
    try {
      return this.moduleRef.get(hook, { strict: false });
    } catch {
      throw new TracingConfigError(
        `requestHook ${hook.name} is not a provider. Add it to the providers of a module ` +
          `(e.g. providers: [${hook.name}] in AppModule) so Nest can construct it with its dependencies.`,
      );
    }
  }
}
