/**
 * The upload queue as a person uses it, at phone size, by role and label: twelve photos picked at
 * once show a total ("Adding 3 of 12") with a bar and every file's own line; Pause stops after the
 * photo in progress and nothing more is added until Resume; paused again, the page is reloaded:
 * after unlocking, the queue goes on by itself from the encrypted copies it kept, and every photo
 * is in the album exactly once, under its own name. Photos shared to the installed app while it is
 * locked (a real multipart POST to the share target, taken by the real service worker) are kept
 * sealed, nowhere in the clear, and after unlocking wait for the member to choose their album or
 * discard them. A photo picked when the browser has no space left for it (the origin's quota
 * lowered through DevTools, as a full phone would) fails with its reason on its own line and a
 * Retry button; once there is space, Retry adds it.
 */
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { axe, confirmRecovery } from './support/app-ui.ts';

const PASSPHRASE = 'correct horse battery';
const N = 12;

let server: SignalServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** The fixture JPEG with 1.5 MB of its own bytes after its end: twelve distinct photos, each slow enough to watch. */
function photos() {
  const jpeg = readFileSync('e2e/fixtures/beach.jpg');
  return Array.from({ length: N }, (_, i) => ({
    name: `walk-${String(i + 1).padStart(2, '0')}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.concat([jpeg, randomBytes(1_500_000)]),
  }));
}

async function createVault(page: Page) {
  // The welcome screen's first form creates a vault (the second joins one).
  await page.getByLabel('Your name').first().fill('Ada');
  await page.getByLabel('Passphrase', { exact: true }).first().fill(PASSPHRASE);
  await page.getByLabel('Passphrase again').first().fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create vault' }).click();
  await confirmRecovery(page);
}

async function unlock(page: Page) {
  await page.getByLabel('Passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible({ timeout: 30_000 });
}

/** What another app does when the member shares photos to the installed app: a multipart POST navigation to the manifest's share_target. */
async function shareToApp(page: Page, files: Array<{ name: string; mimeType: string; buffer: Buffer }>) {
  await page.evaluate((list) => {
    const form = document.createElement('form');
    Object.assign(form, { method: 'post', action: '/share-target', enctype: 'multipart/form-data' });
    const input = Object.assign(document.createElement('input'), { type: 'file', name: 'photos', multiple: true });
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.mimeType }));
    input.files = dt.files;
    form.append(input);
    document.body.append(form);
    form.submit();
  }, files.map((f) => ({ name: f.name, mimeType: f.mimeType, b64: f.buffer.toString('base64') })));
  await page.waitForURL(/\?shared=/);
}

/** Every record of every IndexedDB database and every Cache Storage entry of the origin, as latin1 text (to look for plaintext). */
async function everythingStored(page: Page): Promise<{ text: string; caches: string[] }> {
  return page.evaluate(async () => {
    const out: string[] = [];
    const asText = (v: unknown): string => {
      if (v instanceof ArrayBuffer) return new TextDecoder('latin1').decode(v);
      if (ArrayBuffer.isView(v)) return new TextDecoder('latin1').decode(v);
      if (v && typeof v === 'object') return Object.values(v).map(asText).join('|');
      return String(v);
    };
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open(name!); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
      for (const store of db.objectStoreNames) {
        const all = await new Promise<unknown[]>((res, rej) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
        out.push(...all.map(asText));
      }
      db.close();
    }
    const names = await caches.keys();
    for (const n of names) {
      const c = await caches.open(n);
      for (const req of await c.keys()) {
        if (req.url.includes('/assets/') || req.url.endsWith('.html') || req.url.endsWith('.js') || req.url.endsWith('.png') || req.url.endsWith('.webmanifest')) continue;
        out.push(new TextDecoder('latin1').decode(await (await c.match(req))!.arrayBuffer()));
      }
    }
    return { text: out.join('\n'), caches: names };
  });
}

/** Saved in test-results/, and in $FV_SCREENSHOTS (README's screenshots) when set. */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/${name}.png` });
  if (process.env.FV_SCREENSHOTS) await page.screenshot({ path: `${process.env.FV_SCREENSHOTS}/${name}.png` });
}

const added = async (page: Page) => Number((await page.locator('#count').textContent())?.match(/^(\d+)/)?.[1] ?? 0);

/** A phone-size page of a new browser on the app: the server started, the page opened. */
async function phone(): Promise<{ browser: Browser; ctx: BrowserContext; page: Page; url: string }> {
  const started = await startSignalServer(['--static', 'web/dist']);
  server = started;
  const browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(started.url);
  return { browser, ctx, page, url: started.url };
}

/** A new vault, on its (empty) album. */
async function newVaultAlbum(page: Page) {
  await createVault(page);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Albums' }).click();
  await expect(page.locator('#count')).toHaveText('0 photos', { timeout: 30_000 });
}

test('pause, resume, and a queue that goes on after a reload, at phone size', async () => {
  test.setTimeout(180_000);
  const { browser, ctx, page } = await phone();
  try {
    await newVaultAlbum(page);

    // A slow phone: twelve photos are otherwise in before anyone could press Pause.
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 });
    await page.locator('#picker').setInputFiles(photos());
    // The total (growing while the picked files are saved), with a bar, and each file's own line.
    await expect(page.getByRole('status').filter({ hasText: /^Adding \d+ of \d+/ })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('progressbar', { name: 'All photos being added' })).toBeVisible();
    await page.getByRole('button', { name: 'Pause adding' }).click();
    await expect(page.getByRole('status').filter({ hasText: /^Paused: \d+ photos? waiting$/ })).toBeVisible({ timeout: 30_000 });
    await page.getByText(/^Each photo \(12\)$/).click();
    const lines = page.getByRole('list', { name: 'Each photo being added' }).getByRole('listitem');
    await expect(lines).toHaveCount(N);
    // Paused: the photo in progress finished, and nothing more is added.
    await expect(lines.filter({ hasText: /: adding/ })).toHaveCount(0, { timeout: 30_000 });
    const atPause = await added(page);
    expect(atPause).toBeLessThan(N);
    await expect(lines.filter({ hasText: /: waiting$/ })).toHaveCount(N - atPause);
    await page.waitForTimeout(2_000);
    expect(await added(page)).toBe(atPause);
    await axe(page, 'album with a paused upload queue');
    await shot(page, 'uploads-paused');

    // Resume: it goes on; paused again once at least one more is in.
    await page.getByRole('button', { name: 'Resume adding' }).click();
    await expect.poll(() => added(page), { timeout: 60_000 }).toBeGreaterThan(atPause);
    await page.getByRole('button', { name: 'Pause adding' }).click();
    await expect(page.getByRole('status').filter({ hasText: /^Paused/ })).toBeVisible({ timeout: 30_000 });
    await expect(lines.filter({ hasText: /: adding/ })).toHaveCount(0, { timeout: 30_000 });
    const beforeReload = await added(page);
    console.log(`paused at ${atPause}, then at ${beforeReload} of ${N}; reloading`);
    expect(beforeReload).toBeLessThan(N);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });

    // A reload (or the phone closing the app): after unlocking, the queue goes on by itself.
    await page.reload();
    await unlock(page);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Albums' }).click();
    await expect(page.locator('#count')).toHaveText('12 photos', { timeout: 120_000 });
    await expect(page.locator('#outcomes')).toHaveCount(0); // none refused, failed or doubled
    await expect(page.getByRole('status').filter({ hasText: /^Adding|^Paused/ })).toHaveCount(0);
    // Every photo once, under its own name (the resumed ones too).
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Photos' }).click();
    await expect(page.locator('fv-timeline button.cell')).toHaveCount(N, { timeout: 30_000 });
    const names = new Set<string>();
    for (let i = 0; i < N; i++) {
      await page.locator('fv-timeline button.cell').nth(i).click();
      const img = page.getByRole('dialog').getByRole('img', { name: /^walk-\d\d\.jpg$/ });
      await expect(img).toBeVisible({ timeout: 30_000 });
      names.add((await img.getAttribute('alt'))!);
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog')).toHaveCount(0);
    }
    expect([...names].sort()).toEqual(photos().map((p) => p.name));
  } finally {
    await browser.close();
  }
});

