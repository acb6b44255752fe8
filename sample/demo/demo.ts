/**
 * `npm run demo`: the guide's Verification, executable. Starts an in-process OTLP gRPC receiver
 * (development use only), runs the orders sample under the cluster bootstrap with 2 workers on an
 * embedded PostgreSQL, sends representative requests, stops the cluster with SIGTERM, then prints
 * every received trace as a tree, writes the payloads as OTLP JSON, and checks the guide's claims
 * on them: exit code 0 when all hold, 1 (naming each that does not) otherwise.
 *
 * Environment: DEMO_OUTPUT (default ./demo-traces.json); OTEL_SERVICE_NAME and
 * OTEL_NESTJS_EXCLUDED_URLS reach the sample unchanged, so their effect can be seen.
 */
import { SpanKind } from '@opentelemetry/api';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../database/free-port';
import { checkClaims } from './demo.claims';
import { launchCluster, type DemoCluster } from './demo.cluster';
import { toOtlpJson } from './demo.otlp-json';
import { describeExchange, extraRead, plannedRequests, send, type Exchange } from './demo.requests';
import { renderReceivedTraces } from './demo.traces';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver';

const WORKERS = 2;
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
/** Bound on the reads added when one worker has served everything so far. */
const MAX_EXTRA_READS = 16;

const say = (line: string) => console.log(`[demo] ${line}`);
let cluster: DemoCluster | undefined;

async function main(): Promise<number> {
  const started = Date.now();
  const receiver = await startOtlpReceiver();
  try {
    say(`OTLP gRPC receiver listening at ${receiver.url} (in-process, development use only)`);
    say(`starting the orders sample under the cluster bootstrap: ${WORKERS} workers, embedded PostgreSQL`);
    cluster = launchCluster({
      port: await freePort(),
      otlpEndpoint: receiver.url,
      workers: WORKERS,
      startTimeoutMs: START_TIMEOUT_MS,
      log: (line) => console.log(`  ${line}`),
    });
    await cluster.ready;
    say(`sending requests to ${cluster.url}, each on a new connection with its own traceparent:`);
    const exchanges = await exercise(cluster.url, receiver);

    say('SIGTERM to the primary: each worker finishes its requests, flushes its spans and exits');
    const exit = await cluster.stop(STOP_TIMEOUT_MS);
    say(`the cluster exited (${exit.signal ?? `code ${exit.code}`}) ${exit.millis} ms after SIGTERM`);
    await receiver.close();

    const spans = [...receiver.spans];
    const traces = new Set(spans.map((s) => s.traceId)).size;
    say(`received ${spans.length} spans in ${traces} traces (the demo's own traceparent, each request's parent, is not drawn):\n`);
    console.log(renderReceivedTraces(spans, exchanges));

    const output = resolve(process.env.DEMO_OUTPUT || 'demo-traces.json');
    writeFileSync(output, `${JSON.stringify(toOtlpJson(receiver.requests), null, 2)}\n`);
    console.log('');
    say(`wrote the received payloads as OTLP JSON (resourceSpans → scopeSpans → spans) to ${output}`);

    const { primaryPid, workerPids } = cluster;
    const results = checkClaims({ exchanges, spans, primaryPid, workerPids, workers: WORKERS, exit });
    say("the guide's claims, checked on what the receiver got:");
    for (const { claim, holds, problems } of results) {
      console.log(`  ${holds ? '✓' : '✗'} ${claim}`);
      for (const problem of problems.slice(0, 5)) console.log(`      ${problem}`);
      if (problems.length > 5) console.log(`      … and ${problems.length - 5} more`);
    }
    const failed = results.filter((r) => !r.holds);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (failed.length === 0) {
      say(`all ${results.length} claims hold (${seconds} s)`);
      return 0;
    }
    say(`FAILED: ${failed.length} of ${results.length} claims do not hold (${seconds} s):`);
    for (const { claim } of failed) console.log(`  ✗ ${claim}`);
    return 1;
  } finally {
    await cluster?.stop(5_000); // no-op after a graceful stop; SIGTERM then SIGKILL after a failure
    await receiver.close();
  }
}

/**
 * Sends the planned requests, one at a time so the log reads in order, then makes sure both
 * workers served some: the primary hands connections round-robin, but a worker that was still
 * busy with an earlier one may be skipped, so keep reading (bounded) until both pids show up.
 */
async function exercise(url: string, receiver: OtlpReceiver): Promise<Exchange[]> {
  const exchanges: Exchange[] = [];
  const call = async (request: Parameters<typeof send>[1]) => {
    const exchange = await send(url, request);
    console.log(`  ${describeExchange(exchange)}`);
    exchanges.push(exchange);
  };
  for (const request of plannedRequests()) await call(request);
  for (let extra = 0; (await servingPids(receiver, exchanges)).size < WORKERS && extra < MAX_EXTRA_READS; extra += 4) {
    say('only one worker has served so far: a few more reads');
    for (let i = 0; i < 4; i++) await call(extraRead(extra + i));
  }
  const pids = await servingPids(receiver, exchanges);
  say(`served by ${pids.size} worker(s): ${[...pids].map(([pid, count]) => `pid ${pid} (${count} requests)`).join(', ')}`);
  return exchanges;
}

/** How many traced requests each worker pid served, from the SERVER spans exported so far. */
async function servingPids(receiver: OtlpReceiver, exchanges: readonly Exchange[]): Promise<Map<number, number>> {
  const traced = new Set(exchanges.filter((e) => e.context && e.status > 0).map((e) => e.context?.traceId));
  // The orders workers' own SERVER spans: the shipping service answers in those traces too.
  const serverSpans = () =>
    receiver.spans.filter((s) => traced.has(s.traceId) && s.kind === SpanKind.SERVER && s.resource['service.name'] !== 'shipping');
  // Spans leave the workers every 200 ms; a request whose span never comes is the claims' business.
  await receiver.waitFor(() => new Set(serverSpans().map((s) => s.traceId)).size >= traced.size, 5_000).catch(() => undefined);
  const pids = new Map<number, number>();
  for (const span of serverSpans()) {
    const pid = Number(span.resource['process.pid']);
    pids.set(pid, (pids.get(pid) ?? 0) + 1);
  }
  return pids;
}

/** Whatever goes wrong, the cluster is stopped (SIGKILL at the latest) and the demo exits 1. */
function fail(error: unknown): void {
  console.error(`[demo] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
  void (cluster?.stop(5_000) ?? Promise.resolve()).finally(() => process.exit(1));
}

process.on('exit', () => cluster?.kill()); // last resort, synchronous
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
// Ctrl-C reaches the cluster too (same process group) and it stops gracefully; a second one ends
// the demo at once, and the 'exit' handler kills what is left.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping the cluster`);
    void (cluster?.stop(STOP_TIMEOUT_MS) ?? Promise.resolve()).finally(() => process.exit(code));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; should a handle linger, do not let it hold the exit.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  fail,
);
