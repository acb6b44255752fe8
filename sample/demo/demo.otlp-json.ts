/**
 * The receiver keeps each export request as protobufjs decodes it (ids base64, enums by name);
 * OTLP/JSON, the format collectors and backends read, wants ids in hex and enums as integers.
 * Converting here also lets a trace id printed by the demo be found in the file as it is.
 */

interface JsonSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  kind?: string | number;
  status?: { code?: string | number; message?: string };
  links?: Array<{ traceId?: string; spanId?: string }>;
}
interface JsonRequest {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: JsonSpan[] }> }>;
}

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** All received export requests as one OTLP/JSON document: `{ resourceSpans: [...] }`. */
export function toOtlpJson(requests: readonly unknown[]): { resourceSpans: unknown[] } {
  const resourceSpans = (requests as JsonRequest[]).flatMap((request) => request.resourceSpans ?? []);
  return {
    resourceSpans: resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: (rs.scopeSpans ?? []).map((ss) => ({ ...ss, spans: (ss.spans ?? []).map(toJsonSpan) })),
    })),
  };
}

function toJsonSpan(span: JsonSpan): JsonSpan {
  return {
    ...span,
    traceId: hex(span.traceId),
    spanId: hex(span.spanId),
    ...(span.parentSpanId ? { parentSpanId: hex(span.parentSpanId) } : {}),
    ...(span.kind === undefined ? {} : { kind: enumValue(SPAN_KINDS, span.kind) }),
    ...(span.status ? { status: { ...span.status, code: enumValue(STATUS_CODES, span.status.code ?? 0) } } : {}),
    ...(span.links ? { links: span.links.map((link) => ({ ...link, traceId: hex(link.traceId), spanId: hex(link.spanId) })) } : {}),
  };
}

const hex = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('hex');
const enumValue = (names: string[], value: string | number) => (typeof value === 'number' ? value : Math.max(0, names.indexOf(value)));
