import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TracingModuleOptions } from './interfaces/tracing-options.interface';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: TRACING_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TracingModuleOptions>()
  .setClassMethodName('forRoot')
  // One tracing setup per process: global by default, like the SDK it starts.
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
