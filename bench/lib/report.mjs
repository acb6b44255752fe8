// Aggregation of the benchmark's cells (one server process per variant and round) into medians with
// min–max over rounds, ratios against `untraced` of the same round, and the markdown report.

const ROUTE_LABELS = { db: 'GET /orders/:id', ping: 'GET /ping' };

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function stats(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return undefined;
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/** Per route and variant: every metric as { median, min, max } over the rounds. */
export function aggregate(cells, opts) {
  const rounds = [...new Set(cells.map((c) => c.round))];
  const byKey = (variant, round) => cells.find((c) => c.variant === variant && c.round === round);
  const out = {};
  for (const route of opts.routes) {
    out[route] = {};
    for (const variant of opts.variants) {
      const rows = rounds
        .map((round) => {
          const cell = byKey(variant, round);
          const base = byKey('untraced', round);
          const floor = byKey('floor', round);
          const x = cell?.routes[route];
          const b = base?.routes[route];
          const f = floor?.routes[route];
          if (!x) return undefined;
          const extra = b ? x.cpuMicrosPerReq - b.cpuMicrosPerReq : undefined;
          const floorExtra = f && b ? f.cpuMicrosPerReq - b.cpuMicrosPerReq : undefined;
          return {
            reqPerSec: x.reqPerSec,
            throughputRatio: b ? x.reqPerSec / b.reqPerSec : undefined,
            cpuMicrosPerReq: x.cpuMicrosPerReq,
            cpuRatio: b ? x.cpuMicrosPerReq / b.cpuMicrosPerReq : undefined,
            extraCpuMicrosPerReq: extra,
            extraOverFloor: extra !== undefined && floorExtra > 0 ? extra / floorExtra : undefined,
            mainThreadCpuMicrosPerReq: x.mainThreadCpuMicrosPerReq,
            helperThreadsCpuMicrosPerReq: x.cpuMicrosPerReq - x.mainThreadCpuMicrosPerReq,
            extraMainThreadCpuMicrosPerReq: b ? x.mainThreadCpuMicrosPerReq - b.mainThreadCpuMicrosPerReq : undefined,
            extraHelperThreadsCpuMicrosPerReq: b
              ? x.cpuMicrosPerReq - x.mainThreadCpuMicrosPerReq - (b.cpuMicrosPerReq - b.mainThreadCpuMicrosPerReq)
              : undefined,
            p50: x.latencyMs.p50,
            p99: x.latencyMs.p99,
            peakRssMB: x.peakRssKb / 1024,
            extraPeakRssMB: b ? (x.peakRssKb - b.peakRssKb) / 1024 : undefined,
            spansPerReq: x.spansPerReq,
            expectedSpansPerReq: x.expectedSpansPerReq,
            tracedShare: x.tracedShare,
            deliveredShare: x.deliveredShare,
            serverCoreShare: x.serverCoreShare,
            foreignOnServerCore: x.foreignOnServerCore,
            loadCoreBusy: x.coreBusy?.cpu1,
            serverCoreIrq: x.serverCoreDetail?.irq,
            steal: x.serverCoreDetail ? x.serverCoreDetail.steal + (x.loadCoreDetail?.steal ?? 0) : undefined,
            retries: x.retries,
            errors: x.errors + x.timeouts + x.non2xx,
          };
        })
        .filter(Boolean);
      const metrics = {};
      for (const key of Object.keys(rows[0] ?? {})) metrics[key] = stats(rows.map((r) => r[key]));
      metrics.rounds = rows.length;
      out[route][variant] = metrics;
    }
  }
  return out;
}

const fmt = (x, digits = 0) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
function cell(s, digits = 0, suffix = '') {
  if (!s) return '–';
  if (s.n === 1 || s.min === s.max) return `${fmt(s.median, digits)}${suffix}`;
  return `${fmt(s.median, digits)}${suffix} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}
const pct = (s) =>
  !s ? '–' : s.n === 1 || s.min === s.max ? `${fmt(s.median * 100, 1)} %` : `${fmt(s.median * 100, 1)} % (${fmt(s.min * 100, 1)}–${fmt(s.max * 100, 1)})`;

export function routeTable(summary, route, variants) {
  const lines = [
    `| variant | req/s | × untraced | CPU µs/req | × untraced | extra µs/req | p50 ms | p99 ms | peak RSS MB | Δ RSS MB | spans/req received (produced) | traced requests |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const variant of variants) {
    const m = summary[route][variant];
    if (!m || !m.reqPerSec) continue;
    const base = variant === 'untraced';
    lines.push(
      `| ${variant} | ${cell(m.reqPerSec)} | ${base ? '1' : cell(m.throughputRatio, 2)} | ${cell(m.cpuMicrosPerReq)} | ${base ? '1' : cell(m.cpuRatio, 2)} | ${base ? '–' : cell(m.extraCpuMicrosPerReq)} | ${cell(m.p50, 1)} | ${cell(m.p99, 1)} | ${cell(m.peakRssMB)} | ${base ? '–' : cell(m.extraPeakRssMB)} | ${base ? '0' : `${cell(m.spansPerReq, 2)} (${fmt(m.expectedSpansPerReq?.median, 0)})`} | ${base ? '–' : pct(m.tracedShare)} |`,
    );
  }
  return lines.join('\n');
}

