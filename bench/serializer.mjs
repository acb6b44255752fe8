#!/usr/bin/env node
// Microbenchmark: nestjs-tracing's OTLP trace serializer against @opentelemetry/otlp-transformer's
// ProtobufTraceSerializer, on the spans one traced request of the bench app makes (the SERVER span
// with its ~15 stable attributes and the query span with its SQL), in batches of 512 as the
// BatchSpanProcessor sends them. Both run in this process, interleaved, after a warm-up.
//
//   npm run bench:serializer [-- --node 24]
import { join } from 'node:path';
import { require, rerunOnNodeLine, ROOT } from './lib/microbench.mjs';

rerunOnNodeLine(import.meta.url);

const { ROOT_CONTEXT, SpanKind, trace } = require('@opentelemetry/api');
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { otlpTraceSerializer } = require(join(ROOT, 'dist/sdk/otlp-trace.serializer.js'));

const SQL = 'SELECT "Order"."id" AS "Order_id", "Order"."customer" AS "Order_customer", "Order"."status" AS "Order_status", ' +
  '"Order"."total" AS "Order_total", "Order"."createdAt" AS "Order_createdAt" FROM "orders" "Order" WHERE (("Order"."id" = $1)) LIMIT 1';
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'orders', 'service.instance.id': 'b1c2', 'process.pid': 4242, 'host.name': 'bench' }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('nestjs-tracing', '0.1.0');
for (let i = 0; i < 256; i++) {
  const server = tracer.startSpan('GET', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET', 'url.scheme': 'http', 'url.path': `/orders/${i}`, 'server.address': 'localhost', 'server.port': 3000,
      'client.address': '127.0.0.1', 'network.peer.address': '127.0.0.1', 'network.peer.port': 40000 + i, 'network.protocol.version': '1.1',
      'user_agent.original': 'wrk/4.2',
    },
  });
  tracer.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'bench', 'server.address': '127.0.0.1', 'server.port': 5432, 'db.query.text': SQL, 'db.operation.name': 'SELECT', 'db.collection.name': 'orders' },
  }, trace.setSpan(ROOT_CONTEXT, server)).end();
  server.setAttributes({ 'nestjs.controller': 'OrdersController', 'nestjs.callback': 'findOne', 'http.route': '/orders/:id', 'http.response.status_code': 200 });
  server.updateName('GET /orders/:id');
  server.end();
}
const batch = exporter.getFinishedSpans();

function measure(serializer, rounds) {
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) serializer.serializeRequest(batch);
  return Number(process.hrtime.bigint() - start) / rounds / batch.length;
}
const same = Buffer.compare(Buffer.from(otlpTraceSerializer.serializeRequest(batch)), Buffer.from(ProtobufTraceSerializer.serializeRequest(batch))) === 0;
for (let i = 0; i < 3; i++) { measure(ProtobufTraceSerializer, 100); measure(otlpTraceSerializer, 100); }
const stock = []; const ours = [];
for (let i = 0; i < 7; i++) { stock.push(measure(ProtobufTraceSerializer, 200)); ours.push(measure(otlpTraceSerializer, 200)); }
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const bytes = otlpTraceSerializer.serializeRequest(batch).length / batch.length;
console.log(`Node ${process.version}: ${batch.length} spans per request (${bytes.toFixed(0)} bytes per span), identical output: ${same}`);
console.log(`  stock ProtobufTraceSerializer  ${median(stock).toFixed(0)} ns/span`);
console.log(`  nestjs-tracing                 ${median(ours).toFixed(0)} ns/span  (${(median(stock) / median(ours)).toFixed(1)}× faster)`);
