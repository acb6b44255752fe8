'use strict';
// nestjs-otel 7.x README, "Setup" step 1 (tracing.ts), with the one change the benchmark needs:
// the exporter is OTLP gRPC (the README's example uses Jaeger) and there is no Prometheus
// metricReader (no variant exports metrics; OTEL_METRICS_EXPORTER=none and OTEL_LOGS_EXPORTER=none
// are set for every variant). `spanProcessors: [...]` is the current spelling of the README's
// deprecated `spanProcessor`.
const { CompositePropagator, W3CTraceContextPropagator, W3CBaggagePropagator } = require('@opentelemetry/core');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { JaegerPropagator } = require('@opentelemetry/propagator-jaeger');
const { B3Propagator } = require('@opentelemetry/propagator-b3');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');

const otelSDK = new NodeSDK({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  contextManager: new AsyncLocalStorageContextManager(),
  textMapPropagator: new CompositePropagator({
    propagators: [new JaegerPropagator(), new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new B3Propagator()],
  }),
  instrumentations: [getNodeAutoInstrumentations()],
});

module.exports = otelSDK;

process.on('SIGTERM', () => {
  otelSDK
    .shutdown()
    .then(
      () => console.log('SDK shut down successfully'),
      (err) => console.log('Error shutting down SDK', err),
    )
    .finally(() => process.exit(0));
});
