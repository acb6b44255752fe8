'use strict';
// Ablation probes of the export call, loaded with --require before nestjs-tracing's app: they
// replace the `send` of nestjs-tracing's OTLP gRPC transport (reached by path: the package does
// not export it) and leave everything before it — batch processor, export delegate, serializer —
// as it is. TRANSPORT_PROBE names what is done with each serialized batch instead:
// - `drop` (variant nestjs-tracing-export-noop): not even serialized: the OTLP exporter's `export`
//   reports each batch exported at once (a microtask later); against nestjs-tracing-no-export,
//   what the batch processor and our reporting and retry wrappers cost;
// - `noop` (variant nestjs-tracing-send-noop): nothing, the call reported successful at once;
//   against nestjs-tracing, what the gRPC call costs the process;
// - `http2` (variant nestjs-tracing-http2): the same unary gRPC call (5-byte length prefix,
//   `te: trailers`, grpc-status from the trailers) as one request on a bare `node:http2` session,
//   plain text only; against nestjs-tracing, what a transport of our own over node:http2 would save.
const { dirname, join } = require('node:path');
const http2 = require('node:http2');

const mode = process.env.TRANSPORT_PROBE;
if (!['drop', 'noop', 'http2'].includes(mode)) throw new Error(`TRANSPORT_PROBE=${mode}: drop, noop or http2`);
const dist = join(dirname(require.resolve('nestjs-tracing/package.json')), 'dist/sdk');
const { OtlpGrpcTraceTransport } = require(join(dist, 'otlp-grpc.transport.js'));
const { OtlpGrpcTraceExporter } = require(join(dist, 'otlp-trace.exporter.js'));

const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const EMPTY = Buffer.alloc(0);
let session;

function connect(url) {
  const authority = /^[a-z]+:\/\//.test(url) ? url : `http://${url}`;
  session = http2.connect(authority);
  const drop = () => { session = undefined; };
  session.on('error', drop);
  session.on('close', drop);
  session.on('goaway', drop);
  session.unref();
  return session;
}

function http2Send(data, timeoutMillis) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result) => { if (!settled) { settled = true; resolve(result); } };
    let stream;
    try {
      const s = session && !session.destroyed ? session : connect(this.config.url);
      stream = s.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers' });
    } catch (error) {
      return settle({ status: 'failure', error });
    }
    stream.setTimeout(timeoutMillis, () => { stream.close(http2.constants.NGHTTP2_CANCEL); settle({ status: 'failure', error: new Error('deadline exceeded') }); });
    const chunks = [];
    let grpcStatus;
    stream.on('response', (headers) => { if (headers['grpc-status'] !== undefined) grpcStatus = headers['grpc-status']; });
    stream.on('trailers', (trailers) => { grpcStatus = trailers['grpc-status']; });
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', (error) => settle({ status: 'failure', error }));
    stream.on('end', () => {
      if (grpcStatus !== '0') return settle({ status: 'failure', error: new Error(`grpc-status ${grpcStatus}`) });
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      settle({ status: 'success', data: body.length > 5 ? body.subarray(5) : EMPTY });
    });
    stream.resume();
    const prefix = Buffer.allocUnsafe(5);
    prefix[0] = 0;
    prefix.writeUInt32BE(data.byteLength, 1);
    stream.write(prefix);
    stream.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}

if (mode === 'drop') OtlpGrpcTraceExporter.prototype.export = (spans, done) => queueMicrotask(() => done({ code: 0 }));
else OtlpGrpcTraceTransport.prototype.send = mode === 'noop' ? () => Promise.resolve({ status: 'success', data: EMPTY }) : http2Send;
