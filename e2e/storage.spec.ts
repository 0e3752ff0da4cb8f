/**
 * The storage layer in real Chromium: the object store acceptance suite on OPFS and on
 * IndexedDB, objects and photos surviving a browser restart, a browser killed (SIGKILL)
 * mid-ingest leaving no half photo after the sweep, and persistence/usage. The pages are
 * e2e/harness/storage.*, served by the real signal server. On-disk profiles throughout: OPFS
 * in an in-memory profile is much slower and is not what users have.
 */
import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, launchPersistentChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { chromiumPids } from './support/kill-profile.ts';

let server: SignalServer;
const dirs: string[] = [];

test.beforeAll(async () => {
  server = await startSignalServer(['--static', 'e2e/harness/dist']);
});

test.afterAll(async () => {
  await server?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function profileDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fv-storage-'));
  dirs.push(dir);
  return dir;
}

async function harness(context: BrowserContext): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.url}/storage.html`);
  await page.waitForFunction(() => 'fvStorage' in window);
  return page;
}


for (const [kind, inline] of [['opfs', false], ['idb', false], ['opfs', true]] as const) {
  test(`object store acceptance suite on ${kind}${inline ? ', small objects inline in the index' : ''}`, async () => {
    const context = await launchPersistentChromium(await profileDir());
    try {
      const page = await harness(context);
      const results: { name: string; ok: boolean; ms: number; error?: string }[] =
        await page.evaluate(([k, i]) => (window as any).fvStorage.suite(k, i), [kind, inline] as const);
      console.log(results.map((r) => `  ${r.ok ? 'ok  ' : 'FAIL'} ${String(r.ms).padStart(5)} ms  ${r.name}${r.error ? `: ${r.error}` : ''}`).join('\n'));
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results.length).toBeGreaterThanOrEqual(13);
    } finally {
      await context.close();
    }
  });
}

test('objects and photos survive a browser restart', async () => {
  const dir = await profileDir();
  let context = await launchPersistentChromium(dir);
  const written: { hashes: string[]; kind: string } = await (await harness(context)).evaluate(() => (window as any).fvStorage.writeCommitted('restart'));
  expect(written.kind).toBe('opfs');
  await context.close();

  context = await launchPersistentChromium(dir);
  try {
    const after = await (await harness(context)).evaluate((h) => (window as any).fvStorage.readCommitted('restart', h), written.hashes);
    expect(after.kind).toBe('opfs');
    expect(after.read).toEqual(written.hashes);
    expect(after.photos).toEqual(['photo-1']);
    expect(after.stat).toMatchObject({ count: 4, pendingCount: 0, corruptCount: 0 });
  } finally {
    await context.close();
  }
});

test('a browser killed mid-ingest leaves no half photo: the next start sweeps the orphans', async () => {
  const dir = await profileDir();
  let context = await launchPersistentChromium(dir);
  const page = await harness(context);
  const { staged, inFlight }: { staged: string[]; inFlight: string[] } =
    await page.evaluate(() => (window as any).fvStorage.stageThenHang('crash'));
  await page.waitForTimeout(150); // let the second batch get going
  expect(await page.evaluate(() => (window as any).fvStorage.inFlightError())).toBeUndefined();
  const pids = await chromiumPids(dir);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await context.close().catch((e: Error) => console.log(`closing the killed browser: ${e.message}`));
  await expect.poll(() => chromiumPids(dir)).toEqual([]);

  context = await launchPersistentChromium(dir);
  try {
    const all = [...staged, ...inFlight];
    const r = await (await harness(context)).evaluate((h) => (window as any).fvStorage.inspectAndSweep('crash', h), all);
    const count = (xs: string[], v: string) => xs.filter((x) => x === v).length;
    console.log(`  after the kill: ${count(r.before.states, 'pending')} pending, ${count(r.before.states, 'absent')} absent, ` +
      `${r.before.temp} temp files; sweep: ${JSON.stringify(r.report)}`);
    // What the dead session left: staged objects durable but pending, the batch cut off mid-way.
    expect(r.before.photos).toBe(0);
    expect(r.before.states.slice(0, staged.length)).toEqual(staged.map(() => 'pending'));
    expect(r.before.files.slice(0, staged.length)).toEqual(staged.map(() => true));
    expect(r.before.states).not.toContain('complete');
    expect(count(r.before.states.slice(staged.length), 'absent')).toBeGreaterThan(0);
    expect(r.visible).toEqual(all.map(() => false));
    // The sweep removes every orphan: records, files and temp files. Still no photo.
    expect(r.report.objects).toBe(count(r.before.states, 'pending'));
    expect(r.report.tempFiles).toBe(r.before.temp);
    expect(r.after.states).toEqual(all.map(() => 'absent'));
    expect(r.after.files).toEqual(all.map(() => false));
    expect(r.after.temp).toBe(0);
    expect(r.after.photos).toBe(0);
    expect(r.stat).toMatchObject({ count: 0, pendingCount: 0, pendingBytes: 0 });
  } finally {
    await context.close();
  }
});

test('persistence can be requested and usage is reported', async () => {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await harness(context);
    const denied = await page.evaluate(() => (window as any).fvStorage.persistence('usage-1'));
    expect(denied.granted).toBe(false); // headless Chromium's default
    // Grant it as a user would (Playwright has no name for this permission): CDP, for this context.
    const { targetInfo } = await (await context.newCDPSession(page)).send('Target.getTargetInfo');
    await (await browser.newBrowserCDPSession()).send('Browser.setPermission', {
      permission: { name: 'persistent-storage' }, setting: 'granted', origin: server.url, browserContextId: targetInfo.browserContextId,
    });
    const granted = await page.evaluate(() => (window as any).fvStorage.persistence('usage-2'));
    expect(granted.granted).toBe(true);
    expect(granted.usage.browser.persisted).toBe(true);
    expect(granted.usage.browser.quota).toBeGreaterThan(0);
    expect(granted.usage.store).toMatchObject({ count: 1, bytes: 1024 * 1024 });
  } finally {
    await browser.close();
  }
});

test("the browser's own quota refusal becomes QuotaError and harms nothing stored", async () => {
  const context = await launchPersistentChromium(await profileDir());
  try {
    const page = await harness(context);
    // Shrink this origin's quota so the browser itself says QuotaExceededError.
    await (await context.newCDPSession(page)).send('Storage.overrideQuotaForOrigin', { origin: server.url, quotaSize: 4 * 1024 * 1024 });
    for (const kind of ['opfs', 'idb']) {
      const r = await page.evaluate((k) => (window as any).fvStorage.browserQuota(`browser-quota-${k}`, k), kind);
      expect(r, kind).toMatchObject({ refusal: 'QuotaError', bigPresent: false, smallIntact: true });
      expect(r.stat, kind).toMatchObject({ count: 1, bytes: 100 * 1024, pendingCount: 0 });
    }
  } finally {
    await context.close();
  }
});