test('a photo that does not fit: its reason on its line, and Retry adds it once there is space', async () => {
  test.setTimeout(120_000);
  const { browser, ctx, page, url } = await phone();
  try {
    await newVaultAlbum(page);

    // A full device: the origin may store only what it holds now and 64 KB more (the photo is 1.5 MB).
    const cdp = await ctx.newCDPSession(page);
    const origin = new URL(url).origin;
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 64_000 });
    const [photo] = photos();
    await page.locator('#picker').setInputFiles([photo!]);
    const line = page.getByRole('list', { name: 'Photos not added' }).getByRole('listitem');
    await expect(line).toContainText(/walk-01\.jpg: .*Not enough space on this device/, { timeout: 60_000 });
    await expect(page.locator('#count')).toHaveText('0 photos');
    const retry = page.getByRole('button', { name: 'Retry walk-01.jpg' });
    await expect(retry).toBeVisible();
    await axe(page, 'album with a photo that failed for want of space');

    // Space again (the override lifted): Retry adds it, once.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await retry.click();
    await expect(page.locator('#count')).toHaveText('1 photo', { timeout: 60_000 });
    await expect(page.getByRole('button', { name: /^Retry/ })).toHaveCount(0);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Photos' }).click();
    await expect(page.locator('fv-timeline button.cell')).toHaveCount(1, { timeout: 30_000 });
  } finally {
    await browser.close();
  }
});

