#!/usr/bin/env node
// Why export bytes can pile up as ArrayBuffers until a mark-compact (bench/README.md "Where the
// memory goes"). A payload leaves the process every 67 ms (~15 exports a second, what
// nestjs-tracing sends at ~3800 requests/s) while the process allocates garbage at the bench
// app's rate: over a plain TCP socket, as node:http2 request bodies, as @grpc/grpc-js unary
// calls, and as OTLP gRPC exports of real spans, through the stock transport and through the
// library's exporter. For each it reports how much the process's ArrayBuffers grow across
// scavenges (what a scavenge did not free waits for the next mark-compact) against the bytes
// sent. The receiving ends run in a child process, so only the sender's memory is measured.
//
//   npm run build && node bench/export-retention.mjs [--node 20|22|24|26]
import { fork } from 'node:child_process';
import { connect as connectTcp, createServer as createTcpServer } from 'node:net';
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { require, rerunOnNodeLine, ROOT } from './lib/microbench.mjs';

const SECONDS = 10;
const INTERVAL_MS = 67;
const PAYLOAD = 256 * 1024;
const GRPC_PAYLOAD = 190 * 1024; // what an export of 512 of those spans weighs
const REQUESTS_PER_SECOND = 3800;
const GARBAGE_PER_REQUEST = 40 * 1024; // the bench app allocates ~150-200 MB/s at that rate
const GRPC_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

if (process.argv[2] === '--sinks') await runSinks();
else {
  rerunOnNodeLine(import.meta.url);
  await main();
}

/** The receiving ends: a TCP sink, an HTTP/2 sink and an OTLP gRPC sink that accepts anything. */
async function runSinks() {
  const grpc = require('@grpc/grpc-js');
  let received = 0;
  const tcp = createTcpServer((socket) => socket.on('data', (chunk) => (received += chunk.length))).listen(0, '127.0.0.1');
  const http2 = createHttp2Server().listen(0, '127.0.0.1');
  http2.on('stream', (stream) => {
    stream.on('data', (chunk) => (received += chunk.length));
    stream.on('end', () => stream.respond({ ':status': 200 }, { endStream: true }));
  });
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(
    { Export: { path: GRPC_PATH, requestStream: false, responseStream: false, requestDeserialize: (buffer) => ((received += buffer.length), buffer), responseSerialize: () => Buffer.alloc(0) } },
    { Export: (_call, callback) => callback(null, null) },
  );
  const grpcPort = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );
  await Promise.all([tcp, http2].map((s) => new Promise((resolve) => (s.listening ? resolve() : s.once('listening', resolve)))));
  process.send({ tcp: tcp.address().port, http2: http2.address().port, grpc: grpcPort });
  process.on('message', () => process.send({ received }));
  process.on('disconnect', () => process.exit(0));
}

async function main() {
  const sinks = fork(fileURLToPath(import.meta.url), ['--sinks'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise((resolve) => sinks.once('message', resolve));
  const received = () => new Promise((resolve) => {
    sinks.once('message', (message) => resolve(message.received));
    sinks.send('count');
  });
  console.log(`Node ${process.version}: ${REQUESTS_PER_SECOND} requests/s (${GARBAGE_PER_REQUEST / 1024} KB of garbage each; with OTLP, their two spans); ` +
    `${PAYLOAD / 1024} KB (gRPC alone: ${GRPC_PAYLOAD / 1024} KB) every ${INTERVAL_MS} ms; ${SECONDS} s per case`);
  console.log('| sent as | sent MB/s | ArrayBuffers kept past scavenges, MB/s | peak ArrayBuffers, MB | scavenges / mark-compacts |');
  console.log('|---|---|---|---|---|');
  for (const [name, start] of [
    ['node:net socket writes', () => tcpSender(ports.tcp)],
    ['node:http2 request bodies', () => http2Sender(ports.http2)],
    ['@grpc/grpc-js unary calls, a new 190 KB Buffer each', () => grpcSender(ports.grpc)],
    ['OTLP gRPC exports of spans: the stock transport (a copy per export)', () => otlpSender(ports.grpc, true)],
    ['OTLP gRPC exports of spans: nestjs-tracing', () => otlpSender(ports.grpc, false)],
  ]) {
    const sender = await start();
    const before = await received();
    const r = await measure(sender);
    const sent = (await received()) - before;
    await sender.close();
    console.log(`| ${name} | ${mb(sent / SECONDS)} | ${mb(r.keptBytes / r.seconds)} | ${mb(r.peak)} | ${r.minor} / ${r.major} |`);
  }
  sinks.disconnect();
}

/** Runs a sender for SECONDS; ArrayBuffer growth from one scavenge to the next is what it kept. */
async function measure(sender) {
  const samples = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) samples.push({ kind: entry.detail.kind, at: Date.now(), ab: process.memoryUsage().arrayBuffers });
  });
  observer.observe({ entryTypes: ['gc'] });
  let sink;
  const started = Date.now();
  let requests = 0;
  const garbage = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * REQUESTS_PER_SECOND);
    for (; requests < due; requests++) {
      sender.request?.(requests);
      const objects = [];
      for (let b = 0; b < GARBAGE_PER_REQUEST; b += 64) objects.push({ b, s: 'x' });
      sink = objects;
    }
  }, 5);
  const sends = setInterval(() => sender.send?.(), INTERVAL_MS);
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  clearInterval(garbage);
  clearInterval(sends);
  await sender.flush?.();
  observer.disconnect();
  void sink;
  // The first two seconds are the heap growing to its working size.
  const steady = samples.filter((s) => s.at - started > 2000);
  let keptBytes = 0;
  for (let i = 1; i < steady.length; i++) {
    if (steady[i].kind === constants.NODE_PERFORMANCE_GC_MINOR && steady[i - 1].kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      keptBytes += Math.max(0, steady[i].ab - steady[i - 1].ab);
    }
  }
  return {
    keptBytes,
    seconds: steady.length > 1 ? (steady.at(-1).at - steady[0].at) / 1000 : 1,
    peak: Math.max(0, ...steady.map((s) => s.ab)),
    minor: samples.filter((s) => s.kind === constants.NODE_PERFORMANCE_GC_MINOR).length,
    major: samples.filter((s) => s.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length,
  };
}

