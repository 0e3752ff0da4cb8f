import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeLogger, type LogLevel } from '../src/log.ts';
import { linuxDeps, parseLock, releaseStaleBrowser, StaleProfileError, usesProfile, type StaleBrowserDeps } from '../src/stale-browser.ts';

function capture() {
  const lines: Array<[LogLevel, string]> = [];
  return { lines, log: makeLogger({ level: 'debug', format: 'text', write: (l, line) => lines.push([l, line]) }) };
}

/** A fake process table: pid → { args, alive, pgid, exitsAfter (ms of waiting), ignores SIGKILL }. */
function fakeDeps(procs: Map<number, { args: string[]; alive: boolean; pgid?: number; exitsAfterMs?: number; unkillable?: boolean }>, lock: string | undefined) {
  let clock = 0;
  const kills: Array<[number, string]> = [];
  const deps: StaleBrowserDeps = {
    hostname: 'minipc',
    readLock: async () => lock,
    cmdline: async (pid) => procs.get(pid)?.args,
    isAlive: async (pid) => {
      const p = procs.get(pid);
      if (!p) return false;
      if (p.exitsAfterMs !== undefined && clock >= p.exitsAfterMs) p.alive = false;
      return p.alive;
    },
    pgid: async (pid) => procs.get(pid)?.pgid,
    kill: (pid, sig) => {
      kills.push([pid, sig]);
      const p = procs.get(Math.abs(pid));
      if (p && !p.unkillable) p.alive = false;
    },
    sleep: async (ms) => {
      clock += ms;
    },
  };
  return { deps, kills, elapsed: () => clock };
}

const PROFILE = '/var/lib/fv/data/profile';
const chromiumArgs = ['/usr/lib/chromium/chromium', '--headless', `--user-data-dir=${PROFILE}`, '--remote-debugging-pipe'];

