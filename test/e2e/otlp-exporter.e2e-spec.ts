import { createServer, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { OtlpGrpcTraceExporter } from '../../lib/sdk/otlp-trace.exporter';
import { startChildApp } from '../utils/child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../utils/otlp-receiver';

/** `count` ended spans named `<tag> <i>`, each with a query text of its own (~250 bytes). */
function batch(tag: string, count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('otlp-exporter-spec');
  for (let i = 0; i < count; i++) {
    tracer.startSpan(`${tag} ${i}`, { attributes: { 'db.query.text': `SELECT '${tag}-${i}' ${'x'.repeat(200)}` } }).end();
  }
  return memory.getFinishedSpans();
}

/**
 * An HTTP/2 server that answers every gRPC call with an empty OK, noting what came on the wire and
 * on which connection; with `hang` set it leaves calls unanswered (a collector that stopped
 * responding but keeps its connections open).
 */
async function startWireSink() {
  const calls: Array<{ path: unknown; encoding: unknown; compressedFlag: number; bytes: number; session: number }> = [];
  const sessions: Http2Session[] = [];
  const control = { hang: false };
  const server = createServer();
  server.on('session', (session) => sessions.push(session));
  server.on('stream', (stream, headers) => {
    const session = sessions.indexOf(stream.session!) + 1;
    const chunks: Buffer[] = [];
    stream.on('error', () => {}); // a call the client cancels at its deadline resets the stream
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      calls.push({ path: headers[':path'], encoding: headers['grpc-encoding'], compressedFlag: body[0], bytes: body.length, session });
      if (control.hang) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0])); // an empty ExportTraceServiceResponse
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    control,
    /** Connections the server has seen, open or closed. */
    sessionCount: () => sessions.length,
    close: () => new Promise<void>((resolve) => {
      sessions.forEach((session) => session.destroy());
      server.close(() => resolve());
      setTimeout(resolve, 1000).unref(); // a session the exporter keeps open must not stall the test
    }),
  };
}

const exportOnce = (exporter: OtlpGrpcTraceExporter, spans: ReadableSpan[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));

/**
 * The library's OTLP gRPC exporter against a real gRPC receiver: its transport sends the
 * serializer's own buffers, which are reused once their call has completed — never while a
 * call that still has to send them is pending.
 */