/** Where the CPU went: the JavaScript thread, or V8's and libuv's helper threads (mostly GC). */
export function threadTable(summary, route, variants) {
  const lines = [
    `| variant | JS thread µs/req | helper threads µs/req | extra on the JS thread | extra on helper threads |`,
    `|---|---|---|---|---|`,
  ];
  for (const variant of variants) {
    const m = summary[route][variant];
    if (!m?.mainThreadCpuMicrosPerReq || !Number.isFinite(m.mainThreadCpuMicrosPerReq.median)) continue;
    const base = variant === 'untraced';
    lines.push(
      `| ${variant} | ${cell(m.mainThreadCpuMicrosPerReq)} | ${cell(m.helperThreadsCpuMicrosPerReq)} | ${base ? '–' : cell(m.extraMainThreadCpuMicrosPerReq)} | ${base ? '–' : cell(m.extraHelperThreadsCpuMicrosPerReq)} |`,
    );
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

function targets(summary, routes) {
  const t = summary;
  const lines = ['| target | ' + routes.map((r) => ROUTE_LABELS[r]).join(' | ') + ' |', '|---|' + routes.map(() => '---|').join('')];
  const row = (label, f) => lines.push(`| ${label} | ${routes.map((r) => f(r)).join(' | ')} |`);
  const nt = (r) => t[r]['nestjs-tracing'];
  if (!t[routes[0]]['nestjs-tracing']) return '';
  if (t[routes[0]].floor) {
    row('extra CPU/req vs the floor probe\'s (target ≤ 1.5×)', (r) => {
      const a = nt(r).extraCpuMicrosPerReq?.median;
      const f = t[r].floor.extraCpuMicrosPerReq?.median;
      if (!(f > 0) || a === undefined) return '–';
      const ratio = a / f;
      const perRound = nt(r).extraOverFloor;
      return `${fmt(ratio, 1)}× (${fmt(a)} vs ${fmt(f)} µs; per round ${perRound ? `${fmt(perRound.min, 1)}–${fmt(perRound.max, 1)}×` : '–'}) ${ratio <= 1.5 ? '✅' : '❌'}`;
    });
  }
  for (const peer of ['sdk-node-auto', 'nestjs-otel']) {
    if (!t[routes[0]][peer]) continue;
    row(`ahead of ${peer} (CPU/req, req/s)`, (r) => {
      const a = nt(r);
      const p = t[r][peer];
      const ok = a.cpuMicrosPerReq.median < p.cpuMicrosPerReq.median && a.reqPerSec.median > p.reqPerSec.median;
      return `${fmt(a.cpuMicrosPerReq.median)} vs ${fmt(p.cpuMicrosPerReq.median)} µs, ${fmt(a.reqPerSec.median)} vs ${fmt(p.reqPerSec.median)} req/s ${ok ? '✅' : '❌'}`;
    });
  }
  row('100 % traced at full load (spans received = produced)', (r) => {
    const a = nt(r);
    const delivered = a.deliveredShare;
    const ok = delivered && delivered.min >= 0.999 && a.tracedShare.min >= 0.999;
    return `${pct(delivered)} of spans, ${pct(a.tracedShare)} of requests ${ok ? '✅' : '❌'}`;
  });
  row('peak RSS ≤ untraced + 50 MB', (r) => {
    const s = nt(r).extraPeakRssMB;
    return s ? `+${cell(s)} MB ${s.max <= 50 ? '✅' : '❌'}` : '–';
  });
  return lines.join('\n');
}

const scale = (s, k) => s && { ...s, median: s.median * k, min: s.min * k, max: s.max * k };

export function markdownReport(summary, meta, cells = []) {
  const { machine, options } = meta;
  const routes = options.routes;
  const out = [];
  out.push(`## Node ${machine.serverNode} — ${meta.startedAt.slice(0, 10)}${options.quick ? ' (quick mode: indicative only)' : ''}`);
  out.push('');
  out.push(
    `${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}; server pinned to CPU ${machine.pinning.server ?? '(not pinned)'}, ` +
      `load generator + PostgreSQL + receiver on CPU ${machine.pinning.load ?? '(not pinned)'}. ` +
      `${options.rounds} rounds × ${options.variants.length} variants, warm-up ${options.warmup} s + measured ${options.duration} s per route, ` +
      `${options.together ? `All variants of a round loaded in the same windows, taking turns on the server core in ${options.sliceMs} ms slices (--together): req/s and latency include the stopped turns, CPU per request compares. ` : ''}` +
      `${options.connections} connections (${options.loader}). Medians (min–max over rounds); ratios against untraced of the same round. ` +
      `nestjs-tracing ${meta.versions['nestjs-tracing']} from npm pack${meta.git.head ? ` of ${meta.git.head}${meta.git.libDirty ? ' + uncommitted lib/ or package.json changes' : ''}` : ''}. ` +
      `Load average ${machine.loadAverage.join(' ')} at start${machine.loadAverageAtEnd ? `, ${machine.loadAverageAtEnd.join(' ')} at end` : ''}.`,
  );
  for (const route of routes) {
    out.push('', `### ${ROUTE_LABELS[route]}`, '', routeTable(summary, route, options.variants));
  }
  const threads = routes.map((route) => [route, threadTable(summary, route, options.variants)]).filter(([, t]) => t);
  if (threads.length) {
    out.push('', '<details><summary>CPU per request by thread: the JavaScript thread vs V8/libuv helper threads (GC marking and scavenging, compilers)</summary>');
    for (const [route, t] of threads) out.push('', `${ROUTE_LABELS[route]}:`, '', t);
    out.push('', '</details>');
  }
  const t = targets(summary, routes);
  if (t) out.push('', '### Targets (nestjs-tracing)', '', t);
  // What one request produces, per variant (from the probe before the warm-up of the first round).
  const spans = [];
  for (const route of routes) {
    for (const variant of options.variants) {
      const names = cells.find((c) => c.variant === variant && c.routes[route])?.routes[route].probe.spanNames;
      if (!names || Object.keys(names).length === 0) continue;
      const probes = cells.find((c) => c.variant === variant).routes[route].probe.requests;
      const list = Object.entries(names)
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${n / probes === 1 ? '' : `${(n / probes).toFixed(n % probes ? 1 : 0)} × `}\`${name}\``)
        .join(', ');
      spans.push(`- ${variant}, ${ROUTE_LABELS[route]}: ${list}`);
    }
  }
  if (spans.length) out.push('', '<details><summary>spans per request, by kind and name</summary>\n', ...spans, '\n</details>');
  // Sanity: was the server saturated, and was the load core not?
  const sat = [];
  for (const route of routes) {
    for (const variant of options.variants) {
      const m = summary[route][variant];
      if (!m?.serverCoreShare) continue;
      sat.push(
        `${variant}/${route}: server ${cell(scale(m.serverCoreShare, 100))} % of its core, other processes ${cell(scale(m.foreignOnServerCore, 100))} %, ` +
          `interrupts ${cell(scale(m.serverCoreIrq, 100))} %; load core ${cell(scale(m.loadCoreBusy, 100))} % busy; steal ${cell(scale(m.steal, 100), 1)} %` +
          `${m.retries?.max ? `; windows repeated: ${m.retries.max} at most` : ''}${m.errors?.max ? `; up to ${m.errors.max} errors` : ''}`,
      );
    }
  }
  out.push('', `<details><summary>saturation check (medians, min–max over rounds)</summary>\n\n${sat.join('<br>\n')}\n\n</details>`);
  return out.join('\n') + '\n';
}
