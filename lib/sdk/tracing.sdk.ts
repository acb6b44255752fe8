import {
  context,
  diag,
  DiagConsoleLogger,
  DiagLogLevel,
  propagation,
  trace,
} from '@opentelemetry/api';
import { diagLogLevelFromString, getNumberFromEnv, getStringFromEnv } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { LOG_PREFIX, SDK_KEY } from '../tracing.constants';
import { getTestingRegistry } from '../testing/testing.registry';
import { TraceTreeExporter } from '../tree/trace-tree.exporter';
import { getRegisteredInstrumentations, listInstrumentations } from './instrumentations';
import { DeliveryLedger } from './delivery-ledger';
import { installErrorHandler, ReportingExporter } from './export-reporting';
import { OtlpGrpcTraceExporter } from './otlp-trace.exporter';
import { RetryingExporter } from './export-retry';
import { propagatorFromEnv } from './propagator';
import { primeSpanAllocationSites } from './allocation-sites.primer';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from './semconv';
import { buildResource } from './resource';
import type { ResolvedTracingConfig } from './tracing.config';

/** One user's hold on the process-wide SDK. */
export interface TracingSdkHandle {
  /** False when OTEL_SDK_DISABLED=true: nothing is recorded or exported. */
  readonly enabled: boolean;
  /** One line for the start-up log: who this process is and where its spans go. */
  readonly summary: string;
  forceFlush(): Promise<void>;
  /** Releases this hold; the last one flushes and shuts the SDK down, bounded by the timeout. */
  shutdown(): Promise<void>;
}

interface SdkState {
  provider?: NodeTracerProvider;
  summary: string;
  /** Set when one batched exporter makes "not delivered" countable. */
  ledger?: DeliveryLedger;
  destination?: string;
  users: number;
  timeoutMillis: number;
}

type GlobalWithSdk = typeof globalThis & { [SDK_KEY]?: SdkState };

/**
 * Phase 2: build the provider (BatchSpanProcessor + OTLP gRPC by default), register it with its
 * context manager and propagator, and point the phase-1 instrumentations at it. Once per process:
 * while an SDK runs, a second start only takes another hold on it.
 */
export function startTracingSdk(config: ResolvedTracingConfig): TracingSdkHandle {
  const registry = globalThis as GlobalWithSdk;
  let state = registry[SDK_KEY];
  if (state) {
    state.users += 1;
    diag.debug(`${LOG_PREFIX} the SDK is already running in this process; reusing it.`);
  } else {
    state = { users: 1, timeoutMillis: config.shutdownTimeoutMillis, summary: 'tracing is off (OTEL_SDK_DISABLED=true)' };
    if (!config.disabled) Object.assign(state, createProvider(config));
    registry[SDK_KEY] = state;
  }
  return holdOn(state);
}

function createProvider(config: ResolvedTracingConfig): Pick<SdkState, 'provider' | 'summary' | 'ledger' | 'destination'> {
  const ledger = new DeliveryLedger();
  // Before any logger: the priming's private provider reads the same OTEL_* variables as the real
  // one below, whose warnings about a bad value must come once.
  diag.disable();
  primeSpanAllocationSites();
  const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
  // core's parser maps an unknown value to INFO, and warns before any logger exists: check first.
  const known = logLevel !== undefined && LOG_LEVELS.includes(logLevel.toLowerCase());
  diag.setLogger(new DiagConsoleLogger(), {
    logLevel: (known ? diagLogLevelFromString(logLevel) : undefined) ?? DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
  // A standard variable with a bad value: one warning naming it, and the default (the spec's rule).
  if (logLevel !== undefined && !known) {
    diag.warn(`${LOG_PREFIX} OTEL_LOG_LEVEL="${logLevel}" is not a log level (none, error, warn, info, debug, verbose, all); using warn.`);
  }
  installErrorHandler();
  const resource = buildResource(config);
  const exporterProcessors = getTestingRegistry()?.spanProcessors ?? config.spanProcessors ??
    config.exporters.flatMap((exporter) => toProcessor(exporter, ledger));
  // Only a single batched OTLP pipeline has a meaningful "delivered" count to compare against.
  const counts = !getTestingRegistry() && !config.spanProcessors && config.exporters.filter((e) => e !== 'none' && e !== 'console' && e !== 'tree').length === 1;
  const provider = new NodeTracerProvider({
    resource,
    spanLimits: defaultSpanLimits(),
    spanProcessors: [
      ...(counts ? [ledger] : []),
      // Under nestjs-tracing/testing, every app in the process exports into the kit's memory.
      ...exporterProcessors,
    ],
  });
  provider.register({ propagator: propagatorFromEnv() });
  const instrumentations = getRegisteredInstrumentations();
  // The instrumentations were built before any provider existed; after an earlier SDK in this
  // process was shut down, their proxy tracers still point at it, so hand them this one.
  if (instrumentations) listInstrumentations(instrumentations).forEach((i) => i.setTracerProvider(provider));
  const { [ATTR_SERVICE_NAME]: name, [ATTR_SERVICE_INSTANCE_ID]: instance } = resource.attributes;
  return {
    provider,
    ledger: counts ? ledger : undefined,
    destination: describeDestination(config),
    summary: `tracing service "${String(name)}" (instance ${String(instance)}, pid ${process.pid}), spans to ${describeDestination(config)}`,
  };
}

const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];

/** Attribute values come from requests (headers, URLs, SQL): bound them unless the user did. */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 4096;

function defaultSpanLimits(): { attributeValueLengthLimit?: number } {
  const configured = ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'].some(
    (name) => getNumberFromEnv(name) !== undefined,
  );
  // Left unset, the SDK reads the variables itself (and warns about a bad value).
  return configured ? {} : { attributeValueLengthLimit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT };
}

