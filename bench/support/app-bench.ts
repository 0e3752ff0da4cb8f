/**
 * The real family app in one persistent Chromium profile, for the benches that unlock a large
 * library through its own unlock screen (unlock-100k, grid-10k, grid-100k): the harness page
 * e2e/harness/bench-unlock.ts (fv-app over AppController and a real VaultSession).
 *
 * `keep` (a directory): the profile and the vaults built in it are kept there and reused by the
 * next run with the same directory (a 100,000-photo library takes minutes to build); the server
 * then listens on a fixed port, since a profile's storage belongs to its origin.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchPersistentChromium } from '../../e2e/support/chromium.ts';
import { HeapProbe } from './cdp-heap.ts';
import { harnessServer } from './harness.ts';

export const PASS = 'correct horse battery staple unlock bench';
const MiB = (b: number) => Math.round((b / 1048576) * 10) / 10;

export interface Built { vaultId: string; count: number; buildMs: number; keysMs: number; opsMs: number }

export interface UnlockRun {
  /** Click on Unlock → every timeline cell in view shows its decoded thumbnail. */
  ms: number;
  /** Click on Unlock → the whole stored library applied (VaultSession.restoring false). */
  libraryMs: number;
  cells: number;
  /** Long tasks from the click until a second after the whole library, longest first (ms, and ms after the click). */
  longTasks: Array<{ ms: number; at: number }>;
  where: unknown;
}

export async function openAppBench(label: string, o: { keep?: string | undefined; port?: string; viewport?: { width: number; height: number } } = {}) {
  if (o.keep) mkdirSync(o.keep, { recursive: true });
  const server = await harnessServer(o.keep ? ['--port', o.port ?? '47631'] : []);
  const dir = o.keep ?? mkdtempSync(join(tmpdir(), `fv-bench-${label}-`));
  const builtFile = join(dir, 'fv-built.json');
  const context = await launchPersistentChromium(dir, { args: ['--remote-debugging-port=0'], viewport: o.viewport ?? { width: 412, height: 915 } } as never);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`[${label}] page error:`, e.message));
  /** Runs `fn` under the page's CPU profiler when `cpuProfile` names a file to write it to. */
  const profiled = async <T>(cpuProfile: string | undefined, fn: () => Promise<T>): Promise<T> => {
    if (!cpuProfile) return fn();
    const profile = await context.newCDPSession(page);
    await profile.send('Profiler.enable');
    await profile.send('Profiler.setSamplingInterval', { interval: 200 });
    await profile.send('Profiler.start');
    try {
      return await fn();
    } finally {
      writeFileSync(cpuProfile, JSON.stringify((await profile.send('Profiler.stop')).profile));
      await profile.detach();
    }
  };
  const call = <T = any>(fn: string, arg?: unknown) => page.evaluate(([f, a]) => (window as any).fvUnlockBench[f as string](a), [fn, arg] as const) as Promise<T>;
  const open = async () => {
    await page.goto(`${server.url}/bench-unlock.html`);
    await page.waitForFunction(() => 'fvUnlockBench' in window);
  };
  const built: Record<string, Built> = o.keep && existsSync(builtFile) ? JSON.parse(readFileSync(builtFile, 'utf8')) : {};

  return {
    page, call, open,
    /** The library named `key`, built once (and kept with `keep`). */
    async library(key: string, spec: { photos: number; albums: number; withObjects: number }): Promise<Built> {
      if (built[key]) return built[key]!;
      await open();
      const b = await call<Built>('build', { passphrase: PASS, ...spec });
      if (b.count !== spec.photos) throw new Error(`the ${spec.photos}-photo vault holds ${b.count} photos`);
      console.error(`[${label}] built ${spec.photos} photos in ${spec.albums} albums (${spec.withObjects} with objects) in ${b.buildMs} ms (keys ${b.keysMs}, ops ${b.opsMs})`);
      built[key] = b;
      if (o.keep) writeFileSync(builtFile, JSON.stringify(built));
      return b;
    },
    /** A fresh page, the passphrase typed into the real unlock screen, Unlock pressed. */
    async unlock(vaultId: string, cpuProfile?: string): Promise<UnlockRun> {
      await open();
      const pick = page.locator('#vault');
      if (await pick.isVisible()) await pick.selectOption(vaultId);
      await page.getByLabel('Passphrase').fill(PASS);
      // The profile covers the unlock until the whole library is applied, and a second after.
      let cells = 0;
      const { t0, t1, libraryAt } = await profiled(cpuProfile, async () => {
        const t0 = await page.evaluate(() => performance.now());
        await page.getByRole('button', { name: 'Unlock' }).click();
        const t1 = await page.waitForFunction(() => {
          const s = (window as any).fvUnlockBench.screenful();
          return s.cells > 0 && s.decoded === s.cells ? performance.now() : false;
        }, undefined, { polling: 'raf', timeout: 600_000 }).then((h) => h.jsonValue() as Promise<number>);
        cells = (await call<{ cells: number }>('screenful')).cells;
        // The first screen may come from the timeline head while the rest is still read: wait for all of it.
        const libraryAt = await page.waitForFunction(() => {
          const m = performance.getEntriesByName('fv:albums-restored');
          return (window as any).fvUnlockBench.controller.session?.restoring === false && m.length ? m[m.length - 1]!.startTime : false;
        }, undefined, { polling: 100, timeout: 600_000 }).then((h) => h.jsonValue() as Promise<number>);
        // What the whole library sets off (the screen's new list) runs within a second.
        await page.waitForTimeout(1_000);
        return { t0, t1, libraryAt };
      });
      const longTasks = await call<UnlockRun['longTasks']>('longTasksSince', t0);
      const where = await call('phases', t0);
      return { ms: Math.round(t1 - t0), libraryMs: Math.round(libraryAt - t0), cells, longTasks, where };
    },
    profiled,
    /** JS heap + ArrayBuffers over the page and its workers, after a GC (MiB). */
    async heapMiB(): Promise<number> {
      const probe = await HeapProbe.attach(dir, 'bench-unlock');
      await probe.gc();
      const h = await probe.sample();
      probe.close();
      return MiB(h.used + h.backing);
    },
    lock: () => page.evaluate(() => (window as any).fvUnlockBench.controller.lock()),
    async close() {
      await context.close();
      await server.stop();
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
