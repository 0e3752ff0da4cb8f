/**
 * Storage policy and crash safety at the vault level, in Chromium:
 * - "save space" evicts an original only once K enrolled homes prove (a fresh storage challenge)
 *   that they hold it, never on a claim; the original comes back on demand from a home;
 * - a browser killed in the middle of an upload leaves no half photo: after restart every
 *   visible photo opens, and the interrupted one's objects are swept;
 * - a photo committed whose op was never recorded (the app closed in between) gets its op at
 *   the next start, so it shows here and reaches the other devices.
 */
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, launchPersistentChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { killProfile } from './support/kill-profile.ts';
import { openHarnessPage, vault } from './support/harness-page.ts';

let server: SignalServer;
const closers: Array<() => Promise<unknown>> = [];

test.beforeAll(async () => {
  server = await startSignalServer(['--static', 'e2e/harness/dist']);
});
test.afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await server?.stop();
});

const v = vault;

const page = (owner: Browser | BrowserContext, path: string, global: string): Promise<Page> =>
  openHarnessPage(owner, `${server.url}/${path}`, global, path);

async function relay(name: string, invite: string): Promise<Page> {
  const b = await launchChromium();
  closers.push(() => b.close());
  const p = await page(b, 'relay.html', 'fvRelay');
  await p.evaluate((cfg) => (window as any).fvRelay.start(cfg), {
    signalUrl: server.wsUrl, invite, name, quotaBytes: null, peerId: `relay${name}xxxxxxxx`, testLoopback: true,
  });
  return p;
}

/**
 * A home that claims what it no longer holds: its inventory and acks still list the objects,
 * but the bytes are gone from its OPFS (what a broken or dishonest relay looks like from outside).
 */
async function dropBytesSilently(p: Page): Promise<number> {
  return p.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    let n = 0;
    for await (const [name, dir] of (root as any).entries()) {
      if (!name.startsWith('fv-') || dir.kind !== 'directory') continue;
      const objects = await dir.getDirectoryHandle('objects').catch(() => undefined);
      if (!objects) continue;
      for await (const [shard, sd] of objects.entries()) {
        for await (const [file] of sd.entries()) {
          await sd.removeEntry(file);
          n++;
        }
        void shard;
      }
    }
    return n;
  });
}

test('save space evicts an original only after K enrolled homes prove they hold it, and fetches it back on demand', async () => {
  test.setTimeout(180_000);
  const b = await launchChromium();
  closers.push(() => b.close());
  const a = await page(b, 'vault.html', 'fvVault');
  const created = await v(a, 'create', { signalUrl: server.wsUrl, passphrase: 'plum otter piano 41' });
  await v(a, 'addGenerated', { from: 0, count: 3 });
  await v(a, 'setSettings', { originals: 'save-space', k: 2 });
  const ids: string[] = await v(a, 'photoIds');
  const hashes: Record<string, string> = await v(a, 'sentHashes');

  await relay('Oak', created.relayInvite);
  await expect.poll(async () => Promise.all(ids.map((id) => v(a, 'backedUpOn', id))), { timeout: 60_000 }).toEqual([1, 1, 1]);
  expect((await v(a, 'evict')).evicted).toBe(0);
  expect((await v(a, 'complete')).originals).toBe(3);

  // A second home that takes everything, then loses the bytes but keeps claiming them.
  const liar = await relay('Liar', await v(a, 'relayInvite'));
  await expect.poll(async () => Promise.all(ids.map((id) => v(a, 'backedUpOn', id))), { timeout: 60_000 }).toEqual([2, 2, 2]);
  expect(await dropBytesSilently(liar)).toBeGreaterThan(0);
  const lied = await v(a, 'evict');
  expect(lied.evicted).toBe(0);
  expect(lied.failedChallenges).toBeGreaterThan(0);
  expect(await v(a, 'complete')).toEqual({ photos: 3, thumbs: 3, originals: 3 });
  // Its failed challenges dropped its claims: the photos are on one home again.
  expect(await Promise.all(ids.map((id) => v(a, 'backedUpOn', id)))).toEqual([1, 1, 1]);

  // A home the family did not enroll (a relay invite already used by Oak) is refused outright.
  const stranger = await relay('Stranger', created.relayInvite);
  await new Promise((r) => setTimeout(r, 3000));
  expect((await stranger.evaluate(() => (window as any).fvRelay.status())).objects).toBe(0);

  await relay('Elm', await v(a, 'relayInvite'));
  await expect.poll(async () => Promise.all(ids.map((id) => v(a, 'backedUpOn', id))), { timeout: 60_000 }).toEqual([2, 2, 2]);
  const r = await v(a, 'evict');
  expect(r.evicted).toBeGreaterThanOrEqual(3);
  expect(await v(a, 'complete')).toEqual({ photos: 3, thumbs: 3, originals: 0 });
  // Opening a photo brings the original back from a home, intact.
  expect(await v(a, 'originalHash', ids[0])).toBe(hashes[ids[0]!]);
});

