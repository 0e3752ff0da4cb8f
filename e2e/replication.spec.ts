/**
 * Replication between separate Chromium processes through the real signal server: a member adds
 * photos, the same member restores on a second device (invite + passphrase; the key bundle comes
 * over replication), and every photo arrives, decrypts and matches byte for byte — directly and
 * forced through coturn. The test asserts which path carried the data.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, launchPersistentChromium } from './support/chromium.ts';
import { killProfile } from './support/kill-profile.ts';
import { openHarnessPage, vault } from './support/harness-page.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { startTurnStack, type TurnStack } from './support/turn-stack.ts';

const PHOTOS = Number(process.env.FV_REPLICATION_PHOTOS ?? 50);
let stack: TurnStack;
let server: SignalServer;
const browsers: Browser[] = [];

test.beforeAll(async () => {
  stack = await startTurnStack();
  server = stack.server;
});

test.afterAll(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close()));
  await stack?.stop();
});

async function device(name: string, on: SignalServer = server): Promise<Page> {
  const browser = await launchChromium();
  browsers.push(browser);
  return openHarnessPage(browser, `${on.url}/vault.html`, 'fvVault', name);
}

const v = vault;

for (const relay of [false, true]) {
  test(`${PHOTOS} photos replicate to a restored device ${relay ? 'through coturn' : 'directly'}`, async () => {
    test.setTimeout(240_000);
    const a = await device('A');
    const created = await v(a, 'create', { signalUrl: server.wsUrl, passphrase: 'correct horse', relay });
    const added = await v(a, 'addGenerated', { from: 0, count: PHOTOS, width: 640, height: 480 });
    expect(added.filter((r: { status: string }) => r.status === 'added')).toHaveLength(PHOTOS);

    const b = await device('B');
    await v(b, 'join', { signalUrl: server.wsUrl, invite: created.memberInvite, passphrase: 'correct horse', restore: true, relay });
    await expect.poll(() => v(b, 'complete'), { timeout: 180_000, intervals: [500] })
      .toEqual({ photos: PHOTOS, thumbs: PHOTOS, originals: PHOTOS });

    const sent: Record<string, string> = await v(a, 'sentHashes');
    for (const [photo, hash] of Object.entries(sent)) {
      expect(await v(b, 'originalHash', photo)).toBe(hash);
      expect(await v(b, 'thumbnailSize', photo)).toBeGreaterThan(1000);
    }
    // A thumbnail damaged on B's disk: it is read without a hash (AES-GCM authenticates), so the
    // failed open reads it again verified, which drops the bad copy, and A's copy comes back.
    const damaged = Object.keys(sent)[0]!;
    await v(b, 'damageThumbnail', damaged);
    expect(await v(b, 'thumbnailSize', damaged)).toBe(0);
    await expect.poll(() => v(b, 'thumbnailSize', damaged), { timeout: 30_000 }).toBeGreaterThan(1000);
    const peers = await v(b, 'peers');
    const open = peers.filter((p: { state: string }) => p.state === 'open' || p.state === 'ready');
    expect(open.length, JSON.stringify(peers)).toBeGreaterThan(0);
    for (const p of open) expect(p.transport).toBe(relay ? 'turn' : 'direct');
    await Promise.all(browsers.splice(0).map((br) => br.close()));
  });
}

test('a transfer cut mid-way (receiving browser killed) resumes after restart, nothing corrupt', async () => {
  test.setTimeout(240_000);
  const a = await device('A');
  const created = await v(a, 'create', { signalUrl: server.wsUrl, passphrase: 'plum otter piano 41' });
  await v(a, 'addGenerated', { from: 0, count: 24, width: 2000, height: 1500 });
  const sent: Record<string, string> = await v(a, 'sentHashes');

  // A serves a third of the originals' chunks, then holds further requests for them: the cut
  // falls mid-transfer on a fast machine as on a slow one.
  const chunks: number = await v(a, 'originalChunks');
  const served = Math.floor(chunks / 3);
  await v(a, 'holdServingAfter', served);

  const dir = mkdtempSync(join(tmpdir(), 'fv-resume-'));
  try {
    let ctx = await launchPersistentChromium(dir);
    let b = await ctx.newPage();
    await b.goto(`${server.url}/vault.html`);
    await b.waitForFunction(() => 'fvVault' in window);
    const joined = await v(b, 'join', { signalUrl: server.wsUrl, invite: created.memberInvite, passphrase: 'plum otter piano 41', restore: true });
    // B stores what A let through, then waits on the held requests (which also hold back
    // whatever B queued behind them).
    let last = '';
    await expect.poll(async () => {
      const [prev, now] = [last, (last = JSON.stringify(await v(b, 'complete')))];
      return now === prev && JSON.parse(now).originals > 0;
    }, { timeout: 120_000, intervals: [2000] }).toBe(true);
    const before = await v(b, 'complete');
    expect(before.originals, 'some originals did not arrive').toBeLessThan(24);
    // Requests for the rest are in flight, held by A: kill B with them open.
    expect(await killProfile(dir)).toBeGreaterThan(0);
    await ctx.close().catch((e: Error) => console.log(`closing the killed browser: ${e.message}`));
    await v(a, 'releaseServing');
    console.log(`resume: A served ${served} of ${chunks} chunks of originals before the kill (${JSON.stringify(before)})`);

    ctx = await launchPersistentChromium(dir);
    b = await ctx.newPage();
    await b.goto(`${server.url}/vault.html`);
    await b.waitForFunction(() => 'fvVault' in window);
    await v(b, 'unlock', { signalUrl: server.wsUrl, vaultId: joined.vaultId, passphrase: 'plum otter piano 41' });
    await expect.poll(() => v(b, 'complete'), { timeout: 180_000, intervals: [500] }).toEqual({ photos: 24, thumbs: 24, originals: 24 });
    for (const [photo, hash] of Object.entries(sent)) expect(await v(b, 'originalHash', photo)).toBe(hash);
    expect((await v(b, 'stat')).corruptCount).toBe(0);
    await ctx.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all(browsers.splice(0).map((br) => br.close()));
  }
});

test('when ICE cannot connect, photos replicate through the WebSocket fallback (ciphertext via the server)', async () => {
  test.setTimeout(180_000);
  const noTurn = await startSignalServer(['--static', 'e2e/harness/dist']);
  try {
    const open = (name: string) => device(name, noTurn);
    // Relay-only ICE with no TURN server: no candidate at all, so the dialer falls back.
    const opts = { signalUrl: noTurn.wsUrl, relay: true, iceTimeoutMs: 1500 };
    const a = await open('A');
    const created = await v(a, 'create', { ...opts, passphrase: 'plum otter piano 41' });
    await v(a, 'addGenerated', { from: 0, count: 3, width: 320, height: 240 });
    const b = await open('B');
    await v(b, 'join', { ...opts, invite: created.memberInvite, passphrase: 'plum otter piano 41', restore: true });
    await expect.poll(() => v(b, 'complete'), { timeout: 120_000, intervals: [500] }).toEqual({ photos: 3, thumbs: 3, originals: 3 });
    const sent: Record<string, string> = await v(a, 'sentHashes');
    for (const [photo, hash] of Object.entries(sent)) expect(await v(b, 'originalHash', photo)).toBe(hash);
    // ICE has no candidate here, so nothing but the fallback could have carried the photos.
    await expect.poll(async () => (await v(b, 'peers')).map((p: { transport: string }) => p.transport), { timeout: 30_000 }).toContain('fallback');
  } finally {
    await Promise.all(browsers.splice(0).map((br) => br.close()));
    await noTurn.stop();
  }
});
