// The benchmark's OTLP gRPC trace receiver: a separate process (spawned by run.mjs with an IPC
// channel, pinned to the load core), listening on 127.0.0.1. It decodes only what it counts —
// each span's trace id, name and kind — and counts spans and distinct traces per "tag", the first 8 hex digits of
// the trace id, which the load generator sets per measurement window (lib/load.mjs). Development
// tooling, like sample/demo/otlp-receiver.ts whose approach it follows: no TLS, no auth, no storage.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

// Field numbers from opentelemetry-proto (collector/trace/v1, trace/v1): everything else in the
// message is skipped by the decoder without being materialised.
const { root } = protobuf.parse(`
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { repeated ScopeSpans scope_spans = 2; }
message ScopeSpans { repeated Span spans = 2; }
message Span { bytes trace_id = 1; string name = 5; int32 kind = 6; }
`);
const Request = root.lookupType('ExportTraceServiceRequest');

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const NAMES_PER_TAG = 2000; // span names are tallied for the first spans of each tag only

/** tag -> { spans, traces: Map<traceId, spanCount>, names: Map<'KIND name', count> } */
let tags = new Map();
let exports = 0;
let bytes = 0;
let spansTotal = 0;

function record(traceId, name, kind) {
  const hex = Buffer.from(traceId.buffer, traceId.byteOffset, traceId.byteLength).toString('hex');
  const tag = hex.slice(0, 8);
  let entry = tags.get(tag);
  if (!entry) tags.set(tag, (entry = { spans: 0, traces: new Map(), names: new Map() }));
  if (entry.spans < NAMES_PER_TAG) {
    const key = `${KINDS[kind] ?? kind} ${name}`;
    entry.names.set(key, (entry.names.get(key) ?? 0) + 1);
  }
  entry.spans += 1;
  entry.traces.set(hex, (entry.traces.get(hex) ?? 0) + 1);
  spansTotal += 1;
}

const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
const unsupported = () => {
  throw new Error('server-side definition only');
};
server.addService(
  {
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      requestStream: false,
      responseStream: false,
      requestDeserialize: (buf) => {
        bytes += buf.length;
        return Request.decode(buf);
      },
      responseSerialize: () => Buffer.alloc(0), // an empty ExportTraceServiceResponse: full success
      requestSerialize: unsupported,
      responseDeserialize: unsupported,
    },
  },
  {
    Export: (call, callback) => {
      exports += 1;
      for (const rs of call.request.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) {
          for (const span of ss.spans ?? []) if (span.traceId?.length) record(span.traceId, span.name, span.kind);
        }
      }
      callback(null, null);
    },
  },
);

/** Summary of one tag: spans, distinct traces, and how many traces had n spans. */
function summarize(tag) {
  const entry = tags.get(tag);
  if (!entry) return { spans: 0, traces: 0, spansPerTrace: {}, names: {} };
  const histogram = {};
  for (const n of entry.traces.values()) histogram[n] = (histogram[n] ?? 0) + 1;
  return { spans: entry.spans, traces: entry.traces.size, spansPerTrace: histogram, names: Object.fromEntries(entry.names) };
}

process.on('message', (message) => {
  if (message?.type === 'stats') {
    const out = {};
    for (const tag of message.tags ?? [...tags.keys()]) out[tag] = summarize(tag);
    process.send({ type: 'stats', id: message.id, tags: out, exports, bytes, spansTotal });
  } else if (message?.type === 'reset') {
    tags = new Map();
    process.send({ type: 'reset', id: message.id });
  } else if (message?.type === 'stop') {
    server.forceShutdown();
    process.exit(0);
  }
});
// The harness going away, however it ends, takes the receiver with it.
process.on('disconnect', () => process.exit(0));

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`[receiver] ${error.message}\n`);
    process.exit(1);
  }
  process.send({ type: 'ready', port });
});
