export { TracingModule } from './tracing.module';
export { TRACING_MODULE_OPTIONS } from './tracing.module-definition';
export type {
  CaptureHeadersOptions,
  TracingExporterName,
  TracingModuleOptions,
} from './interfaces/tracing-options.interface';
export type { TracingRequestHook } from './interfaces/tracing-hook.interface';
export { TracingConfigError } from './tracing.errors';
export { ATTR_ENDUSER_ID } from './sdk/semconv';
export { TraceTreeExporter } from './tree/trace-tree.exporter';
export type { TraceTreeExporterOptions } from './tree/trace-tree.exporter';
