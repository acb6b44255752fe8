import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';

/** The part of a span a tree needs; built from an SDK span or from a received OTLP span. */
export interface TreeSpan {
  traceId: string;
  spanId: string;
  /** Absent for a root; a parent that is not among the spans makes this span a root of its tree too. */
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  startTimeMs: number;
  durationMs: number;
  status: { code: SpanStatusCode; message?: string };
  attributes: Attributes;
  resource?: Attributes;
}

export interface TraceTreeNode {
  span: TreeSpan;
  children: TraceTreeNode[];
}

/** One trace: its spans arranged by parent, roots and children in start order. */
export interface TraceTree {
  traceId: string;
  roots: TraceTreeNode[];
}

/** The attributes worth a glance, in this order; everything else stays in the exported data. */
const KEY_ATTRIBUTES = ['http.route', 'http.response.status_code', 'enduser.id', 'db.query.text', 'url.full', 'error.type'];

export function toTreeSpan(span: ReadableSpan): TreeSpan {
  const [startS, startNs] = span.startTime;
  const [durS, durNs] = span.duration;
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    startTimeMs: startS * 1e3 + startNs / 1e6,
    durationMs: durS * 1e3 + durNs / 1e6,
    status: span.status,
    attributes: span.attributes,
    resource: span.resource.attributes,
  };
}

/** Groups spans into traces (in order of first start) and each trace into parent/child trees. */
export function buildTraceTrees(spans: readonly TreeSpan[]): TraceTree[] {
  const byTrace = new Map<string, TreeSpan[]>();
  for (const span of [...spans].sort((a, b) => a.startTimeMs - b.startTimeMs)) {
    byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
  }
  return [...byTrace].map(([traceId, members]) => {
    const nodes = new Map(members.map((span) => [span.spanId, { span, children: [] as TraceTreeNode[] }]));
    const roots: TraceTreeNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.span.parentSpanId ? nodes.get(node.span.parentSpanId) : undefined;
      (parent && parent !== node ? parent.children : roots).push(node);
    }
    return { traceId, roots };
  });
}

/**
 * Renders one trace as an indented tree, one line per span:
 *
 *   trace 4bf92f35… · orders-web
 *   GET /orders/:id  SERVER  12.3 ms  http.route=/orders/:id http.response.status_code=200  pid=4242
 *   └─ SELECT orders  CLIENT  1.9 ms  db.query.text="SELECT … WHERE id = $1"
 */
export function renderTraceTree(tree: TraceTree): string {
  const service = tree.roots[0]?.span.resource?.['service.name'];
  const lines = [`trace ${tree.traceId}${service ? ` · ${String(service)}` : ''}`];
  const walk = (node: TraceTreeNode, prefix: string, childPrefix: string): void => {
    // A root with a parent id continues a trace started elsewhere (an incoming traceparent).
    const remote = prefix === '' && node.span.parentSpanId ? `  ↖ parent ${node.span.parentSpanId} elsewhere` : '';
    lines.push(prefix + describe(node.span, service) + remote);
    node.children.forEach((child, index) => {
      const last = index === node.children.length - 1;
      walk(child, childPrefix + (last ? '└─ ' : '├─ '), childPrefix + (last ? '   ' : '│  '));
    });
  };
  for (const root of tree.roots) walk(root, '', '');
  return lines.join('\n');
}

/** Renders every trace among `spans`, separated by blank lines. */
export function renderTraces(spans: readonly TreeSpan[]): string {
  return buildTraceTrees(spans).map(renderTraceTree).join('\n\n');
}

function describe(span: TreeSpan, traceService: unknown): string {
  const parts = [span.name, SpanKind[span.kind] ?? String(span.kind), `${span.durationMs.toFixed(1)} ms`];
  if (span.status.code === SpanStatusCode.ERROR) parts.push(`ERROR${span.status.message ? `: ${span.status.message}` : ''}`);
  // The raw path only when no route names the request (a 404 outside any route); the URL only
  // for calls out (the Nest spans report a path there).
  const keys = [
    ...(span.kind === SpanKind.SERVER && span.attributes['http.route'] === undefined ? ['url.path'] : []),
    ...KEY_ATTRIBUTES.filter((key) => key !== 'url.full' || span.kind === SpanKind.CLIENT),
  ];
  const attributes = keys.filter((key) => span.attributes[key] !== undefined)
    .map((key) => `${key}=${format(span.attributes[key])}`)
    .join(' ');
  if (attributes) parts.push(attributes);
  // Only the entry span says which process (and, across services, which service) served it.
  if (span.kind === SpanKind.SERVER && span.resource) {
    const service = span.resource['service.name'];
    const where = [service !== traceService && service !== undefined ? `service=${String(service)}` : '', span.resource['process.pid'] !== undefined ? `pid=${String(span.resource['process.pid'])}` : ''];
    if (where.some(Boolean)) parts.push(where.filter(Boolean).join(' '));
  }
  return parts.join('  ');
}

function format(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  // A long column list says little; what a query reads and how it filters is in FROM and WHERE.
  const flat = value.replace(/\s+/g, ' ').trim().replace(/^SELECT (?!.*\bSELECT\b).{40,}? FROM /i, 'SELECT … FROM ');
  const short = flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
  return /\s/.test(short) ? `"${short}"` : short;
}
