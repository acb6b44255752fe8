/**
 * An OTLP gRPC trace receiver that runs inside a Node process: DEVELOPMENT TOOLING ONLY, for
 * `npm run demo` and the test suite. It listens on 127.0.0.1 only, without TLS or authentication,
 * keeps every span in memory and never forwards anything; it is not a collector. In any deployed
 * environment, point OTEL_EXPORTER_OTLP_ENDPOINT at an OpenTelemetry Collector instead.
 */
import * as grpc from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import * as protobuf from 'protobufjs';

// otlp-transformer 0.223 no longer ships a generated protobufjs root (it hand-writes the wire
// format), so the schema lives here. Only field numbers and types matter on the wire, hence one
// package; transcribed from opentelemetry-proto trace, common, resource and trace_service protos.
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.collector.trace.v1;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope {
  string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4;
}
message Span {
  enum SpanKind { SPAN_KIND_UNSPECIFIED = 0; SPAN_KIND_INTERNAL = 1; SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3; SPAN_KIND_PRODUCER = 4; SPAN_KIND_CONSUMER = 5; }
  message Event {
    fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4;
  }
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; SpanKind kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10; repeated Event events = 11;
  uint32 dropped_events_count = 12; repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
}
message Status {
  enum StatusCode { STATUS_CODE_UNSET = 0; STATUS_CODE_OK = 1; STATUS_CODE_ERROR = 2; }
  string message = 2; StatusCode code = 3;
}
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
  double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const ROOT = protobuf.parse(OTLP_TRACE_PROTO).root;
const Request = ROOT.lookupType('ExportTraceServiceRequest');
const Response = ROOT.lookupType('ExportTraceServiceResponse');
const JSON_SHAPE = { longs: String, enums: String, bytes: String, defaults: false };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKind;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  status: { code: number; message?: string };
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  requests: unknown[];
  /** The gRPC metadata (headers) of each export call received, as lowercase names to values. */
  metadata: Array<Record<string, unknown>>;
  /** Export calls received, accepted or rejected. */
  attempts: { count: number };
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  clear(): void;
  close(): Promise<void>;
}

// Decoded with bytes left as Buffers and enums as numbers; only what ReceivedSpan needs.
interface AnyValue { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number;
  arrayValue?: { values?: AnyValue[] }; kvlistValue?: { values?: KeyValue[] }; bytesValue?: Uint8Array }
interface KeyValue { key: string; value?: AnyValue }
interface RawSpan { traceId: Uint8Array; spanId: Uint8Array; parentSpanId?: Uint8Array; name?: string; kind?: number;
  startTimeUnixNano?: string; endTimeUnixNano?: string; attributes?: KeyValue[];
  events?: Array<{ name?: string; attributes?: KeyValue[] }>; status?: { code?: number; message?: string } }
interface RawRequest { resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: RawSpan[] }> }> }

// Proto numbering reserves 0 for UNSPECIFIED; the API enum has no such member.
const KINDS = [SpanKind.INTERNAL, SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
const hex = (b: Uint8Array | undefined) => (b && b.length > 0 ? Buffer.from(b).toString('hex') : undefined);
const flatten = (kvs: KeyValue[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, anyValue(kv.value)]));
function anyValue(v: AnyValue | undefined): unknown {
  if (v?.intValue !== undefined) return Number(v.intValue);
  if (v?.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v?.kvlistValue) return flatten(v.kvlistValue.values);
  if (v?.bytesValue) return hex(v.bytesValue);
  return v?.stringValue ?? v?.boolValue ?? v?.doubleValue;
}

function toSpans(req: RawRequest): ReceivedSpan[] {
  return (req.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => ({
    traceId: hex(s.traceId) ?? '',
    spanId: hex(s.spanId) ?? '',
    parentSpanId: hex(s.parentSpanId),
    name: s.name ?? '',
    kind: KINDS[s.kind ?? 0] ?? SpanKind.INTERNAL,
    attributes: flatten(s.attributes),
    resource: flatten(rs.resource?.attributes),
    status: { code: s.status?.code ?? 0, message: s.status?.message },
    events: (s.events ?? []).map((e) => ({ name: e.name ?? '', attributes: flatten(e.attributes) })),
    startTimeUnixNano: s.startTimeUnixNano ?? '0',
    endTimeUnixNano: s.endTimeUnixNano ?? '0',
  }))));
}

