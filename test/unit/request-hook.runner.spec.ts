import { INVALID_SPAN_CONTEXT, diag, trace, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import type { TracingRequestHook } from '../../lib/interfaces/tracing-hook.interface';
import { RequestHookRunner } from '../../lib/http/request-hook.runner';

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RequestHookRunner', () => {
  const provider = new BasicTracerProvider();
  let span: Span;
  let diagError: jest.SpyInstance;

  beforeEach(() => {
    span = provider.getTracer('t').startSpan('s');
    diagError = jest.spyOn(diag, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    span.end();
    diagError.mockRestore();
  });

  afterAll(() => provider.shutdown());

  it('calls onRequest and onResponse with the span, request and response', () => {
    const request = { url: '/orders' };
    const response = { statusCode: 201 };
    const hook: TracingRequestHook = {
      onRequest: jest.fn((s: Span) => {
        s.setAttribute('app.on_request', true);
      }),
      onResponse: jest.fn((s: Span) => {
        s.setAttribute('app.on_response', true);
      }),
    };
    const runner = new RequestHookRunner(hook);

    runner.onRequest(span, request);
    runner.onResponse(span, request, response);

    expect(hook.onRequest).toHaveBeenCalledWith(span, request);
    expect(hook.onResponse).toHaveBeenCalledWith(span, request, response);
    expect((span as unknown as ReadableSpan).attributes).toMatchObject({
      'app.on_request': true,
      'app.on_response': true,
    });
  });

  it('reports a throwing onRequest through diag instead of throwing', () => {
    const runner = new RequestHookRunner({
      onRequest: () => {
        throw new Error('boom');
      },
    });

    expect(() => runner.onRequest(span, {})).not.toThrow();
    expect(diagError).toHaveBeenCalledTimes(1);
    expect(diagError.mock.calls[0][0]).toContain('requestHook.onRequest failed');
  });

  it('reports a rejected onRequest promise asynchronously without awaiting it', async () => {
    let reject!: (error: Error) => void;
    const runner = new RequestHookRunner({
      onRequest: () => new Promise<void>((_, rej) => (reject = rej)),
    });

    expect(runner.onRequest(span, {})).toBeUndefined();
    expect(diagError).not.toHaveBeenCalled();

    reject(new Error('late'));
    await nextTick();
    expect(diagError).toHaveBeenCalledTimes(1);
    expect(diagError.mock.calls[0][0]).toContain('requestHook.onRequest failed');
  });

  it('returns at once when onRequest returns a promise that never settles', () => {
    const onRequest = jest.fn(() => new Promise<void>(() => undefined));
    const runner = new RequestHookRunner({ onRequest });

    expect(runner.onRequest(span, {})).toBeUndefined();
    expect(onRequest).toHaveBeenCalledTimes(1);
  });

  it('reports a throwing onResponse through diag instead of throwing', () => {
    const runner = new RequestHookRunner({
      onResponse: () => {
        throw new Error('boom');
      },
    });

    expect(() => runner.onResponse(span, {}, {})).not.toThrow();
    expect(diagError).toHaveBeenCalledTimes(1);
    expect(diagError.mock.calls[0][0]).toContain('requestHook.onResponse failed');
  });

  it('reports a rejected onResponse promise instead of leaving it unhandled', async () => {
    const runner = new RequestHookRunner({ onResponse: async () => Promise.reject(new Error('async boom')) });

    expect(() => runner.onResponse(span, {}, {})).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(diagError).toHaveBeenCalledTimes(1);
    expect(diagError.mock.calls[0][0]).toContain('requestHook.onResponse failed');
  });

  it('skips the hook for a span that is not recording', () => {
    const hook = { onRequest: jest.fn(), onResponse: jest.fn() };
    const runner = new RequestHookRunner(hook);
    const nonRecording = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

    runner.onRequest(nonRecording, {});
    runner.onResponse(nonRecording, {}, {});

    expect(hook.onRequest).not.toHaveBeenCalled();
    expect(hook.onResponse).not.toHaveBeenCalled();
  });

  it('does nothing without a hook', () => {
    const runner = new RequestHookRunner();

    expect(() => {
      runner.onRequest(span, {});
      runner.onResponse(span, {}, {});
    }).not.toThrow();
    expect(diagError).not.toHaveBeenCalled();
  });
});

describe('RequestHookRunner failure reports', () => {
  const provider = new BasicTracerProvider();
  let diagError: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    diagError = jest.spyOn(diag, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    diagError.mockRestore();
    jest.useRealTimers();
  });

  it('reports a hook that fails on every request once per interval, with the count, never per request', () => {
    const runner = new RequestHookRunner({
      onRequest: () => {
        throw new Error('user lookup down');
      },
    });
    const span = provider.getTracer('t').startSpan('s');
    for (let i = 0; i < 1000; i += 1) runner.onRequest(span, {});
    expect(diagError).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(30_000);
    runner.onRequest(span, {});
    expect(diagError).toHaveBeenCalledTimes(2);
    expect(String(diagError.mock.calls[1][0])).toContain('(and 999 more time(s) since the last report)');
    span.end();
  });

  it('never waits for a hook whose promise never settles', () => {
    const runner = new RequestHookRunner({ onRequest: () => new Promise<void>(() => {}) });
    const span = provider.getTracer('t').startSpan('s');
    const started = Date.now();
    runner.onRequest(span, {});
    expect(Date.now() - started).toBe(0);
    expect(diagError).not.toHaveBeenCalled();
    span.end();
  });
});
