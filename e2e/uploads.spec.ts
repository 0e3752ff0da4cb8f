/**
 * The upload queue as a person uses it, at phone size, by role and label: twelve photos picked at
 * once show a total ("Adding 3 of 12") with a bar and every file's own line; Pause stops after the
 * photo in progress and nothing more is added until Resume; paused again, the page is reloaded:
 * after unlocking, the queue goes on by itself from the encrypted copies it kept, and every photo
 * is in the album exactly once, under its own name. (Retry and Remove of failed files are
 * covered by web/src/vault/__tests__/upload-queue.test.ts: a retryable failure cannot be caused
 * from outside the page without a mock.)
 */
import { test, expect, type Page } from '@playwright/test';
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

const added = async (page: Page) => Number((await page.locator('#count').textContent())?.match(/^(\d+)/)?.[1] ?? 0);

test('pause, resume, and a queue that goes on after a reload, at phone size', async () => {
  test.setTimeout(180_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(server.url);
    // The welcome screen's first form creates a vault (the second joins one).
    await page.getByLabel('Your name').first().fill('Ada');
    await page.getByLabel('Passphrase', { exact: true }).first().fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').first().fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create vault' }).click();
    await confirmRecovery(page);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Albums' }).click();
    await expect(page.locator('#count')).toHaveText('0 photos', { timeout: 30_000 });

    await page.locator('#picker').setInputFiles(photos());
    // The total, with a bar, and each file's own line.
    await expect(page.getByRole('status').filter({ hasText: /^Adding \d+ of 12/ })).toBeVisible({ timeout: 30_000 });
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
    await page.screenshot({ path: 'test-results/uploads-paused.png' });

    // Resume: it goes on; paused again once at least one more is in.
    await page.getByRole('button', { name: 'Resume adding' }).click();
    await expect.poll(() => added(page), { timeout: 60_000 }).toBeGreaterThan(atPause);
    await page.getByRole('button', { name: 'Pause adding' }).click();
    await expect(page.getByRole('status').filter({ hasText: /^Paused/ })).toBeVisible({ timeout: 30_000 });
    await expect(lines.filter({ hasText: /: adding/ })).toHaveCount(0, { timeout: 30_000 });
    const beforeReload = await added(page);
    console.log(`paused at ${atPause}, then at ${beforeReload} of ${N}; reloading`);
    expect(beforeReload).toBeLessThan(N);

    // A reload (or the phone closing the app): after unlocking, the queue goes on by itself.
    await page.reload();
    await page.getByLabel('Passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
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
