import type { Attributes } from '@opentelemetry/api';
import { getBooleanFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type {
  TracingExporterName,
  TracingModuleOptions,
} from '../interfaces/tracing-options.interface';
import { TracingConfigError } from '../tracing.errors';

/** Headers whose values never leave the process, whatever the configuration says. */
export const ALWAYS_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
];

/**
 * Query parameters that carry credentials: the semantic conventions' list, as the HTTP
 * instrumentation applies it, so incoming and outgoing URLs are redacted alike.
 */
export const DEFAULT_REDACTED_QUERY_PARAMS: readonly string[] = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

const EXPORTER_NAMES: readonly TracingExporterName[] = ['otlp', 'console', 'tree', 'none'];

/** Everything the SDK and the instrumentations need, with env fallbacks applied and validated. */
export interface ResolvedTracingConfig {
  disabled: boolean;
  serviceName?: string;
  serviceVersion?: string;
  deploymentEnvironment?: string;
  resourceAttributes: Attributes;
  excludedUrls: RegExp[];
  tracedRequestAttributes: string[];
  captureHeaders: { request: string[]; response: string[]; sanitize: ReadonlySet<string> };
  nestSpans: boolean;
  sqlCommenter: boolean;
  sqlLiterals: 'mask' | 'keep';
  dbSpansOutsideRequests: boolean;
  dbConnectSpans: boolean;
  outgoingSpans: boolean;
  /** The standard sensitive query parameters plus the configured ones. */
  redactedQueryParams: string[];
  exporters: Array<TracingExporterName | SpanExporter>;
  spanProcessors?: SpanProcessor[];
  shutdownTimeoutMillis: number;
}

/**
 * The one place where options meet the environment. Explicit options win; env parsing goes through
 * `@opentelemetry/core` so that empty values and whitespace follow the OpenTelemetry rules.
 */
export function resolveTracingConfig(options: TracingModuleOptions = {}): ResolvedTracingConfig {
  const excluded = options.excludedUrls
    ? { values: options.excludedUrls, source: 'excludedUrls' }
    : envList('OTEL_NESTJS_EXCLUDED_URLS') ?? envList('OTEL_NODE_EXCLUDED_URLS');
  const headers = options.captureHeaders ?? {};
  const sanitize = headers.sanitize ?? getStringListFromEnv(
    'OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS',
  ) ?? [];
  return {
    disabled: getBooleanFromEnv('OTEL_SDK_DISABLED'),
    serviceName: nonEmpty(options.serviceName, 'serviceName'),
    serviceVersion: nonEmpty(options.serviceVersion, 'serviceVersion'),
    deploymentEnvironment: nonEmpty(options.deploymentEnvironment, 'deploymentEnvironment'),
    resourceAttributes: options.resourceAttributes ?? {},
    excludedUrls: excluded ? compilePatterns(excluded.values, excluded.source) : [],
    tracedRequestAttributes:
      options.tracedRequestAttributes ?? getStringListFromEnv('OTEL_NESTJS_TRACED_REQUEST_ATTRS') ?? [],
    captureHeaders: {
      request: lower(headers.request ?? getStringListFromEnv('OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST') ?? []),
      response: lower(headers.response ?? getStringListFromEnv('OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE') ?? []),
      sanitize: new Set([...lower(sanitize), ...ALWAYS_REDACTED_HEADERS]),
    },
    nestSpans: options.nestSpans ?? envFlag('OTEL_NESTJS_NEST_SPANS') ?? false,
    sqlCommenter: options.sqlCommenter ?? envFlag('OTEL_NESTJS_SQL_COMMENTER') ?? true,
    sqlLiterals: resolveSqlLiterals(options.sqlLiterals),
    dbSpansOutsideRequests: options.dbSpansOutsideRequests ?? false,
    dbConnectSpans: options.dbConnectSpans ?? false,
    outgoingSpans: options.outgoingSpans ?? envFlag('OTEL_NESTJS_OUTGOING_SPANS') ?? true,
    redactedQueryParams: [
      ...DEFAULT_REDACTED_QUERY_PARAMS,
      ...(options.redactedQueryParams ?? getStringListFromEnv('OTEL_NESTJS_REDACTED_QUERY_PARAMS') ?? []),
    ],
    exporters: resolveExporters(options.traceExporter),
    spanProcessors: options.spanProcessors,
    shutdownTimeoutMillis: resolveTimeout(options.shutdownTimeoutMillis),
  };
}

function resolveSqlLiterals(option: TracingModuleOptions['sqlLiterals']): 'mask' | 'keep' {
  const source = option !== undefined ? 'sqlLiterals' : 'OTEL_NESTJS_SQL_LITERALS';
  const value = option ?? process.env.OTEL_NESTJS_SQL_LITERALS?.trim().toLowerCase() ?? '';
  if (value === '') return 'mask';
  if (value === 'mask' || value === 'keep') return value;
  throw new TracingConfigError(`${source}="${String(value)}" is not supported: use mask (the default) or keep.`);
}

/** Our own boolean variables: a value that is neither true nor false stops start-up. */
function envFlag(name: string): boolean | undefined {
  const raw = process.env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new TracingConfigError(`${name}="${process.env[name]}" is not a boolean: set true or false, or unset it.`);
}

function envList(name: string): { values: string[]; source: string } | undefined {
  const values = getStringListFromEnv(name);
  return values && values.length > 0 ? { values, source: name } : undefined;
}

function compilePatterns(patterns: Array<string | RegExp>, source: string): RegExp[] {
  return patterns.map((pattern, index) => {
    if (pattern instanceof RegExp) {
      // A global or sticky regex keeps `lastIndex` between calls and would skip every other match.
      return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    }
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new TracingConfigError(`${source}[${index}] must be a non-empty string or a RegExp.`);
    }
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new TracingConfigError(
        `${source}: "${pattern}" is not a valid regular expression (${(error as Error).message}). ` +
          'Fix the pattern or escape its special characters, e.g. "^/healthz$".',
      );
    }
  });
}

function resolveExporters(option: TracingModuleOptions['traceExporter']): ResolvedTracingConfig['exporters'] {
  if (option !== undefined && typeof option !== 'string') return [option];
  const source = option !== undefined ? 'traceExporter' : 'OTEL_TRACES_EXPORTER';
  const names = option !== undefined ? [option] : getStringListFromEnv('OTEL_TRACES_EXPORTER') ?? ['otlp'];
  for (const name of names) {
    if (!EXPORTER_NAMES.includes(name as TracingExporterName)) {
      throw new TracingConfigError(
        `${source}="${name}" is not supported: use one of ${EXPORTER_NAMES.join(', ')} ` +
          '(otlp exports over gRPC), or pass a SpanExporter instance as traceExporter.',
      );
    }
  }
  return names.length > 0 ? (names as TracingExporterName[]) : ['otlp'];
}

function resolveTimeout(value: number | undefined): number {
  if (value === undefined) return 5000;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TracingConfigError(`shutdownTimeoutMillis must be a positive number of milliseconds, got ${value}.`);
  }
  return value;
}

function nonEmpty(value: string | undefined, option: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
    throw new TracingConfigError(`${option} must be a non-empty string when set.`);
  }
  return value;
}

function lower(names: string[]): string[] {
  return names.map((name) => name.trim().toLowerCase()).filter((name) => name.length > 0);
}
