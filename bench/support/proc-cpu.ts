/**
 * CPU time of a Chromium instance, per process type and thread name, from /proc (Linux): the
 * browser process is found by its --user-data-dir, then every descendant and its threads.
 * Used to see where a benchmark's CPU goes (e.g. WebRTC network thread vs renderer main thread
 * vs workers) when two browsers share two cores and throughput is CPU-bound.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface ProcInfo { pid: number; ppid: number; type: string }

function readStat(path: string): { comm: string; ppid: number; ticks: number; utime: number; stime: number } | undefined {
  try {
    const s = readFileSync(path, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const f = s.slice(close + 2).split(' ');
    // fields after comm: state(0) ppid(1) … utime(11) stime(12)
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    return { comm, ppid: Number(f[1]), ticks: utime + stime, utime, stime };
  } catch {
    return undefined;
  }
}

/** CPU time of one process (all its threads) so far, in µs like process.cpuUsage(). */
export function processCpuUsage(pid: number): NodeJS.CpuUsage {
  const st = readStat(`/proc/${pid}/stat`);
  if (!st) throw new Error(`no process ${pid}`);
  return { user: st.utime * TICK_MS * 1000, system: st.stime * TICK_MS * 1000 };
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(`/proc/${d}/stat`);
    if (!st) continue;
    const type = cmdline(Number(d)).match(/--type=(\S+)/)?.[1] ?? 'browser';
    const util = cmdline(Number(d)).match(/--utility-sub-type=(\S+)/)?.[1];
    out.push({ pid: Number(d), ppid: st.ppid, type: util ? `${type}:${util.split('.').pop()}` : type });
  }
  return out;
}

/** pid of the browser process started with this user-data-dir, and its descendants. */
function tree(userDataDir: string): ProcInfo[] {
  const all = processes();
  const root = all.find((p) => p.type === 'browser' && cmdline(p.pid).includes(`--user-data-dir=${userDataDir}`));
  if (!root) return [];
  const keep = new Set([root.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (!keep.has(p.pid) && keep.has(p.ppid)) { keep.add(p.pid); grew = true; }
  }
  return all.filter((p) => keep.has(p.pid));
}

export type CpuSnapshot = Map<string, number>;

/** Ticks per "processType/threadName" (threads of the same name summed). */
export function cpuSnapshot(userDataDir: string): CpuSnapshot {
  const snap: CpuSnapshot = new Map();
  for (const p of tree(userDataDir)) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p.pid}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      const st = readStat(`/proc/${p.pid}/task/${t}/stat`);
      if (!st) continue;
      const key = `${p.type}/${st.comm.replace(/\d+$/, '#')}`;
      snap.set(key, (snap.get(key) ?? 0) + st.ticks);
    }
  }
  return snap;
}

/** CPU ms per key between two snapshots, largest first, keys under `minMs` folded into "other". */
export function cpuDiff(before: CpuSnapshot, after: CpuSnapshot, minMs = 200): { totalMs: number; byThread: Record<string, number> } {
  const rows: Array<[string, number]> = [];
  let total = 0;
  for (const [k, v] of after) {
    const ms = (v - (before.get(k) ?? 0)) * TICK_MS;
    total += ms;
    if (ms > 0) rows.push([k, ms]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  const byThread: Record<string, number> = {};
  let other = 0;
  for (const [k, ms] of rows) {
    if (ms >= minMs) byThread[k] = ms;
    else other += ms;
  }
  if (other) byThread.other = other;
  return { totalMs: total, byThread };
}

/** UDP counters of this network namespace (/proc/net/snmp): drops show up as RcvbufErrors. */
export function udpCounters(): Record<string, number> {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/).slice(1);
    const values = lines[1]!.split(/\s+/).slice(1).map(Number);
    return Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]));
  } catch {
    return {};
  }
}

export function udpDiff(before: Record<string, number>, after: Record<string, number>): { datagrams: number; rcvbufErrors: number; inErrors: number } {
  return {
    datagrams: (after.InDatagrams ?? 0) - (before.InDatagrams ?? 0),
    rcvbufErrors: (after.RcvbufErrors ?? 0) - (before.RcvbufErrors ?? 0),
    inErrors: (after.InErrors ?? 0) - (before.InErrors ?? 0),
  };
}
