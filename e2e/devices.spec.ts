/**
 * A member's own devices, through the app's screens as a family uses them (each device is its
 * own Chromium process; the signal server serves the built app):
 *   - lost devices are revoked: Ada's phone and tablet join with device invites made in the app
 *     ("I already use this vault…", her passphrase) and receive her new photos; she revokes
 *     them from Family on her first device (the app's own confirmation dialog), the phone while
 *     it is on, the tablet while it is off. Family shows them revoked; the phone is disconnected
 *     and says it was revoked (no false alarm about someone not allowed); the tablet, unlocked
 *     again, is refused and says so too; neither gets the photo added afterwards;
 *   - a new device is restored with the 24-word recovery phrase the app showed when the vault
 *     was made ("I forgot my passphrase"): a mistyped word is named, and with the words as
 *     written down the device unlocks and shows the vault's photos in its timeline.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { launchChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { addPhotos, createVault, joinAsMyDevice, makeInvite, openSection, photoCells, unlock } from './support/app-ui.ts';

const PASSPHRASE = 'correct horse battery';
const context = { viewport: { width: 900, height: 1000 }, locale: 'en-GB', timezoneId: 'Europe/London' };

let server: SignalServer | undefined;
const browsers: Browser[] = [];
test.afterEach(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close()));
  await server?.stop();
  server = undefined;
});

/** A device of its own (a separate browser process) on the app. */
async function device(): Promise<Page> {
  const browser = await launchChromium();
  browsers.push(browser);
  const page = await (await browser.newContext(context)).newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(server!.url);
  return page;
}

/** What the Photos screen counts ("2 photos"). */
const timelineCount = (page: Page) => page.getByRole('status').filter({ hasText: /^\d+ photos?$/ });

