#!/usr/bin/env node
// Microbenchmark: the span work of one traced request, alone — no HTTP, no database, no I/O —
// through the real SDK (BasicTracerProvider, BatchSpanProcessor with its defaults, the
// AsyncLocalStorage context manager, the W3C propagator) down to the serialized export bytes:
//   none   a context switch, nothing else (the loop's own cost);
//   floor  the floor probe's work: extract, one SERVER span, its context, one attribute, the stock
//          OTLP serializer;
//   ours   nestjs-tracing's work for GET /orders/:id, with its own functions where it has them
//          (request attributes, the query span, sqlcommenter, the serializer): SERVER span with the
//          stable attributes, RPC metadata, the Nest attributes, the query's CLIENT span, route.
//   oursPing  the same without the query: GET /ping's single SERVER span.
//   oursAtStart  ours with the attributes handed to startSpan (what it does when the app has span
//          processors of its own), against ours setting them after the start.
// Interleaved rounds in one process; prints ns per request and ours/floor of the extra over none.
// It tells how much of the bench's difference is the span work itself (run.mjs measures the rest).
//
//   npm run bench:spans [-- --node 24]
import { join } from 'node:path';
import { require, rerunOnNodeLine, ROOT } from './lib/microbench.mjs';

rerunOnNodeLine(import.meta.url);

const { context, propagation, trace, ROOT_CONTEXT, SpanKind } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { RPCType, setRPCMetadata, W3CTraceContextPropagator } = require('@opentelemetry/core');
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { otlpTraceSerializer } = require(join(ROOT, 'dist/sdk/otlp-trace.serializer.js'));
const { requestAttributes } = require(join(ROOT, 'dist/http/server-span.attributes.js'));
const { startQuerySpan, withTraceComment, endSpan } = require(join(ROOT, 'dist/db/pg-query.span.js'));
const { startSpanWithAttributes } = require(join(ROOT, 'dist/sdk/span-start.js'));

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const exported = { spans: 0, bytes: 0 };
function tracerWith(serializer) {
  // The exporter stops at the bytes: what the gRPC transport would be handed.
  const exporter = {
    export(spans, done) {
      exported.spans += spans.length;
      exported.bytes += serializer.serializeRequest(spans).length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const resource = resourceFromAttributes({ 'service.name': 'orders', 'service.instance.id': 'b1c2', 'process.pid': 4242 });
  return new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
}
const providers = [tracerWith(ProtobufTraceSerializer), tracerWith(otlpTraceSerializer)];
const [floorTracer, oursTracer] = providers.map((provider) => provider.getTracer('bench'));

const SQL = 'SELECT "Order"."id" AS "Order_id", "Order"."customer" AS "Order_customer", "Order"."status" AS "Order_status", ' +
  '"Order"."total" AS "Order_total", "Order"."createdAt" AS "Order_createdAt" FROM "orders" "Order" WHERE (("Order"."id" = $1)) LIMIT 1';
const PG = { database: 'bench', host: '127.0.0.1', port: 5432 };
const pgSettings = (attributesAtStart) => ({ requireParentSpan: true, sqlCommenter: true, sqlLiterals: 'mask', connectSpans: false, attributesAtStart });
const PG_SETTINGS = [pgSettings(false), pgSettings(true)];
const NO_PARAMS = new Set();
const requests = Array.from({ length: 1024 }, (_, i) => ({
  method: 'GET',
  url: `/orders/${i + 1}`,
  httpVersion: '1.1',
  headers: { host: 'localhost:3000', 'user-agent': 'wrk/4.2.0' },
  socket: { remoteAddress: '127.0.0.1', remotePort: 40000 + i },
}));
const noop = () => {};

function none() {
  context.with(ROOT_CONTEXT, noop);
}

function floor(request) {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = floorTracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent);
  context.with(trace.setSpan(parent, span), noop);
  span.setAttribute('http.response.status_code', 200);
  span.end();
}

function ours(request, query = true, atStart = false) {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = startSpanWithAttributes(oursTracer, 'GET', SpanKind.SERVER, parent, atStart, () => requestAttributes(request, 'http', NO_PARAMS));
  const rpc = { type: RPCType.HTTP, span };
  context.with(setRPCMetadata(trace.setSpan(parent, span), rpc), () => {
    span.setAttributes({ 'nestjs.controller': 'OrdersController', 'nestjs.callback': 'findOne' });
    if (!query) return;
    const querySpan = startQuerySpan(oursTracer, PG_SETTINGS[+atStart], PG, SQL, context.active());
    if (withTraceComment(querySpan, SQL).length <= SQL.length) throw new Error('no sqlcommenter comment');
    endSpan(querySpan);
  });
  span.setAttribute('http.response.status_code', 200);
  span.setAttribute('http.route', '/orders/:id');
  span.updateName('GET /orders/:id');
  span.end();
}

// The BatchSpanProcessor exports from its own callbacks: the loop yields every 100 requests (as a
// server's event loop would), or the queue would fill and drop spans.
const yieldToLoop = () => new Promise(setImmediate);
async function nsPerRequest(fn, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    fn(requests[i & 1023]);
    if (i % 100 === 99) await yieldToLoop();
  }
  return Number(process.hrtime.bigint() - start) / n;
}

// `ours` is the db route; `oursPing` the route without a query (the SERVER span only).
const oursPing = (request) => ours(request, false);
const oursAtStart = (request) => ours(request, true, true);
const cases = { none, floor, ours, oursPing, oursAtStart };
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
let produced = 0;
const spansPerRequest = { none: 0, floor: 1, ours: 2, oursPing: 1, oursAtStart: 2 };
for (let round = 0; round < 14; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    const ns = await nsPerRequest(fn, 20_000);
    produced += spansPerRequest[name] * 20_000;
    if (round >= 4) times[name].push(ns); // the first rounds warm up the JIT
  }
}
await Promise.all(providers.map((provider) => provider.forceFlush()));
if (exported.spans !== produced) throw new Error(`${exported.spans} of ${produced} spans were exported: the bench dropped spans`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const [base, fl, ou, op, oa] = [median(times.none), median(times.floor), median(times.ours), median(times.oursPing), median(times.oursAtStart)];
const attributes = Object.keys(requestAttributes(requests[0], 'http', NO_PARAMS)).length + 4;
console.log(`Node ${process.version}: span work per request, ns (median of ${times.none.length} interleaved rounds of 20 000)`);
console.log(`  none                   ${base.toFixed(0)}`);
console.log(`  floor                  ${fl.toFixed(0)}   1 span, 1 attribute, stock serializer`);
console.log(`  ours, GET /orders/:id  ${ou.toFixed(0)}   2 spans, ${attributes} + 7 attributes, sqlcommenter, our serializer: ${((ou - base) / (fl - base)).toFixed(2)}× the floor's extra`);
console.log(`  ours, GET /ping        ${op.toFixed(0)}   1 span, ${attributes} attributes, our serializer: ${((op - base) / (fl - base)).toFixed(2)}× the floor's extra`);
console.log(`  ours, at start         ${oa.toFixed(0)}   GET /orders/:id, attributes handed to startSpan (apps with span processors): ${((oa - base) / (fl - base)).toFixed(2)}× the floor's extra`);
console.log(`  (${exported.spans} spans exported, ${(exported.bytes / exported.spans).toFixed(0)} bytes each on average)`);