describe('stale browser on the profile', () => {
  it('parses Chromium\'s lock target and recognises a browser of the profile', () => {
    expect(parseLock('minipc-4242')).toEqual({ host: 'minipc', pid: 4242 });
    expect(parseLock('my-mini-pc-17')).toEqual({ host: 'my-mini-pc', pid: 17 });
    expect(parseLock('nohyphen')).toBeUndefined();
    expect(parseLock('host-1')).toBeUndefined(); // never init
    expect(usesProfile(chromiumArgs, PROFILE)).toBe(true);
    expect(usesProfile(chromiumArgs, `${PROFILE}/`)).toBe(true);
    expect(usesProfile(['chromium', '--user-data-dir', PROFILE], PROFILE)).toBe(true);
    expect(usesProfile(['chromium', `--user-data-dir=${PROFILE}-other`], PROFILE)).toBe(false);
    expect(usesProfile(['vim', PROFILE], PROFILE)).toBe(false);
  });

  it('does nothing without a lock, or when the lock\'s process is gone', async () => {
    const { log, lines } = capture();
    expect(await releaseStaleBrowser(PROFILE, { log, deps: fakeDeps(new Map(), undefined).deps })).toBe('none');
    const gone = fakeDeps(new Map(), 'minipc-4242');
    expect(await releaseStaleBrowser(PROFILE, { log, deps: gone.deps })).toBe('owner-gone');
    expect(gone.kills).toEqual([]);
    expect(lines.filter(([l]) => l === 'warn')).toEqual([]);
  });

  it('leaves alone a live process that is not a browser of this profile (pid reused)', async () => {
    const { log } = capture();
    const f = fakeDeps(new Map([[4242, { args: ['/usr/bin/python3', 'app.py'], alive: true, pgid: 4242 }]]), 'minipc-4242');
    expect(await releaseStaleBrowser(PROFILE, { log, deps: f.deps })).toBe('not-ours');
    const other = fakeDeps(new Map([[4242, { args: ['chromium', '--user-data-dir=/home/me/.config/chromium'], alive: true, pgid: 4242 }]]), 'minipc-4242');
    expect(await releaseStaleBrowser(PROFILE, { log, deps: other.deps })).toBe('not-ours');
    expect([...f.kills, ...other.kills]).toEqual([]);
  });

  it('waits for a browser of this profile that is exiting on its own', async () => {
    const { log, lines } = capture();
    const f = fakeDeps(new Map([[4242, { args: chromiumArgs, alive: true, pgid: 4242, exitsAfterMs: 1500 }]]), 'minipc-4242');
    expect(await releaseStaleBrowser(PROFILE, { log, deps: f.deps, graceMs: 3000 })).toBe('exited');
    expect(f.kills).toEqual([]);
    expect(f.elapsed()).toBeGreaterThanOrEqual(1500);
    expect(lines.some(([l, t]) => l === 'warn' && t.includes('stale-browser pid=4242'))).toBe(true);
  });

  it('kills a wedged browser of this profile with its process group after the grace period', async () => {
    const { log, lines } = capture();
    const f = fakeDeps(new Map([[4242, { args: chromiumArgs, alive: true, pgid: 4242 }]]), 'minipc-4242');
    expect(await releaseStaleBrowser(PROFILE, { log, deps: f.deps, graceMs: 3000 })).toBe('killed');
    expect(f.kills).toEqual([[-4242, 'SIGKILL']]);
    expect(f.elapsed()).toBeGreaterThanOrEqual(3000);
    expect(lines.some(([l, t]) => l === 'warn' && t.includes('stale-browser-killed pid=4242'))).toBe(true);
    // Not a group leader: only the process itself.
    const single = fakeDeps(new Map([[4243, { args: chromiumArgs, alive: true, pgid: 1000 }]]), 'minipc-4243');
    expect(await releaseStaleBrowser(PROFILE, { log, deps: single.deps, graceMs: 0 })).toBe('killed');
    expect(single.kills).toEqual([[4243, 'SIGKILL']]);
  });

  it('fails clearly when the browser survives SIGKILL, or the lock is from another computer', async () => {
    const { log } = capture();
    const f = fakeDeps(new Map([[4242, { args: chromiumArgs, alive: true, pgid: 4242, unkillable: true }]]), 'minipc-4242');
    await expect(releaseStaleBrowser(PROFILE, { log, deps: f.deps, graceMs: 0, killWaitMs: 500 })).rejects.toThrow(/pid 4242\) still holds/);
    const elsewhere = fakeDeps(new Map(), 'oldbox-77');
    const err = await releaseStaleBrowser(PROFILE, { log, deps: elsewhere.deps }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleProfileError);
    expect(String(err)).toMatch(/locked by a browser on another computer \("oldbox", pid 77\).*delete .*SingletonLock/);
  });
});

describe('stale browser, real processes (Linux /proc)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'fv-stale-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.runIf(process.platform === 'linux')('kills a process group that holds the profile lock, and ignores one that does not use the profile', async () => {
    const profile = join(dir, 'profile');
    await fs.mkdir(profile);
    // A stand-in for a wedged Chromium: a process group leader with --user-data-dir=PROFILE and a child.
    const script = 'require("child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }); setInterval(() => {}, 1000)';
    const fake = spawn(process.execPath, ['-e', script, '--', `--user-data-dir=${profile}`], { detached: true, stdio: 'ignore' });
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const { log } = capture();
      await fs.symlink(`${hostname()}-${other.pid}`, join(profile, 'SingletonLock'));
      expect(await releaseStaleBrowser(profile, { log, graceMs: 200 })).toBe('not-ours');
      expect(await linuxDeps.isAlive(other.pid!)).toBe(true);

      await fs.unlink(join(profile, 'SingletonLock'));
      await fs.symlink(`${hostname()}-${fake.pid}`, join(profile, 'SingletonLock'));
      expect(await linuxDeps.pgid(fake.pid!)).toBe(fake.pid);
      const exited = new Promise((r) => fake.once('exit', r));
      expect(await releaseStaleBrowser(profile, { log, graceMs: 200 })).toBe('killed');
      await exited;
      expect(await linuxDeps.isAlive(fake.pid!)).toBe(false);
      // Its child was in the group and died with it.
      await expect.poll(async () => {
        const { execFileSync } = await import('node:child_process');
        try {
          return execFileSync('pgrep', ['-g', String(fake.pid)]).toString().trim();
        } catch {
          return '';
        }
      }, { timeout: 3000 }).toBe('');
    } finally {
      other.kill('SIGKILL');
      try {
        process.kill(-fake.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
