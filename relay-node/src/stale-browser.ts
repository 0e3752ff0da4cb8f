/**
 * A Chromium left behind on the relay's profile. Chromium locks its profile with
 * DIR/profile/SingletonLock, a symlink to "<host>-<pid>". When relay-node dies hard (kill -9,
 * OOM killer) its browser normally follows within a few seconds (the DevTools pipe closes), but
 * a wedged browser (stopped, stuck in I/O) keeps the lock: a new Chromium on that profile then
 * waits about 20 s for it before taking over, or hands its start to the old process and exits,
 * and the relay cannot start. So before every launch:
 *   - no lock, or a lock of a process that is gone: nothing to do (Chromium clears it);
 *   - a live Chromium of THIS profile on this host: it outlived its relay-node (another
 *     relay-node on this data dir would hold the page port, which we already own), so it gets a
 *     grace period to exit, then SIGKILL (with its process group: zygotes, renderers);
 *   - a live process that is not a Chromium of this profile (the pid was reused): left alone;
 *   - a lock from another host (a data dir copied from a crashed machine, or shared storage):
 *     refused with what to do, as Chromium would refuse it too, less clearly.
 * The system calls are injected so every branch is unit-tested.
 */
import { hostname as osHostname } from 'node:os';
import { readFile, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from './log.ts';

export const SINGLETON_LOCK = 'SingletonLock';

export class StaleProfileError extends Error {
  override name = 'StaleProfileError';
}

export interface StaleBrowserDeps {
  hostname: string;
  /** The lock symlink's target, or undefined if there is no lock. */
  readLock(path: string): Promise<string | undefined>;
  /** The process's arguments, or undefined if it is gone or unreadable. */
  cmdline(pid: number): Promise<string[] | undefined>;
  /** Alive = exists and is not a zombie. */
  isAlive(pid: number): Promise<boolean>;
  /** The process group id, or undefined if unknown. */
  pgid(pid: number): Promise<number | undefined>;
  kill(pid: number, signal: NodeJS.Signals): void;
  sleep(ms: number): Promise<void>;
}

export type StaleOutcome = 'none' | 'owner-gone' | 'not-ours' | 'exited' | 'killed';

export interface StaleOptions {
  log: Logger;
  /** How long a browser of this profile may take to exit on its own (its pipe closed). */
  graceMs?: number;
  /** How long to wait for it after SIGKILL. */
  killWaitMs?: number;
  deps?: StaleBrowserDeps;
}

export function parseLock(target: string): { host: string; pid: number } | undefined {
  const m = /^(.+)-(\d+)$/.exec(target);
  if (!m) return undefined;
  const pid = Number(m[2]);
  return Number.isSafeInteger(pid) && pid > 1 ? { host: m[1]!, pid } : undefined;
}

/** True if these arguments are a Chromium started on `profileDir` (--user-data-dir=…). */
export function usesProfile(args: string[], profileDir: string): boolean {
  const want = resolve(profileDir);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--user-data-dir=') && resolve(a.slice('--user-data-dir='.length)) === want) return true;
    if (a === '--user-data-dir' && args[i + 1] !== undefined && resolve(args[i + 1]!) === want) return true;
  }
  return false;
}

export async function releaseStaleBrowser(profileDir: string, o: StaleOptions): Promise<StaleOutcome> {
  const d = o.deps ?? linuxDeps;
  const graceMs = o.graceMs ?? 3000;
  const killWaitMs = o.killWaitMs ?? 5000;
  const lockPath = join(profileDir, SINGLETON_LOCK);
  const target = await d.readLock(lockPath);
  if (target === undefined) return 'none';
  const lock = parseLock(target);
  if (!lock) {
    o.log.debug('profile-lock-unreadable', { lock: lockPath, target: target.slice(0, 80) });
    return 'none';
  }
  if (lock.host !== d.hostname) {
    throw new StaleProfileError(
      `${profileDir} is locked by a browser on another computer ("${lock.host}", pid ${lock.pid}). If no relay runs from this ` +
      `data dir there (e.g. the data dir was copied from that machine), delete ${lockPath} and start again; ` +
      'never run two relays on one data dir.',
    );
  }
  if (!(await d.isAlive(lock.pid))) return 'owner-gone';
  const args = await d.cmdline(lock.pid);
  if (!args || !usesProfile(args, profileDir)) {
    o.log.debug('profile-lock-not-ours', { pid: lock.pid, note: 'the pid belongs to another program now; Chromium will take over the lock' });
    return 'not-ours';
  }
  o.log.warn('stale-browser', { pid: lock.pid, note: 'a browser of this profile outlived its relay-node; waiting for it to exit, then killing it' });
  if (await waitGone(d, lock.pid, graceMs)) {
    o.log.info('stale-browser-exited', { pid: lock.pid });
    return 'exited';
  }
  // Chromium is the leader of its own process group (Playwright starts it detached): the
  // group holds its zygotes, GPU and renderer processes.
  const group = await d.pgid(lock.pid);
  try {
    d.kill(group === lock.pid ? -lock.pid : lock.pid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
  if (!(await waitGone(d, lock.pid, killWaitMs))) {
    throw new StaleProfileError(`a browser (pid ${lock.pid}) still holds ${profileDir} after SIGKILL; stop it and start again`);
  }
  o.log.warn('stale-browser-killed', { pid: lock.pid });
  return 'killed';
}

async function waitGone(d: StaleBrowserDeps, pid: number, ms: number): Promise<boolean> {
  const step = 100;
  for (let waited = 0; ; waited += step) {
    if (!(await d.isAlive(pid))) return true;
    if (waited >= ms) return false;
    await d.sleep(step);
  }
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** /proc-based: Linux, where relay-node runs. Elsewhere cmdline is unknown and nothing is killed. */
export const linuxDeps: StaleBrowserDeps = {
  hostname: osHostname(),
  async readLock(path) {
    try {
      return await readlink(path);
    } catch (e) {
      if (code(e) === 'ENOENT') return undefined;
      if (code(e) === 'EINVAL') return undefined; // not a symlink: not Chromium's lock format
      throw e;
    }
  },
  async cmdline(pid) {
    try {
      const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').filter((a) => a !== '');
    } catch {
      return undefined; // gone, or no /proc
    }
  },
  async isAlive(pid) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if (code(e) === 'ESRCH') return false;
      // EPERM: it exists but is another user's (not a browser we started).
    }
    const state = await procStat(pid);
    return state === undefined ? true : state.state !== 'Z' && state.state !== 'X';
  },
  async pgid(pid) {
    return (await procStat(pid))?.pgid;
  },
  kill: (pid, signal) => process.kill(pid, signal),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** State and process group from /proc/PID/stat (the command name may contain spaces and parentheses). */
async function procStat(pid: number): Promise<{ state: string; pgid: number } | undefined> {
  let raw: string;
  try {
    raw = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(rest[2]);
  return { state: rest[0] ?? '', pgid };
}