describe('OTLP gRPC exporter', () => {
  const savedEnv = { ...process.env };
  let receiver: OtlpReceiver | undefined;
  let exporter: OtlpGrpcTraceExporter | undefined;

  afterEach(async () => {
    await exporter?.shutdown();
    await receiver?.close();
    exporter = receiver = undefined;
    process.env = { ...savedEnv };
  });

  it('batches sent back to back, while the channel connects and while the collector is slow to answer, arrive intact', async () => {
    receiver = await startOtlpReceiver({ delayMillis: 300 });
    exporter = new OtlpGrpcTraceExporter({ url: receiver.url });
    // Four at once on a channel not yet connected: gRPC holds each request until it can send it.
    const concurrent = await Promise.all(['a', 'b', 'c', 'd'].map((tag) => exportOnce(exporter!, batch(tag, 300))));
    expect(concurrent.map((result) => result.code)).toEqual(Array(4).fill(ExportResultCode.SUCCESS));
    // Then one after another: each reuses a buffer a completed call gave back.
    for (const tag of ['e', 'f', 'g', 'h']) expect((await exportOnce(exporter, batch(tag, 300))).code).toBe(ExportResultCode.SUCCESS);

    expect(receiver.spans).toHaveLength(8 * 300);
    const byName = new Map(receiver.spans.map((span) => [span.name, span]));
    for (const tag of 'abcdefgh') {
      for (let i = 0; i < 300; i++) {
        expect(byName.get(`${tag} ${i}`)?.attributes['db.query.text']).toBe(`SELECT '${tag}-${i}' ${'x'.repeat(200)}`);
      }
    }
  }, 30_000);

  it('sends OTEL_EXPORTER_OTLP_HEADERS as metadata and the OTLP user agent', async () => {
    receiver = await startOtlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-tenant=acme,authorization=Bearer%20t0k3n';
    exporter = new OtlpGrpcTraceExporter({ url: receiver.url });
    expect((await exportOnce(exporter, batch('headers', 50))).code).toBe(ExportResultCode.SUCCESS);

    expect(receiver.spans).toHaveLength(50);
    const [metadata] = receiver.metadata;
    expect(metadata).toMatchObject({ 'x-tenant': 'acme', authorization: 'Bearer t0k3n' });
    expect(String(metadata['user-agent'])).toMatch(/^OTel-OTLP-Exporter-JavaScript\/\d+\.\d+\.\d+ grpc-node-js\//);
  });

  it('compresses with gzip when OTEL_EXPORTER_OTLP_COMPRESSION=gzip, and only then (as seen on the wire)', async () => {
    const sink = await startWireSink();
    try {
      exporter = new OtlpGrpcTraceExporter({ url: sink.url });
      expect((await exportOnce(exporter, batch('plain', 50))).code).toBe(ExportResultCode.SUCCESS);
      await exporter.shutdown();
      process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip';
      exporter = new OtlpGrpcTraceExporter({ url: sink.url });
      expect((await exportOnce(exporter, batch('gz', 50))).code).toBe(ExportResultCode.SUCCESS);

      const [plain, gzip] = sink.calls;
      expect(plain).toMatchObject({ path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', encoding: undefined, compressedFlag: 0 });
      expect(gzip).toMatchObject({ encoding: 'gzip', compressedFlag: 1 });
      // The spans' repeated query text shrinks to a fraction.
      expect(gzip.bytes).toBeLessThan(plain.bytes / 4);
    } finally {
      await sink.close();
    }
  });

  it('an unreachable collector: the export fails with the gRPC error, within the timeout', async () => {
    exporter = new OtlpGrpcTraceExporter({ url: 'http://127.0.0.1:9', timeoutMillis: 2000 });
    const started = Date.now();
    const result = await exportOnce(exporter, batch('lost', 10));
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error).toMatchObject({ code: expect.any(Number) as number });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a collector that stops answering: after the sixth deadline in a row the exporter opens a new connection, and batches flow on it', async () => {
    const sink = await startWireSink();
    try {
      exporter = new OtlpGrpcTraceExporter({ url: sink.url, timeoutMillis: 400 });
      expect((await exportOnce(exporter, batch('before', 5))).code).toBe(ExportResultCode.SUCCESS);
      sink.control.hang = true;
      for (let i = 1; i <= 6; i++) {
        const result = await exportOnce(exporter, batch(`hung-${i}`, 5));
        expect(result.code).toBe(ExportResultCode.FAILED);
        expect(result.error).toMatchObject({ code: 4 }); // DEADLINE_EXCEEDED
      }
      // Five timeouts are tolerated on the same connection (the stock transport's rule); the
      // sixth replaces the client, so a connection wedged behind a proxy does not hold exports forever.
      expect(sink.calls.map((call) => call.session)).toEqual([1, 1, 1, 1, 1, 1, 1]);
      sink.control.hang = false;
      expect((await exportOnce(exporter, batch('after', 5))).code).toBe(ExportResultCode.SUCCESS);
      expect(sink.calls.at(-1)?.session).toBe(2);
      expect(sink.sessionCount()).toBe(2);
    } finally {
      await sink.close();
    }
  }, 30_000);

  it('deadlines that do not come six in a row keep the connection', async () => {
    const sink = await startWireSink();
    try {
      exporter = new OtlpGrpcTraceExporter({ url: sink.url, timeoutMillis: 400 });
      for (let round = 0; round < 2; round++) {
        sink.control.hang = true;
        for (let i = 0; i < 5; i++) expect((await exportOnce(exporter, batch(`hung-${round}-${i}`, 5))).code).toBe(ExportResultCode.FAILED);
        sink.control.hang = false;
        expect((await exportOnce(exporter, batch(`ok-${round}`, 5))).code).toBe(ExportResultCode.SUCCESS);
      }
      // Ten timeouts in all, but a success between each five resets the count.
      expect(sink.calls).toHaveLength(12);
      expect(sink.sessionCount()).toBe(1);
    } finally {
      await sink.close();
    }
  }, 30_000);

  it('export bytes do not wait for a mark-compact: ArrayBuffers stay flat across scavenges; no response decoder loaded', async () => {
    receiver = await startOtlpReceiver();
    const child = await startChildApp('export-memory.js', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, { nodeArgs: ['--expose-gc'], listeners: 0 });
    const line = await child.waitForLine(/^EXPORT_MEMORY (.*)$/, 20_000);
    const report = JSON.parse(line[1]) as { exports: number; requestBytes: number; growth: number; decoderLoaded: boolean };
    expect(await child.stop(null)).toMatchObject({ code: 0 });
    expect(receiver.spans).toHaveLength(report.exports * 300);
    // Before the lent buffers and the copy-free transport every export stayed until a
    // mark-compact: `exports` × `requestBytes` (~3 MB here). Now: at most a buffer or two.
    expect(report.growth).toBeLessThan(2 * report.requestBytes);
    // Every answer was a full success: the stock response decoder (~1 MB of heap) never loaded.
    expect(report.decoderLoaded).toBe(false);
  }, 30_000);
});
