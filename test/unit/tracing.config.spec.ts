import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { resolveTracingConfig } from '../../lib/sdk/tracing.config';
import { TracingConfigError } from '../../lib/tracing.errors';

const ENV_VARS = [
  'OTEL_NESTJS_EXCLUDED_URLS',
  'OTEL_NODE_EXCLUDED_URLS',
  'OTEL_NESTJS_TRACED_REQUEST_ATTRS',
  'OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST',
  'OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE',
  'OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS',
  'OTEL_TRACES_EXPORTER',
  'OTEL_SDK_DISABLED',
  'OTEL_NESTJS_OUTGOING_SPANS',
  'OTEL_NESTJS_REDACTED_QUERY_PARAMS',
  'OTEL_NESTJS_NEST_SPANS',
  'OTEL_NESTJS_SQL_COMMENTER',
];

function configError(resolve: () => unknown): TracingConfigError {
  try {
    resolve();
  } catch (error) {
    expect(error).toBeInstanceOf(TracingConfigError);
    return error as TracingConfigError;
  }
  throw new Error('expected a TracingConfigError');
}

describe('resolveTracingConfig', () => {
  let savedEnv: NodeJS.ProcessEnv;

  beforeEach(() => {
    savedEnv = { ...process.env };
    for (const name of ENV_VARS) delete process.env[name];
  });

  afterEach(() => {
    process.env = savedEnv;
  });

  it('applies the documented defaults when nothing is configured', () => {
    const config = resolveTracingConfig();

    expect(config).toMatchObject({
      disabled: false,
      sqlCommenter: true,
      dbSpansOutsideRequests: false,
      dbConnectSpans: false,
      exporters: ['otlp'],
      shutdownTimeoutMillis: 5000,
      excludedUrls: [],
      tracedRequestAttributes: [],
      captureHeaders: { request: [], response: [] },
    });
    expect([...config.captureHeaders.sanitize].sort()).toEqual(
      ['authorization', 'cookie', 'proxy-authorization', 'set-cookie'],
    );
  });

  describe('outgoing calls', () => {
    it('records outgoing spans by default and redacts the standard sensitive query parameters', () => {
      const config = resolveTracingConfig();
      expect(config.outgoingSpans).toBe(true);
      expect(config.redactedQueryParams).toEqual(expect.arrayContaining(['sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature']));
    });

    it('reads OTEL_NESTJS_OUTGOING_SPANS and OTEL_NESTJS_REDACTED_QUERY_PARAMS; options win', () => {
      process.env.OTEL_NESTJS_OUTGOING_SPANS = ' FALSE ';
      process.env.OTEL_NESTJS_REDACTED_QUERY_PARAMS = 'token, api_key';
      expect(resolveTracingConfig()).toMatchObject({ outgoingSpans: false, redactedQueryParams: expect.arrayContaining(['sig', 'token', 'api_key']) });
      expect(resolveTracingConfig({ outgoingSpans: true, redactedQueryParams: ['k'] }).outgoingSpans).toBe(true);
      expect(resolveTracingConfig({ redactedQueryParams: ['k'] }).redactedQueryParams).not.toContain('token');
    });

    it('leaves the Nest spans off and sqlcommenter on by default; OTEL_NESTJS_NEST_SPANS / OTEL_NESTJS_SQL_COMMENTER switch them; options win', () => {
      expect(resolveTracingConfig()).toMatchObject({ nestSpans: false, sqlCommenter: true });
      process.env.OTEL_NESTJS_NEST_SPANS = 'true';
      process.env.OTEL_NESTJS_SQL_COMMENTER = 'false';
      expect(resolveTracingConfig()).toMatchObject({ nestSpans: true, sqlCommenter: false });
      expect(resolveTracingConfig({ nestSpans: false, sqlCommenter: true })).toMatchObject({ nestSpans: false, sqlCommenter: true });
      process.env.OTEL_NESTJS_NEST_SPANS = 'on';
      expect(configError(() => resolveTracingConfig()).message).toContain('OTEL_NESTJS_NEST_SPANS="on" is not a boolean');
    });

    it('stops start-up on an OTEL_NESTJS_OUTGOING_SPANS that is not a boolean, naming it', () => {
      process.env.OTEL_NESTJS_OUTGOING_SPANS = 'yes';
      expect(configError(() => resolveTracingConfig()).message).toContain(
        'OTEL_NESTJS_OUTGOING_SPANS="yes" is not a boolean: set true or false, or unset it.',
      );
    });
  });

  describe('environment fallbacks', () => {
    it('compiles OTEL_NESTJS_EXCLUDED_URLS into trimmed regular expressions', () => {
      process.env.OTEL_NESTJS_EXCLUDED_URLS = 'healthz, ^/readyz';

      const { excludedUrls } = resolveTracingConfig();

      expect(excludedUrls).toHaveLength(2);
      expect(excludedUrls.every((re) => re instanceof RegExp)).toBe(true);
      const excluded = (path: string): boolean => excludedUrls.some((re) => re.test(path));
      expect(excluded('/healthz')).toBe(true);
      expect(excluded('/readyz')).toBe(true);
      expect(excluded('/orders')).toBe(false);
    });

    it('uses OTEL_NODE_EXCLUDED_URLS only when OTEL_NESTJS_EXCLUDED_URLS is unset', () => {
      process.env.OTEL_NODE_EXCLUDED_URLS = '^/node';
      expect(resolveTracingConfig().excludedUrls.map(String)).toEqual(['/^\\/node/']);

      process.env.OTEL_NESTJS_EXCLUDED_URLS = '^/nest';
      expect(resolveTracingConfig().excludedUrls.map(String)).toEqual(['/^\\/nest/']);
    });

    it('reads traced request attributes, lower-cased header lists, exporters and OTEL_SDK_DISABLED', () => {
      process.env.OTEL_NESTJS_TRACED_REQUEST_ATTRS = 'path,ip';
      process.env.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST = 'X-Request-Id, User-Agent';
      process.env.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE = 'Content-Type';
      process.env.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS = 'X-Api-Key';
      process.env.OTEL_TRACES_EXPORTER = 'console,none';
      process.env.OTEL_SDK_DISABLED = 'true';

      const config = resolveTracingConfig();

      expect(config.tracedRequestAttributes).toEqual(['path', 'ip']);
      expect(config.captureHeaders.request).toEqual(['x-request-id', 'user-agent']);
      expect(config.captureHeaders.response).toEqual(['content-type']);
      expect(config.captureHeaders.sanitize.has('x-api-key')).toBe(true);
      expect(config.captureHeaders.sanitize.has('authorization')).toBe(true);
      expect(config.exporters).toEqual(['console', 'none']);
      expect(config.disabled).toBe(true);
    });
  });

  it('lets explicit options win over the environment', () => {
    process.env.OTEL_NESTJS_EXCLUDED_URLS = '^/env';
    process.env.OTEL_NESTJS_TRACED_REQUEST_ATTRS = 'path,ip';
    process.env.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST = 'x-env-request';
    process.env.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE = 'x-env-response';
    process.env.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS = 'x-env-secret';
    process.env.OTEL_TRACES_EXPORTER = 'zipkin';
    const exporter = new InMemorySpanExporter();

    const config = resolveTracingConfig({
      excludedUrls: ['^/option'],
      tracedRequestAttributes: ['hostname'],
      captureHeaders: { request: ['X-Opt-Request'], response: ['x-opt-response'], sanitize: ['x-opt-secret'] },
      traceExporter: exporter,
    });

    expect(config.excludedUrls.map(String)).toEqual(['/^\\/option/']);
    expect(config.tracedRequestAttributes).toEqual(['hostname']);
    expect(config.captureHeaders.request).toEqual(['x-opt-request']);
    expect(config.captureHeaders.response).toEqual(['x-opt-response']);
    expect(config.captureHeaders.sanitize.has('x-opt-secret')).toBe(true);
    expect(config.captureHeaders.sanitize.has('x-env-secret')).toBe(false);
    expect(config.exporters).toEqual([exporter]);
    expect(resolveTracingConfig({ traceExporter: 'console' }).exporters).toEqual(['console']);
  });

  it('makes a global RegExp from excludedUrls match on every call', () => {
    const [pattern] = resolveTracingConfig({ excludedUrls: [/^\/healthz/g] }).excludedUrls;

    expect(pattern.test('/healthz')).toBe(true);
    expect(pattern.test('/healthz')).toBe(true);
  });

  describe('errors name the source and the fix', () => {
    it('rejects an invalid regular expression given as an option', () => {
      const error = configError(() => resolveTracingConfig({ excludedUrls: ['('] }));

      expect(error.message).toContain('excludedUrls: "(" is not a valid regular expression');
      expect(error.message).toContain('escape');
    });

    it('rejects an invalid regular expression from OTEL_NESTJS_EXCLUDED_URLS', () => {
      process.env.OTEL_NESTJS_EXCLUDED_URLS = '^/ok,[';

      expect(configError(() => resolveTracingConfig()).message).toContain(
        'OTEL_NESTJS_EXCLUDED_URLS: "[" is not a valid regular expression',
      );
    });

    it('rejects an unknown exporter in OTEL_TRACES_EXPORTER and lists the supported ones', () => {
      process.env.OTEL_TRACES_EXPORTER = 'zipkin';

      const { message } = configError(() => resolveTracingConfig());

      expect(message).toContain('OTEL_TRACES_EXPORTER="zipkin"');
      expect(message).toContain('otlp, console, tree, none');
    });

    it.each([0, Number.NaN])('rejects shutdownTimeoutMillis %p', (shutdownTimeoutMillis) => {
      expect(configError(() => resolveTracingConfig({ shutdownTimeoutMillis })).message).toContain(
        'shutdownTimeoutMillis must be a positive number',
      );
    });

    it('rejects an empty serviceName', () => {
      expect(configError(() => resolveTracingConfig({ serviceName: '' })).message).toContain(
        'serviceName must be a non-empty string',
      );
    });
  });
});