function describeDestination(config: ResolvedTracingConfig): string {
  if (getTestingRegistry()) return 'the nestjs-tracing/testing in-memory exporter';
  if (config.spanProcessors) return `${config.spanProcessors.length} custom span processor(s)`;
  const names = config.exporters.filter((exporter) => exporter !== 'none').map(destinationOf);
  return names.length > 0 ? names.join(', ') : 'nowhere (OTEL_TRACES_EXPORTER=none)';
}

function destinationOf(exporter: ResolvedTracingConfig['exporters'][number]): string {
  if (exporter === 'tree') return 'the console, one tree per trace';
  if (exporter !== 'otlp') return typeof exporter === 'string' ? exporter : exporter.constructor.name;
  // The same precedence as the OTLP exporter itself; the endpoint is only reported here.
  const endpoint = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ??
    getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4317';
  return `OTLP gRPC ${endpoint.replace(/\/\/[^/@]*@/, '//***@')}`;
}

function toProcessor(exporter: ResolvedTracingConfig['exporters'][number], ledger: DeliveryLedger): SpanProcessor[] {
  if (exporter === 'none') return [];
  if (exporter === 'console') return [new SimpleSpanProcessor(new ConsoleSpanExporter())];
  if (exporter === 'tree') return [new SimpleSpanProcessor(new TraceTreeExporter())];
  // Retries inside, failure reporting and the delivered count outside: a retried batch that
  // finally lands counts as delivered, not as failed.
  const inner = exporter === 'otlp' ? new RetryingExporter(new OtlpGrpcTraceExporter(), { destination: destinationOf(exporter) }) : exporter;
  return [new BatchSpanProcessor(new ReportingExporter(inner, destinationOf(exporter), undefined, ledger))];
}

function holdOn(state: SdkState): TracingSdkHandle {
  let released = false;
  return {
    enabled: state.provider !== undefined,
    summary: state.summary,
    forceFlush: async () => {
      await state.provider?.forceFlush();
    },
    shutdown: async () => {
      if (released) return;
      released = true;
      state.users -= 1;
      if (state.users > 0) return;
      delete (globalThis as GlobalWithSdk)[SDK_KEY];
      await stopProvider(state);
    },
  };
}

async function stopProvider(state: SdkState): Promise<void> {
  const provider = state.provider;
  if (!provider) return;
  // Reset the API first, synchronously: a new start in this process (an app re-created while this
  // one is still flushing) must be able to register at once. Spans already ended sit in this
  // provider's processors, and the instrumentations keep their own reference to it.
  trace.disable();
  context.disable();
  propagation.disable();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), state.timeoutMillis);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([provider.shutdown().then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout' && !state.ledger) {
      diag.warn(`${LOG_PREFIX} spans not exported within ${state.timeoutMillis} ms of shutdown were dropped.`);
    }
  } catch (error) {
    diag.error(`${LOG_PREFIX} shutting the tracing SDK down failed`, error);
  } finally {
    clearTimeout(timer);
    // Whatever the outcome, say how many spans never reached the collector (none: no line).
    state.ledger?.reportUndelivered(`${state.destination ?? 'the exporter'}${state.timeoutMillis ? ` (shutdown waited up to ${state.timeoutMillis} ms)` : ''}`);
  }
}
