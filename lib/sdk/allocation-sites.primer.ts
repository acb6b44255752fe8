import { SpanKind } from '@opentelemetry/api';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-node';
import { getHeapSpaceStatistics } from 'node:v8';

/**
 * Spans made; one in KEEP_EVERY outlives the young-generation collection that follows. V8 decides
 * only for a site with at least 100 survivors: 300 here.
 */
const PRIMING_SPANS = 1200;
const KEEP_EVERY = 4;
/** Give up on provoking a collection after this much garbage (the young generation is smaller). */
const MAX_GARBAGE_BYTES = 256 * 1024 * 1024;

let primed = false;

/**
 * V8 allocates the objects of an object or array literal straight into the old generation
 * ("pretenures" the literal's allocation site) once, at some young collection, at least 85 % of
 * them (and at least 100) survived it. A tracer trips that early in a process's life: spans wait
 * in the batch queue, so at the first collections under load every span object made since the last
 * export is alive. From then on the SDK's per-span literals (span context, status, end time,
 * duration, links and events arrays) are born old, every young object a span points to afterwards
 * survives the young collections until a full one, and the young generation grows to its maximum
 * (bench/README.md, "Where the memory goes").
 *
 * The decision "don't pretenure" is final in V8. So at start-up, before any request: make spans
 * through the same SDK code (a private provider, so nothing is exported), keep a quarter of them
 * alive across one young collection, provoke it with short-lived garbage, then let them go. V8
 * sees a survival rate of 25 % for each of those sites and keeps them in the young generation.
 * Once per process (V8's decisions are too): 25–36 ms measured with cold code; without effect,
 * never an error, where V8 decides otherwise.
 */
export function primeSpanAllocationSites(): void {
  if (primed) return;
  primed = true;
  try {
    // Every priming span records, whatever OTEL_TRACES_SAMPLER the app samples with.
    const tracer = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('nestjs-tracing/priming');
    const kept: unknown[] = [];
    for (let i = 0; i < PRIMING_SPANS; i += 1) {
      const span = tracer.startSpan('GET', { kind: SpanKind.SERVER });
      span.setAttribute('http.response.status_code', 200);
      span.updateName('GET /');
      span.end();
      if (i % KEEP_EVERY === 0) kept.push(span);
    }
    provokeYoungCollection();
    kept.length = 0;
  } catch {
    // An optimisation only: the SDK works the same without it.
  }
}

function newSpaceUsed(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;
}

function provokeYoungCollection(): void {
  const ring: unknown[] = new Array(1024);
  let previous = newSpaceUsed();
  // 64 Ki one-element arrays of ~32 bytes per step.
  for (let allocated = 0; allocated < MAX_GARBAGE_BYTES; allocated += 64 * 1024 * 32) {
    for (let i = 0; i < 64 * 1024; i += 1) ring[i & 1023] = [i];
    const used = newSpaceUsed();
    if (used < previous) return;
    previous = used;
  }
}
