// /proc readings for the benchmark: a process's CPU time (all threads), its peak RSS, and per-core
// busy time. Linux only; every function returns undefined where /proc is not readable.
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clockTicks;
/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream Linux). */
export function clockTicksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * utime + stime of the process's main thread (the one whose id is the pid), in microseconds: the
 * JavaScript thread. The rest of processCpuSplit()'s total is V8's helpers (GC, compilers) and
 * libuv's pool.
 */
export const mainThreadCpuMicros = (pid) => statCpuMicros(`/proc/${pid}/task/${pid}/stat`);

/**
 * The whole process's CPU time (utime + stime of every thread) and, from the same reading, its
 * kernel part (stime: syscalls such as socket reads and writes and epoll, page faults), in µs.
 */
export function processCpuSplit(pid) {
  const times = statTimes(`/proc/${pid}/stat`);
  return times && { total: times.user + times.system, system: times.system };
}

function statCpuMicros(file) {
  const times = statTimes(file);
  return times && times.user + times.system;
}

function statTimes(file) {
  try {
    const stat = readFileSync(file, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    const toMicros = (ticks) => (Number(ticks) * 1e6) / clockTicksPerSecond();
    return { user: toMicros(fields[11]), system: toMicros(fields[12]) };
  } catch {
    return undefined;
  }
}

/** Peak resident set size (VmHWM) in kB. */
export const peakRssKb = (pid) => statusKb(pid, 'VmHWM');

/** Current resident set size (VmRSS) in kB. */
export const rssKb = (pid) => statusKb(pid, 'VmRSS');

function statusKb(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux >= 4.0, owner or root), so a window's peak can be read. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Busy and total jiffies per CPU from /proc/stat: { cpu0: { busy, total }, ... }. */
export function cpuTimes() {
  try {
    const out = {};
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const m = /^(cpu\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const v = m[2].trim().split(/\s+/).map(Number);
      // user nice system idle iowait irq softirq steal (guest time is already in user)
      const idle = v[3] + (v[4] || 0);
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
      out[m[1]] = { busy: total - idle, total, task: v[0] + v[1] + v[2], irq: (v[5] || 0) + (v[6] || 0), steal: v[7] || 0 };
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Busy share (0..1) of each CPU between two cpuTimes() readings. */
export function cpuBusy(before, after) {
  if (!before || !after) return undefined;
  const out = {};
  for (const [cpu, a] of Object.entries(after)) {
    const b = before[cpu];
    if (!b) continue;
    const total = a.total - b.total;
    out[cpu] = total > 0 ? (a.busy - b.busy) / total : 0;
  }
  return out;
}

/**
 * Per CPU between two cpuTimes() readings, as shares (0..1): `task` (user+nice+system: processes),
 * `irq` (hard + soft interrupts: on loopback, much of the TCP work) and `steal` (the hypervisor).
 */
export function cpuDetail(before, after) {
  if (!before || !after) return undefined;
  const out = {};
  for (const [cpu, a] of Object.entries(after)) {
    const b = before[cpu];
    if (!b) continue;
    const total = a.total - b.total || 1;
    out[cpu] = { task: (a.task - b.task) / total, irq: (a.irq - b.irq) / total, steal: (a.steal - b.steal) / total };
  }
  return out;
}

/**
 * Cross-CPU interrupts so far, per CPU, from /proc/interrupts: { RES: [cpu0, cpu1, …], CAL, TLB }
 * (rescheduling — a wake-up on another CPU —, function call and TLB shootdown IPIs). Under a
 * hypervisor each one sent can cost an exit. Found by their description, which x86 (`RES:`) and
 * arm64 (`IPI0:`) share; undefined where the file is not readable.
 */
const IPI_KINDS = { 'Rescheduling interrupts': 'RES', 'Function call interrupts': 'CAL', 'TLB shootdowns': 'TLB' };
export function interruptCounts() {
  try {
    const out = {};
    for (const line of readFileSync('/proc/interrupts', 'utf8').split('\n')) {
      const m = /^\s*[\w-]+:((?:\s+\d+)+)\s+(.*?)\s*$/.exec(line);
      const kind = m && IPI_KINDS[m[2]];
      if (kind) out[kind] = m[1].trim().split(/\s+/).map(Number);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** interruptCounts() after minus before, per kind and CPU. */
export function interruptDelta(before, after) {
  if (!before || !after) return undefined;
  const out = {};
  for (const [kind, counts] of Object.entries(after)) out[kind] = counts.map((n, i) => n - (before[kind]?.[i] ?? 0));
  return out;
}