test('lost devices revoked on Family are shown revoked, are refused (on, or when they come back), and get none of the photos added afterwards', async () => {
  test.setTimeout(90_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const first = await device();
  const [phone, tablet] = [await device(), await device()];
  await createVault(first, 'Ada', PASSPHRASE);
  await addPhotos(first, [{ name: 'garden.jpg', date: '2026-03-10T11:00:00', hue: 120 }]);

  // Her phone and then her tablet have the app open; she opens a device invite made in the app
  // in each, and opens her keys with her passphrase.
  for (const other of [phone, tablet]) {
    await joinAsMyDevice(other, await makeInvite(first, 'a new device of a member'), { passphrase: PASSPHRASE });
    await openSection(other, 'Photos');
    await expect(timelineCount(other)).toHaveText('1 photo', { timeout: 60_000 });
  }
  // They get what she adds now (so what they do not get later is the revocation's doing).
  await addPhotos(first, [{ name: 'kite.jpg', date: '2026-03-02T15:30:00', hue: 220 }]);
  for (const other of [phone, tablet]) await expect(timelineCount(other)).toHaveText('2 photos', { timeout: 60_000 });
  const connected = first.getByRole('listitem').filter({ hasText: 'Your other device' });
  await openSection(first, 'Family');
  await expect(connected).toHaveCount(2, { timeout: 30_000 });

  // Both are lost; the tablet is off (its app closed), the phone is on. On her first device:
  // Family → Devices of Ada (in the order they joined) → Revoke, confirmed in the app's own dialog.
  const tabletContext = tablet.context();
  await tablet.close();
  await expect(connected).toHaveCount(1, { timeout: 30_000 });
  const devices = first.getByRole('list', { name: 'Devices of Ada' });
  await expect(devices.getByRole('listitem')).toHaveText([/^This device/, /^Device 2/, /^Device 3/]);
  const revoke = async (button: string, left: Array<string | RegExp>) => {
    await devices.getByRole('button', { name: button }).click();
    const ask = first.getByRole('alertdialog', { name: 'Revoke your device?' });
    await expect(ask).toContainText('For a lost or sold phone');
    await ask.getByRole('button', { name: 'Revoke device' }).click();
    await expect(ask).toHaveCount(0);
    await expect(devices.getByRole('listitem')).toHaveText(left, { timeout: 30_000 });
  };
  // The phone (the first to join): it is disconnected at once, and its own Family screen says why.
  await revoke('Revoke my device 2', [/^This device/, /^Device 3/, '1 device revoked']);
  await expect(connected).toHaveCount(0, { timeout: 30_000 });
  await openSection(phone, 'Family');
  await expect(phone.getByRole('alert').filter({ hasText: /^This device was revoked/ })).toBeVisible({ timeout: 30_000 });
  await expect(phone.getByText(/^This device was revoked/)).toHaveCount(2); // on Family and under Connected now
  // Not an alarm about someone not allowed (its own duties as an admin's device were refused, and shown so).
  await expect(phone.getByRole('alert').filter({ hasText: 'not allowed' })).toHaveCount(0);
  // Then the tablet: still "Device 3" (the numbers do not move); revoked, no Revoke button left.
  await revoke('Revoke my device 3', [/^This device/, '2 devices revoked']);
  await expect(devices.getByRole('button', { name: /^Revoke/ })).toHaveCount(0);

  // A photo added after the revocations.
  await addPhotos(first, [{ name: 'snow.jpg', date: '2025-12-24T18:00:00', hue: 0 }]);
  await openSection(first, 'Photos');
  await expect(timelineCount(first)).toHaveText('3 photos');

  // The tablet comes back and is unlocked: it never got the revocation, and is refused; its
  // Family screen says it was revoked.
  const back = await tabletContext.newPage();
  back.on('pageerror', (e) => console.error('page error:', e.message));
  await back.goto(server.url);
  await unlock(back, PASSPHRASE);
  await openSection(back, 'Family');
  await expect(back.getByRole('alert').filter({ hasText: /^This device was revoked/ })).toBeVisible({ timeout: 30_000 });
  await expect(back.getByRole('listitem').filter({ hasText: 'Your other device' })).toHaveCount(0);
  // Neither has the photo added since; each keeps what it had. They are refused at every try:
  // watched for a few seconds of those tries (a count that changed fails at once).
  for (const other of [phone, back]) {
    await openSection(other, 'Photos');
    await expect(timelineCount(other)).toHaveText('2 photos', { timeout: 30_000 });
  }
  for (let t = 0; t < 10; t++) {
    for (const other of [phone, back]) expect(await timelineCount(other).textContent()).toBe('2 photos');
    await first.waitForTimeout(500);
  }
  for (const other of [phone, back]) {
    const dates = await photoCells(other).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(dates.some((d) => d.includes('December 2025')), dates.join('; ')).toBe(false);
  }
});

test('a new device restored with the 24-word recovery phrase unlocks and shows the vault\'s photos', async () => {
  test.setTimeout(90_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const first = await device();
  const phrase = await createVault(first, 'Ada', PASSPHRASE);
  expect(phrase.split(' ')).toHaveLength(24);
  await addPhotos(first, [
    { name: 'garden.jpg', date: '2026-03-10T11:00:00', hue: 120 },
    { name: 'kite.jpg', date: '2026-03-02T15:30:00', hue: 220 },
  ]);
  const link = await makeInvite(first, 'a new device of a member');

  // On the new device she forgot her passphrase; first she mistypes a word of the phrase.
  const fresh = await device();
  await fresh.goto(link);
  await fresh.getByLabel('I already use this vault on another device (restore my keys)').check();
  await fresh.getByLabel('I forgot my passphrase: use my 24-word recovery phrase').check();
  const words = phrase.split(' ');
  await fresh.getByRole('textbox', { name: 'Recovery phrase' }).fill([...words.slice(0, 6), 'hourse', ...words.slice(7)].join(' '));
  await fresh.getByRole('button', { name: 'Join' }).click();
  // Said under the phrase, which is marked invalid and has focus (not at the Join button).
  await expect(fresh.locator('#jrecovery-error')).toContainText('word 7 is not in the word list', { timeout: 60_000 });
  await expect(fresh.getByRole('textbox', { name: 'Recovery phrase' })).toHaveAttribute('aria-invalid', 'true');
  await expect(fresh.getByRole('textbox', { name: 'Recovery phrase' })).toBeFocused();

  // The words as she wrote them down: the vault opens, with its photos.
  await fresh.getByRole('textbox', { name: 'Recovery phrase' }).fill(phrase);
  await fresh.getByRole('button', { name: 'Join' }).click();
  await expect(fresh.getByRole('navigation', { name: 'Sections' })).toBeVisible({ timeout: 60_000 });
  await openSection(fresh, 'Photos');
  await expect(timelineCount(fresh)).toHaveText('2 photos', { timeout: 60_000 });
  await expect(photoCells(fresh)).toHaveCount(2);
  await expect.poll(() => fresh.locator('fv-timeline button.cell img:not(.placeholder)').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0)), { timeout: 30_000 }).toEqual([true, true]);
  await photoCells(fresh).first().click();
  await expect(fresh.getByRole('dialog', { name: 'Photo garden.jpg' })).toBeVisible({ timeout: 30_000 });
});