test('photos shared from another app while locked: sealed, nowhere in the clear, then added to the album the member chooses, or discarded', async () => {
  test.setTimeout(120_000);
  const { browser, page, url } = await phone();
  try {
    // Before any vault: nothing can be kept, and the app says what to do.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    const jpeg = readFileSync('e2e/fixtures/beach.jpg');
    const marker = (i: number) => Buffer.from(`FV-SHARED-PLAINTEXT-MARKER-${i}-`.repeat(8));
    const shared = (i: number) => ({ name: `from-gallery-${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.concat([jpeg, marker(i)]) });
    await shareToApp(page, [shared(0)]);
    await expect(page.locator('#share-note')).toContainText('Nothing shared was kept: set up a vault on this device first');

    await page.goto(url);
    await createVault(page);
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect(page.getByRole('button', { name: 'Unlock' })).toBeVisible();

    // Shared while locked: the service worker seals both; the unlock screen says they wait.
    await shareToApp(page, [shared(1), shared(2)]);
    await expect(page.locator('#share-note')).toHaveText(/^2 photos shared from another app are kept sealed on this device: unlock to choose their album\.$/);
    const stored = await everythingStored(page);
    expect(stored.caches).not.toContain('fv-share-target');
    for (const i of [1, 2]) {
      expect(stored.text, 'a shared file\'s bytes in the clear').not.toContain(marker(i).toString('latin1'));
      expect(stored.text, 'a shared file\'s name in the clear').not.toContain(`from-gallery-${i}`);
    }
    expect(stored.text.length).toBeGreaterThan(2 * jpeg.length); // the sealed copies are there

    // After unlocking: the member chooses the album; nothing is added unasked.
    await unlock(page);
    const inbox = page.getByRole('region', { name: '2 photos shared from another app' });
    await expect(inbox).toBeVisible({ timeout: 30_000 });
    await axe(page, 'shared photos waiting for an album');
    await shot(page, 'shared-inbox');
    await inbox.getByLabel('Add to').selectOption({ label: 'Family' });
    await inbox.getByRole('button', { name: 'Add them' }).click();
    await expect(page.getByRole('heading', { name: 'Family', exact: true })).toBeVisible();
    await expect(page.locator('#count')).toHaveText('2 photos', { timeout: 60_000 });
    await expect(inbox).toHaveCount(0);
    await page.locator('fv-photos fv-timeline button.cell').first().click();
    await expect(page.getByRole('img', { name: /^from-gallery-[12]\.jpg$/ })).toBeVisible({ timeout: 30_000 });
    await page.locator('fv-viewer').getByRole('button', { name: 'Close' }).click();

    // Another share, discarded: it is gone from the device, the album keeps its two.
    await page.getByRole('button', { name: 'Lock' }).click();
    await shareToApp(page, [shared(3)]);
    await expect(page.locator('#share-note')).toContainText('1 photo shared from another app is kept sealed');
    await unlock(page);
    const one = page.getByRole('region', { name: '1 photo shared from another app' });
    await one.getByRole('button', { name: 'Discard' }).click();
    await expect(one).toHaveCount(0);
    await page.reload();
    await unlock(page);
    await expect(page.getByRole('region', { name: /shared from another app/ })).toHaveCount(0);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Albums' }).click();
    await expect(page.locator('#count')).toHaveText('2 photos', { timeout: 30_000 });
  } finally {
    await browser.close();
  }
});
