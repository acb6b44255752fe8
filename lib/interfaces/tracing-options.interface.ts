import type { Type } from '@nestjs/common';
import type { Attributes } from '@opentelemetry/api';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { TracingRequestHook } from './tracing-hook.interface';

/** Which exporter the SDK builds when no `spanProcessors` are given. */
export type TracingExporterName = 'otlp' | 'console' | 'tree' | 'none';

/** Request and response headers to record on the SERVER span. */
export interface CaptureHeadersOptions {
  /**
   * Request headers recorded as `http.request.header.<name>` (lower-case, string array values).
   * @default OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST, else none
   */
  request?: string[];
  /**
   * Response headers recorded as `http.response.header.<name>`.
   * @default OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE, else none
   */
  response?: string[];
  /**
   * Captured headers whose value is replaced by `[REDACTED]`. `authorization`,
   * `proxy-authorization`, `cookie` and `set-cookie` are always redacted, whatever this says.
   * @default OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS, else none
   */
  sanitize?: string[];
}

/**
 * Options of `TracingModule.forRoot()` / `forRootAsync()`. Every option that has an environment
 * variable falls back to it; an explicit option always wins.
 */
export interface TracingModuleOptions {
  /**
   * Resource `service.name`.
   * @default OTEL_SERVICE_NAME, else the SDK default `unknown_service:node`
   */
  serviceName?: string;
  /**
   * Resource `service.version`.
   * @default `service.version` from OTEL_RESOURCE_ATTRIBUTES, else npm_package_version when run by npm
   */
  serviceVersion?: string;
  /**
   * Resource `deployment.environment.name`.
   * @default `deployment.environment.name` from OTEL_RESOURCE_ATTRIBUTES, else NODE_ENV when set
   */
  deploymentEnvironment?: string;
  /**
   * Extra resource attributes; they override OTEL_RESOURCE_ATTRIBUTES.
   * @default {}
   */
  resourceAttributes?: Attributes;
  /**
   * Requests whose URL path (query string ignored) matches one of these regular expressions
   * produce no spans at all: no SERVER span, no Nest spans, no database spans.
   * Strings are compiled with `new RegExp()`.
   * @default OTEL_NESTJS_EXCLUDED_URLS, else OTEL_NODE_EXCLUDED_URLS (comma-separated), else none
   */
  excludedUrls?: Array<string | RegExp>;
  /**
   * Express request properties (e.g. `path`, `ip`, `hostname`, `protocol`) copied onto the SERVER
   * span under their own names when the response is written. Only string, number and boolean
   * values are recorded.
   * @default OTEL_NESTJS_TRACED_REQUEST_ATTRS (comma-separated), else none
   */
  tracedRequestAttributes?: string[];
  /**
   * Headers recorded on the SERVER span. See {@link CaptureHeadersOptions}.
   * @default from the OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_* variables, else none
   */
  captureHeaders?: CaptureHeadersOptions;
  /**
   * Record Nest's two INTERNAL spans per request (`OrdersController.findOne`, the request context,
   * and `findOne`, the handler) between the SERVER span and the database spans. Off by default:
   * they cost as much CPU as the SERVER span and tell what its `nestjs.controller` and
   * `nestjs.callback` attributes already say (see bench/README.md); turn them on to see guards,
   * pipes and interceptors apart from the handler's own time.
   * @default OTEL_NESTJS_NEST_SPANS (`true`/`false`), else false
   */
  nestSpans?: boolean;
  /**
   * Append the span's `traceparent` to each SQL statement as a sqlcommenter comment, so
   * PostgreSQL logs (and `pg_stat_activity`) link to traces.
   * @default OTEL_NESTJS_SQL_COMMENTER (`true`/`false`), else true
   */
  sqlCommenter?: boolean;
  /**
   * `mask` replaces string and numeric literals written into SQL text (`WHERE email = 'a@b.c'`)
   * by `?` in `db.query.text`; `keep` records the text as written. Bind values (`$1`) are never
   * recorded either way.
   * @default OTEL_NESTJS_SQL_LITERALS (`mask`/`keep`), else `mask`
   */
  sqlLiterals?: 'mask' | 'keep';
  /**
   * Record database spans for queries made outside any span (start-up, migrations, timers).
   * @default false
   */
  dbSpansOutsideRequests?: boolean;
  /**
   * Record `pg.connect` / `pg-pool.connect` spans.
   * @default false
   */
  dbConnectSpans?: boolean;
  /**
   * Record a CLIENT span for each outgoing HTTP call made while handling a request (global
   * `fetch`, `node:http`/`https`, so `@nestjs/axios` too). When false, the calls still carry the
   * request's `traceparent` (and `tracestate`/`baggage` per OTEL_PROPAGATORS), so downstream
   * services stay in the trace, but no span is recorded for the call itself.
   * @default OTEL_NESTJS_OUTGOING_SPANS (`true`/`false`), else true
   */
  outgoingSpans?: boolean;
  /**
   * Query parameters whose values are replaced by `REDACTED` in `url.full` / `url.query` of
   * SERVER and CLIENT spans, in addition to the semantic conventions' list (`AWSAccessKeyId`,
   * `Signature`, `sig`, `X-Goog-Signature`, and the AWS pre-signed URL parameters). Case-sensitive.
   * @default OTEL_NESTJS_REDACTED_QUERY_PARAMS (comma-separated), else none beyond the standard list
   */
  redactedQueryParams?: string[];
  /**
   * A hook run against each request's SERVER span: a provider class (resolved from Nest's
   * container, so it may inject anything) or an instance.
   * @default none
   */
  requestHook?: Type<TracingRequestHook> | TracingRequestHook;
  /**
   * The exporter: `otlp` (OTLP over gRPC, configured by the standard OTEL_EXPORTER_OTLP_*
   * variables), `console`, `tree` (development: each finished trace printed as an indented
   * tree), `none`, or an exporter instance. Batched by a BatchSpanProcessor (OTEL_BSP_* variables).
   * @default OTEL_TRACES_EXPORTER, else `otlp`
   */
  traceExporter?: TracingExporterName | SpanExporter;
  /**
   * Span processors that replace the exporter pipeline entirely (for tests, or custom
   * pipelines). When set, `traceExporter` is ignored, and the SERVER and query spans get their
   * attributes at creation, so a processor's `onStart` sees them. Without them the attributes are
   * set right after the start, which costs less: the SDK copies creation attributes twice for the
   * sampler, and the samplers it can be configured with (`OTEL_TRACES_SAMPLER`) do not read them.
   * @default none
   */
  spanProcessors?: SpanProcessor[];
  /**
   * How long application shutdown waits for the last spans to be flushed and exported.
   * @default 5000
   */
  shutdownTimeoutMillis?: number;
}