const listSpans = (spans: ReceivedSpan[]) =>
  spans.map((s) => `${s.name} [${SpanKind[s.kind]}] ${s.spanId}<-${s.parentSpanId ?? 'root'}`).join('\n  ') || '(none)';

type PartialSuccess = { rejectedSpans: number; errorMessage: string };

export interface OtlpReceiverOptions {
  /** A fixed port (to restart a receiver where exporters expect it). @default any free port */
  port?: number;
  /**
   * Answers each export with this gRPC status instead of accepting it (tests of a collector that
   * rejects); the request is still counted in `attempts`, its spans are not kept.
   */
  reject?: () => { code: grpc.status; details: string } | undefined;
  /** Answers each export only after this long (a slow collector); its spans count on arrival. @default 0 */
  delayMillis?: number;
  /** Accepts each export but reports this many spans rejected, with this message. */
  partialSuccess?: { rejectedSpans: number; errorMessage: string };
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: unknown[] = [];
  const metadata: Array<Record<string, unknown>> = [];
  const attempts = { count: 0 };
  const server = new grpc.Server();
  const unsupported = () => { throw new Error('server-side definition only'); };
  server.addService({
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      requestStream: false,
      responseStream: false,
      requestDeserialize: (buf: Buffer) => Request.decode(buf),
      // Empty: full success; or the partial success the options ask for.
      responseSerialize: (value: { rejectedSpans: number; errorMessage: string } | null) =>
        value ? Buffer.from(Response.encode(Response.fromObject({ partialSuccess: value })).finish()) : Buffer.alloc(0),
      requestSerialize: unsupported,
      responseDeserialize: unsupported,
    },
  }, {
    Export: (call: grpc.ServerUnaryCall<protobuf.Message, PartialSuccess | null>, callback: grpc.sendUnaryData<PartialSuccess | null>) => {
      attempts.count += 1;
      metadata.push(call.metadata.getMap());
      const rejection = options.reject?.();
      if (rejection) return callback({ code: rejection.code, details: rejection.details }, null);
      requests.push(Request.toObject(call.request, JSON_SHAPE));
      spans.push(...toSpans(Request.toObject(call.request, { longs: String })));
      if (options.delayMillis) {
        const timer = setTimeout(() => callback(null, options.partialSuccess ?? null), options.delayMillis);
        timer.unref();
        return;
      }
      callback(null, options.partialSuccess ?? null);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    metadata,
    attempts,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() >= deadline) {
          throw new Error(`OTLP receiver: condition not met within ${timeoutMs} ms; got ${spans.length} span(s):\n  ${listSpans(spans)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return [...spans];
    },
    clear() {
      // In place, so arrays already handed to a test stay live.
      spans.length = 0;
      requests.length = 0;
      metadata.length = 0;
      attempts.count = 0;
    },
    close: () => (closing ??= new Promise<void>((resolve) => {
      // tryShutdown waits for client sessions; an exporter that never hangs up must not stall afterAll.
      const timer = setTimeout(() => { server.forceShutdown(); resolve(); }, 1_000);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    })),
  };
}

export const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] =>
  spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);

export function ancestors(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  const seen = new Set<string>([span.spanId]); // guards against a malformed parent cycle
  for (let cur = span; cur.parentSpanId !== undefined && !seen.has(cur.parentSpanId);) {
    seen.add(cur.parentSpanId);
    const parent = spans.find((s) => s.traceId === cur.traceId && s.spanId === cur.parentSpanId);
    if (!parent) break;
    chain.push(parent);
    cur = parent;
  }
  return chain;
}

export const reachesAncestor = (spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean =>
  ancestors(spans, span).some((a) => a.traceId === ancestor.traceId && a.spanId === ancestor.spanId);
