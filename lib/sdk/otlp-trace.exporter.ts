import type { ExportResult } from '@opentelemetry/core';
import { createOtlpNetworkExportDelegate, OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyOtlpGrpcOptions, createOtlpGrpcExporterMetrics, type OTLPGRPCExporterConfigNode } from '@opentelemetry/otlp-grpc-exporter-base';
import type { IExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { OtlpGrpcTraceTransport } from './otlp-grpc.transport';
import { otlpTraceSerializer, releaseRequest } from './otlp-trace.serializer';

/** `@opentelemetry/otlp-transformer`'s TraceExporterMetricsHelper, without loading that package. */
const SPAN_METRICS: IExporterMetricsHelper<ReadableSpan[]> = { name: 'span', countItems: (spans) => spans.length };

/**
 * The OTLP gRPC trace exporter: `@opentelemetry/exporter-trace-otlp-grpc`'s own construction —
 * its configuration (OTEL_EXPORTER_OTLP_* variables, credentials, headers, compression, timeout),
 * export delegate and concurrency limit — with our serializer, which writes the same bytes at
 * about a third of the cost (bench/serializer.mjs; that cost is paid on the request thread), and
 * a transport that sends those bytes without a copy (otlp-grpc.transport.ts).
 */
export class OtlpGrpcTraceExporter extends OTLPExporterBase<ReadableSpan[]> implements SpanExporter {
  /** The request the delegate serialized during the current `export` call. */
  private readonly serialized: { request?: Uint8Array };

  constructor(config: OTLPGRPCExporterConfigNode = {}) {
    const serialized: { request?: Uint8Array } = {};
    const options = convertLegacyOtlpGrpcOptions(config, 'TRACES');
    super(
      createOtlpNetworkExportDelegate(
        options,
        {
          serializeRequest: (spans) => (serialized.request = otlpTraceSerializer.serializeRequest(spans)),
          deserializeResponse: (data) => otlpTraceSerializer.deserializeResponse(data),
        },
        createOtlpGrpcExporterMetrics('otlp_grpc_span_exporter', SPAN_METRICS, options.url, undefined),
        new OtlpGrpcTraceTransport(options),
      ),
    );
    this.serialized = serialized;
  }

  /**
   * The delegate serializes synchronously and calls back once the gRPC call has completed; only
   * then is the request's buffer handed back for reuse (gRPC copies it into its frame when it
   * sends, which can be later than this call while the channel connects).
   */
  override export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.serialized.request = undefined;
    let request: Uint8Array | undefined;
    let settled = false;
    try {
      super.export(spans, (result) => {
        settled = true;
        if (request) releaseRequest(request);
        resultCallback(result);
      });
      // A callback before this point would have come before the send completed: keep the buffer.
      if (!settled) request = this.serialized.request;
    } finally {
      this.serialized.request = undefined;
    }
  }
}
