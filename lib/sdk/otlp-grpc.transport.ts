import type { Client, Metadata, ServiceError } from '@grpc/grpc-js';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { convertLegacyOtlpGrpcOptions } from '@opentelemetry/otlp-grpc-exporter-base';

type GrpcConfiguration = ReturnType<typeof convertLegacyOtlpGrpcOptions>;

const TRACE_SERVICE = 'TraceExportService';
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const GRPC_COMPRESSION_GZIP = 2;
const GRPC_DEADLINE_EXCEEDED = 4;
/** As the stock transport: a client whose calls keep timing out is replaced by a new one. */
const MAX_DEADLINE_EXCEEDED_COUNT = 5;

type ExportClient = Client & {
  export(request: Buffer, metadata: Metadata, options: { deadline: number }, callback: (error: ServiceError | null, response?: Buffer) => void): void;
};

/**
 * The OTLP gRPC transport of `@opentelemetry/otlp-grpc-exporter-base` — the same client options
 * (credentials, metadata, compression, user agent), deadline and reconnection rule — except that
 * it hands @grpc/grpc-js the serializer's bytes as they are instead of a copy. grpc-js keeps the
 * request referenced from call objects that reach the old generation, so a copy per export stays
 * in memory until the next mark-compact (~25 MB at peak on Node 24 at full load); the serializer's
 * buffers are reused once their call completed, so nothing new is held.
 */
export class OtlpGrpcTraceTransport implements IExporterTransport {
  private client?: ExportClient;
  private metadata?: Metadata;
  private deadlineExceededCount = 0;

  constructor(private readonly config: GrpcConfiguration) {}

  send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    // A view, not a copy: grpc-js copies it into its frame when the call sends it.
    const request = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let client: ExportClient;
    try {
      client = this.client ?? this.connect();
    } catch (error) {
      return Promise.resolve({ status: 'failure', error: error as Error });
    }
    const metadata = this.metadata!;
    return new Promise((resolve) => {
      client.export(request, metadata, { deadline: Date.now() + timeoutMillis }, (error, response) => {
        if (!error) {
          this.deadlineExceededCount = 0;
          return resolve({ status: 'success', data: response });
        }
        resolve({ status: 'failure', error });
        if ((error.code as number) === GRPC_DEADLINE_EXCEEDED && ++this.deadlineExceededCount > MAX_DEADLINE_EXCEEDED_COUNT) this.shutdown();
      });
    });
  }

  shutdown(): void {
    this.client?.close();
    this.client = undefined;
  }

  /** Lazily, as the stock transport: grpc-js is loaded on the first export, not at start-up. */
  private connect(): ExportClient {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
    this.metadata = this.config.metadata();
    const identity = (bytes: Buffer): Buffer => bytes;
    const Constructor = grpc.makeGenericClientConstructor(
      { export: { path: EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
      TRACE_SERVICE,
    );
    const client = new Constructor(this.config.url, this.config.credentials(), {
      'grpc.default_compression_algorithm': this.config.compression === 'gzip' ? GRPC_COMPRESSION_GZIP : 0,
      'grpc.primary_user_agent': userAgent(this.config.userAgent),
    }) as unknown as ExportClient;
    this.deadlineExceededCount = 0;
    return (this.client = client);
  }
}

/** The stock exporter's user agent, so collectors see the same client. */
function userAgent(prefix: string | undefined): string {
  let version = '';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    version = `/${(require('@opentelemetry/otlp-grpc-exporter-base/package.json') as { version: string }).version}`;
  } catch {
    // A future layout without a reachable package.json: the name alone.
  }
  const own = `OTel-OTLP-Exporter-JavaScript${version}`;
  return prefix ? `${prefix} ${own}` : own;
}
