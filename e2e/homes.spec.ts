/**
 * Devices & homes as a family member sees it, with a real home relay (relay-node and its
 * Chromium on the real relay page): before any home, a warning says the photos are only on
 * family devices; the admin makes a relay invite in the app (as text and as a QR code), the home
 * joins with it, and the Homes list shows it by name, connected, with how many encrypted objects
 * it holds; once it holds the photo and proves it (Check homes now), the warning goes and the
 * photo's info panel says it is backed up on 1 home; with the home stopped, it is "last seen"
 * instead of connected.
 */
import { test, expect } from '@playwright/test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './support/chromium.ts';
import { freePort, startSignalServer, type SignalServer } from './support/processes.ts';
import { RelayNode } from './support/relay-node.ts';
import { axe, confirmRecovery, photoCells } from './support/app-ui.ts';

const PASSPHRASE = 'correct horse battery';
let server: SignalServer | undefined;
let relay: RelayNode | undefined;
let tmp = '';

test.afterEach(async ({}, info) => {
  if (info.status !== info.expectedStatus && relay) console.error(`── relay log (tail) ──\n${relay.tail()}`);
  await relay?.stop();
  relay = undefined;
  await server?.stop();
  server = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
});

test('homes: only-on-devices warning, a home joined from the app\'s invite, what it holds, last seen', async () => {
  test.setTimeout(240_000);
  tmp = await mkdtemp(join(tmpdir(), 'fv-homes-'));
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 800 } })).newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(server.url);
    await page.getByLabel('Your name').first().fill('Ada');
    await page.getByLabel('Passphrase', { exact: true }).first().fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').first().fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create vault' }).click();
    await confirmRecovery(page);
    const sections = page.getByRole('navigation', { name: 'Sections' });
    await sections.getByRole('button', { name: 'Albums' }).click();
    await page.locator('#picker').setInputFiles(['e2e/fixtures/beach.jpg']);
    await expect(page.locator('#count')).toHaveText('1 photo', { timeout: 30_000 });

    await sections.getByRole('button', { name: 'Family' }).click();
    const warning = page.locator('#homes-only-copy');
    await expect(warning).toHaveText('1 photo is only on family devices, not yet at any home: set up a home relay (below) so they are not lost with a phone.', { timeout: 30_000 });
    await expect(page.locator('#no-homes')).toBeVisible();

    // The admin's relay invite, saved where relay-node reads it.
    await page.locator('#make-relay-invite').click();
    const invite = await page.locator('#relay-invite').inputValue();
    expect(invite).toMatch(/^fv\./);
    // Shown as a QR code too, named for what it is and what to do with it.
    await expect(page.getByRole('img', { name: /^QR code of the relay invite: scan it to carry the invite to the home computer/ })).toBeVisible({ timeout: 10_000 });
    const inviteFile = join(tmp, 'invite');
    await writeFile(inviteFile, `${invite}\n`, { mode: 0o600 });
    relay = new RelayNode('Oak Street', join(tmp, 'relay'), await freePort(), await freePort(), inviteFile, server.wsUrl);
    await relay.start();

    const home = page.locator('#homes li').filter({ hasText: 'Oak Street' });
    await expect(home).toContainText('connected', { timeout: 90_000 });
    // It holds the photo's objects (original, thumbnail, metadata) once synced.
    await expect(home).toContainText(/holds \d+ encrypted objects?/, { timeout: 90_000 });
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Check homes now' }).click();
      await expect(page.getByRole('button', { name: 'Check homes now' })).toBeEnabled({ timeout: 30_000 });
      return warning.count();
    }, { timeout: 90_000, intervals: [1000] }).toBe(0);
    await expect(home).toContainText(/last proved it holds your photos (just now|\d+ min ago)/);
    // "Connected now" names the home as the family enrolled it, never by a raw id.
    await expect(page.locator('#peers li').first()).toContainText(/^\s*Oak Street \(home relay\)/);
    const held = Number((await home.textContent())!.match(/holds (\d+) encrypted/)![1]);
    expect(held).toBeGreaterThanOrEqual(3);
    await axe(page, 'homes with a home');
    await page.screenshot({ path: 'test-results/homes.png' });

    // The viewer's info panel says the same of the photo: it is backed up on the one home.
    await sections.getByRole('button', { name: 'Albums' }).click();
    await photoCells(page).first().click();
    await page.getByRole('button', { name: 'Info' }).click();
    const details = page.getByRole('complementary', { name: 'Photo details' });
    await expect(details.getByRole('term').filter({ hasText: /^Backed up$/ }).locator('xpath=following-sibling::dd[1]')).toHaveText('on 1 home', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Close' }).click();
    await sections.getByRole('button', { name: 'Family' }).click();

    // The home goes dark: it is no longer connected, and the list says when it was last seen.
    await relay.stop();
    await expect(home).toContainText(/last seen (just now|1 min ago)/, { timeout: 60_000 });
    // What it held when last seen is still shown (objects other than the photo's, such as the
    // key bundle, may have reached it after the count above was read).
    const lastHeld = Number((await home.textContent())!.match(/holds (\d+) encrypted/)?.[1] ?? 0);
    expect(lastHeld).toBeGreaterThanOrEqual(held);
  } finally {
    await browser.close();
  }
});