async function tcpSender(port) {
  const socket = connectTcp(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return {
    send: () => socket.write(Buffer.allocUnsafe(PAYLOAD)),
    close: () => socket.destroy(),
  };
}

async function http2Sender(port) {
  const session = connectHttp2(`http://127.0.0.1:${port}`);
  await new Promise((resolve) => session.once('connect', resolve));
  return {
    send: () => {
      const stream = session.request({ ':method': 'POST', ':path': '/' });
      stream.end(Buffer.allocUnsafe(PAYLOAD));
      stream.resume();
    },
    close: () => new Promise((resolve) => session.close(resolve)),
  };
}

/** grpc-js alone: each request is kept past the call, from call objects in the old generation. */
async function grpcSender(port) {
  const grpc = require('@grpc/grpc-js');
  const identity = (bytes) => bytes;
  const Client = grpc.makeGenericClientConstructor(
    { Export: { path: GRPC_PATH, requestStream: false, responseStream: false, requestSerialize: identity, responseDeserialize: identity } },
    'TraceExportService',
  );
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    send: () => client.Export(Buffer.allocUnsafe(GRPC_PAYLOAD), () => {}),
    close: () => client.close(),
  };
}

/**
 * Two spans per request with the attributes nestjs-tracing records, batched (512) and exported by
 * the library's exporter, or by the construction it had before its own transport: the stock
 * delegate and transport of @opentelemetry/otlp-grpc-exporter-base with the same serializer.
 */
async function otlpSender(port, stockTransport) {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
  const { OtlpGrpcTraceExporter } = require(join(ROOT, 'dist/sdk/otlp-trace.exporter.js'));
  const { otlpTraceSerializer } = require(join(ROOT, 'dist/sdk/otlp-trace.serializer.js'));
  const { OTLPExporterBase } = require('@opentelemetry/otlp-exporter-base');
  const { convertLegacyOtlpGrpcOptions, createOtlpGrpcExportDelegate } = require('@opentelemetry/otlp-grpc-exporter-base');
  const { TraceExporterMetricsHelper } = require('@opentelemetry/otlp-transformer');
  const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { SpanKind } = require('@opentelemetry/api');
  const exporter = stockTransport
    ? new OTLPExporterBase(
        createOtlpGrpcExportDelegate(convertLegacyOtlpGrpcOptions({}, 'TRACES'), otlpTraceSerializer, 'otlp_grpc_span_exporter',
          TraceExporterMetricsHelper, undefined, 'TraceExportService', GRPC_PATH),
      )
    : new OtlpGrpcTraceExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer('export-retention');
  return {
    request: (i) => {
      const server = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER });
      server.setAttributes({
        'http.request.method': 'GET', 'url.path': `/orders/${i % 1000}`, 'url.scheme': 'http', 'server.address': 'localhost',
        'server.port': 3000, 'network.peer.address': '127.0.0.1', 'network.peer.port': 50000 + (i % 1000),
        'user_agent.original': 'wrk', 'http.route': '/orders/:id', 'http.response.status_code': 200,
      });
      const query = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT });
      query.setAttributes({
        'db.system.name': 'postgresql', 'db.namespace': 'bench', 'db.operation.name': 'SELECT', 'db.collection.name': 'orders',
        'db.query.text': 'SELECT "Order"."id" AS "Order_id", "Order"."total" AS "Order_total" FROM "orders" "Order" WHERE (("Order"."id" = $1)) LIMIT 1',
        'server.address': 'localhost', 'server.port': 5432,
      });
      query.end();
      server.end();
    },
    flush: () => provider.forceFlush(),
    close: () => provider.shutdown(),
  };
}

function mb(bytes) {
  return (bytes / 1048576).toFixed(1);
}