test('a browser killed mid-upload leaves no half photo; orphans are swept on restart, the queue adds what it had saved', async () => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'fv-crash-'));
  let ctx: BrowserContext | undefined;
  try {
    ctx = await launchPersistentChromium(dir);
    let p = await page(ctx, 'vault.html', 'fvVault');
    const created = await v(p, 'create', { signalUrl: server.wsUrl, passphrase: 'plum otter piano 41' });
    await v(p, 'addGenerated', { from: 0, count: 2 });
    // Start a large upload (8 photos of ~2 MiB each) and kill the browser while it runs.
    void p.evaluate(() => (window as any).fvVault.addGenerated({ from: 100, count: 8, width: 2400, height: 1800 })).catch(() => undefined);
    await expect.poll(() => p.evaluate(() => (window as any).fvVault.stat().then((s: { pendingCount: number }) => s.pendingCount)), { timeout: 60_000, intervals: [50] }).toBeGreaterThan(0);
    expect(await killProfile(dir)).toBeGreaterThan(0);
    await ctx.close().catch((e: Error) => console.log(`closing the killed browser: ${e.message}`));

    ctx = await launchPersistentChromium(dir);
    p = await page(ctx, 'vault.html', 'fvVault');
    await v(p, 'unlock', { signalUrl: server.wsUrl, vaultId: created.vaultId, passphrase: 'plum otter piano 41' });
    // The orphans are swept at the start; what is still pending is the chunks of files saved in
    // the upload queue before the kill, held for it: the resumed queue makes them photos.
    console.log(`after the restart: ${(await v(p, 'stat')).pendingCount} object(s) pending, held for the queue`);
    await expect.poll(async () => {
      const [stat, queue] = [await v(p, 'stat'), await v(p, 'queueState')];
      return { pending: stat.pendingCount, waiting: queue.waiting };
    }, { timeout: 60_000 }).toEqual({ pending: 0, waiting: 0 });
    const done = await v(p, 'complete');
    expect(done.photos).toBeGreaterThanOrEqual(2);
    expect(done.photos).toBeLessThanOrEqual(10);
    expect(done.originals).toBe(done.photos);
    const originals = [];
    for (const id of await v(p, 'photoIds')) originals.push(await v(p, 'originalHash', id));
    expect(originals.every((h) => h.length === 64)).toBe(true);
    expect(new Set(originals).size).toBe(originals.length); // none twice
  } finally {
    // The restarted browser still writes its profile: close it before removing the directory
    // (removing it under a live browser failed in CI with ENOTEMPTY after every check had passed).
    await ctx?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
});

test('a photo committed without its op (app closed in between) gets its op at the next start', async () => {
  const b = await launchChromium();
  closers.push(() => b.close());
  const p = await page(b, 'vault.html', 'fvVault');
  const created = await v(p, 'create', { signalUrl: server.wsUrl, passphrase: 'plum otter piano 41' });
  await v(p, 'addGenerated', { from: 0, count: 3 });
  const before: string[] = (await v(p, 'photoIds')).sort();
  expect(before).toHaveLength(3);
  expect(await v(p, 'forgetNewestAlbumOps', { vaultId: created.vaultId, count: 2 })).toBe(2);
  await v(p, 'unlock', { signalUrl: server.wsUrl, vaultId: created.vaultId, passphrase: 'plum otter piano 41' });
  // The repair runs behind the first screen (VaultSession.start): the ops come back shortly after unlock.
  await expect.poll(async () => ((await v(p, 'photoIds')) as string[]).sort(), { timeout: 15_000 }).toEqual(before);
  // The ops were recorded again: a new device restored from the vault sees all three.
  const other = await launchChromium();
  closers.push(() => other.close());
  const q = await page(other, 'vault.html', 'fvVault');
  await v(q, 'join', { signalUrl: server.wsUrl, invite: created.memberInvite, passphrase: 'plum otter piano 41', restore: true });
  await expect.poll(async () => ((await v(q, 'photoIds')) as string[]).sort(), { timeout: 30_000 }).toEqual(before);
});
