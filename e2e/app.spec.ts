/**
 * The family app as a person uses it, in Chromium against the real signal server: create a vault,
 * see the recovery phrase, add photos with the picker (a JPEG with EXIF, a HEIC, a file that is
 * not a photo), see thumbnails, open the viewer, lock, fail with a wrong passphrase, unlock again.
 */
import { test, expect } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { launchChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { confirmRecovery, dropPhotos } from './support/app-ui.ts';

let server: SignalServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('create a vault, add photos, view, lock and unlock', async () => {
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const ctx = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(server.url);
    await page.locator('#name').fill('Ada');
    // A guessable passphrase is refused, with zxcvbn's advice under the field and at the button.
    await page.locator('#pass').fill('password123');
    await expect(page.locator('#pass-strength')).toContainText('too easy to guess', { timeout: 10_000 });
    await page.locator('#pass2').fill('password123');
    await page.locator('#create-btn').click();
    // The error is under the field it is about, which is marked invalid and gets focus.
    await expect(page.locator('#pass-error[role=alert]')).toContainText(/too easy to guess.*(common|words)/, { timeout: 10_000 });
    await expect(page.locator('#pass')).toBeFocused();
    await expect(page.locator('#pass')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#pass')).toHaveAttribute('aria-describedby', 'pass-strength pass-error');
    await expect(page.locator('#recovery-phrase')).toHaveCount(0);
    await page.locator('#pass').fill('correct horse battery');
    await expect(page.locator('#pass-strength')).toContainText('Strong enough', { timeout: 10_000 });
    await page.locator('#pass2').fill('correct horse battery');
    await page.locator('#create-btn').click();
    const phrase = page.locator('#recovery-phrase');
    await expect(phrase).toBeVisible({ timeout: 30_000 });
    expect((await phrase.textContent())!.trim().split(/\s+/)).toHaveLength(24);
    await confirmRecovery(page);
    // A new vault opens on the timeline; photos are added in an album.
    await page.locator('#tab-albums').click();

    const file = (p: string, mimeType: string) => ({ name: p.split('/').pop()!, mimeType, buffer: readFileSync(p) });
    await page.locator('#picker').setInputFiles([
      file('e2e/fixtures/beach.jpg', 'image/jpeg'), file('e2e/fixtures/beach.heic', 'image/heic'),
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') },
      // Random bytes named like a photo: refused with a reason, never a photo that shows nothing.
      { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: randomBytes(4000) },
      // The right first bytes, then garbage: it cannot be decoded, so it is refused too.
      { name: 'cut.jpg', mimeType: 'image/jpeg', buffer: Buffer.concat([readFileSync('e2e/fixtures/beach.jpg').subarray(0, 20), randomBytes(4000)]) },
    ]);
    await expect(page.locator('#count')).toHaveText('2 photos', { timeout: 30_000 });
    await expect(page.locator('#outcomes')).toContainText('notes.txt');
    await expect(page.locator('#outcomes')).toContainText('broken.jpg: This file is damaged or is not really a JPEG');
    await expect(page.locator('#outcomes')).toContainText('cut.jpg: This image is damaged');
    await expect(page.locator('fv-photos fv-timeline button.cell img:not(.placeholder)')).toHaveCount(2, { timeout: 30_000 });
    // The same photo again is recognised, not stored twice.
    await page.locator('#picker').setInputFiles(['e2e/fixtures/beach.jpg']);
    await expect(page.locator('#outcomes')).toContainText('already in this album');
    await expect(page.locator('#count')).toHaveText('2 photos');

    await page.locator('fv-photos fv-timeline button.cell').first().click();
    await expect(page.locator('#viewer-img')).toBeVisible();
    await page.locator('#viewer-info-toggle').click();
    await expect(page.locator('#viewer-info')).toContainText('on no home yet');
    // The photo's own name, for the image's text and for the download.
    await expect(page.getByRole('img', { name: /^beach\.(jpg|heic)$/ })).toBeVisible();
    const shown = await page.locator('#viewer-img').getAttribute('alt');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download' }).click();
    expect((await download).suggestedFilename()).toBe(shown);
    await page.screenshot({ path: 'test-results/app-viewer.png' });
    await page.getByRole('button', { name: 'Close' }).click();

    await page.locator('#tab-members').click();
    await page.locator('#make-relay-invite').click();
    await expect(page.locator('#relay-invite')).toHaveValue(/^fv\./);
    await page.locator('#tab-storage').click();
    await expect(page.locator('#only-copy')).toContainText('2 photos exist only on this device');
    await page.locator('#tab-albums').click();

    // A second album: starts empty; the first keeps its photos.
    // The app's own dialog (a native prompt() would fail this: Playwright dismisses those).
    await page.locator('#new-album').click();
    const ask = page.getByRole('alertdialog', { name: 'New album' });
    await expect(ask.getByLabel('Name of the new album')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(ask).toHaveCount(0);
    await page.locator('#new-album').click();
    await ask.getByLabel('Name of the new album').fill('Holidays');
    await ask.getByRole('button', { name: 'Create album' }).click();
    await expect(page.locator('#album-name')).toHaveText('Holidays', { timeout: 30_000 });
    await expect(page.locator('#count')).toHaveText('0 photos');
    // The first album's per-file errors stay with it: none follows the user to the new album.
    const notAdded = page.getByRole('list', { name: 'Photos not added' });
    await expect(notAdded).toHaveCount(0);
    await page.locator('#album').selectOption({ label: 'Family' });
    await expect(page.locator('#count')).toHaveText('2 photos');
    await expect(notAdded).toContainText('beach.jpg: already in this album');
    // Nor when switching albums with the album list.
    await page.getByRole('combobox', { name: 'Album', exact: true }).selectOption({ label: 'Holidays' });
    await expect(page.locator('#album-name')).toHaveText('Holidays');
    await expect(notAdded).toHaveCount(0);
    // A photo of the second album: Settings counts the photos of every album, whichever is open.
    await dropPhotos(page, [{ name: 'kite.jpg', date: '2026-03-02T15:30:00', hue: 220 }]);
    await expect(page.locator('#count')).toHaveText('1 photo', { timeout: 30_000 });
    await expect(notAdded).toHaveCount(0);
    await page.getByRole('combobox', { name: 'Album', exact: true }).selectOption({ label: 'Family' });
    await expect(page.locator('#count')).toHaveText('2 photos');
    await page.locator('#tab-storage').click();
    await expect(page.locator('#only-copy')).toContainText('3 photos exist only on this device', { timeout: 30_000 });
    await page.locator('#tab-albums').click();
    await expect(page.locator('#count')).toHaveText('2 photos');

    await page.locator('#lock').click();
    await page.locator('#secret').fill('wrong passphrase');
    await page.locator('#unlock-btn').click();
    await expect(page.locator('fv-unlock .error')).toContainText('does not open', { timeout: 30_000 });
    await page.locator('#secret').fill('correct horse battery');
    await page.locator('#unlock-btn').click();
    await page.locator('#tab-albums').click({ timeout: 30_000 });
    await expect(page.locator('#count')).toHaveText('2 photos', { timeout: 30_000 });
    await expect(page.locator('fv-photos fv-timeline button.cell img:not(.placeholder)')).toHaveCount(2, { timeout: 30_000 });
    await page.screenshot({ path: 'test-results/app-grid.png' });

    // Deleting asks first, in the app's own dialog.
    await page.locator('fv-photos fv-timeline button.cell').first().click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const del = page.getByRole('alertdialog', { name: 'Delete this photo?' });
    await expect(del).toContainText('for the whole family');
    await del.getByRole('button', { name: 'Move to trash' }).click();
    await expect(page.locator('#count')).toHaveText('1 photo', { timeout: 30_000 });
    // The viewer goes on with the photo that took its place.
    await expect(page.locator('#viewer-position')).toHaveText('1 of 1');
    await page.keyboard.press('Escape');
    await expect(page.locator('fv-viewer')).toHaveCount(0);

    // A video gets its poster frame: the server's CSP lets <video> read the blob (media-src).
    const webm = await page.evaluate(recordWebm);
    await page.locator('#picker').setInputFiles([{ name: 'clip.webm', mimeType: 'video/webm', buffer: Buffer.from(webm, 'base64') }]);
    await expect(page.locator('#count')).toHaveText('2 photos', { timeout: 30_000 });
    await expect(page.locator('fv-photos fv-timeline button.cell img:not(.placeholder)')).toHaveCount(2, { timeout: 30_000 });

    // Settings names the build; the server's /healthz names the same one for the app it serves.
    await page.locator('#tab-storage').click();
    // It also says where the photos live: Chromium has OPFS sync access handles.
    await expect(page.locator('#store-kind')).toHaveText("Photos are stored in: this browser's private file system (OPFS)");
    const build = (await page.locator('#build-hash').textContent())!.trim();
    expect(build).toMatch(/^[0-9a-f]{64}$/);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ ok: true, build });

    // Changing the passphrase: a weak new one is refused; afterwards only the new one unlocks.
    await page.locator('#old-pass').fill('correct horse battery');
    await page.locator('#new-pass').fill('grandma1');
    await page.locator('#new-pass2').fill('grandma1');
    await page.locator('#change-pass').click();
    await expect(page.locator('#pass-error')).toContainText('too easy to guess', { timeout: 10_000 });
    await page.locator('#new-pass').fill('violet tractor sings at dawn');
    await page.locator('#new-pass2').fill('violet tractor sings at dawn');
    await page.locator('#change-pass').click();
    await expect(page.locator('#pass-note')).toContainText('Passphrase changed', { timeout: 30_000 });
    await page.locator('#lock').click();
    await page.locator('#secret').fill('correct horse battery');
    await page.locator('#unlock-btn').click();
    await expect(page.locator('fv-unlock .error')).toContainText('does not open', { timeout: 30_000 });
    await page.locator('#secret').fill('violet tractor sings at dawn');
    await page.locator('#unlock-btn').click();
    await page.locator('#tab-albums').click({ timeout: 30_000 });
    await expect(page.locator('#count')).toHaveText('2 photos', { timeout: 30_000 });

    // A second tab of the same browser: only one tab writes a vault. It is told, may take over,
    // and the first tab locks and says why.
    const tab2 = await ctx.newPage();
    await tab2.goto(server.url);
    await tab2.locator('#secret').fill('violet tractor sings at dawn');
    await tab2.locator('#unlock-btn').click();
    await expect(tab2.locator('fv-unlock .error')).toContainText('open in another tab', { timeout: 30_000 });
    await tab2.getByRole('button', { name: 'Open it here instead' }).click();
    await tab2.locator('#tab-albums').click({ timeout: 30_000 });
    await expect(tab2.locator('#count')).toHaveText('2 photos', { timeout: 30_000 });
    await expect(page.locator('#locked-because')).toContainText('opened in another tab', { timeout: 10_000 });
    await tab2.close();
    await page.locator('#secret').fill('violet tractor sings at dawn');
    await page.locator('#unlock-btn').click();
    await page.locator('#tab-albums').click({ timeout: 30_000 });
    await expect(page.locator('#count')).toHaveText('2 photos', { timeout: 30_000 });

    // Auto-lock (on by default): a device left alone shows the lock screen, not the photos.
    await page.clock.install();
    await page.locator('#tab-storage').click();
    await expect(page.getByLabel('Lock the vault when this device is not used for')).toHaveValue('10');
    await page.getByLabel('Lock the vault when this device is not used for').selectOption({ label: '1 minute' });
    await page.clock.fastForward('00:50');
    await expect(page.locator('#secret')).toHaveCount(0);
    await page.clock.fastForward('00:15');
    await expect(page.locator('#secret')).toBeVisible({ timeout: 10_000 });
  } finally {
    await browser.close();
  }
});

test('a new family member joins from an invite link and sees the album once the safety words match', async () => {
  test.setTimeout(180_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browsers = [await launchChromium(), await launchChromium()];
  try {
    const [a, b] = await Promise.all(browsers.map((br) => br.newPage({ viewport: { width: 900, height: 1000 } })));
    await a!.goto(server.url);
    await a!.locator('#name').fill('Ada');
    await a!.locator('#pass').fill('correct horse battery');
    await a!.locator('#pass2').fill('correct horse battery');
    await a!.locator('#create-btn').click();
    await confirmRecovery(a!);
    await a!.locator('#tab-albums').click();
    await a!.locator('#picker').setInputFiles([{ name: 'beach.jpg', mimeType: 'image/jpeg', buffer: readFileSync('e2e/fixtures/beach.jpg') }]);
    await expect(a!.locator('#count')).toHaveText('1 photo', { timeout: 30_000 });
    await a!.locator('#tab-members').click();
    await a!.locator('#make-member-invite').click();
    const link = await a!.locator('#member-invite').inputValue();
    expect(new URL(link).hash).toMatch(/^#join=fv\./);
    // It waits among the invites not used yet; a second one is cancelled (asked first).
    await expect(a!.locator('#invites li')).toHaveCount(1);
    await expect(a!.locator('#invites')).toContainText('For someone who can add photos');
    await a!.getByLabel('The invite is for').selectOption({ label: 'someone who can look' });
    await a!.locator('#make-member-invite').click();
    await expect(a!.locator('#invites li')).toHaveCount(2);
    await a!.locator('#invites li', { hasText: 'someone who can look' }).getByRole('button', { name: 'Cancel invite' }).click();
    await a!.getByRole('alertdialog').getByRole('button', { name: 'Cancel invite' }).click();
    await expect(a!.locator('#invites li')).toHaveCount(1, { timeout: 10_000 });

    await b!.goto(link);
    // The field holds the invite code itself, not the link's "join=" prefix.
    await expect(b!.locator('#invite')).toHaveValue(/^fv\./);
    await b!.locator('#jname').fill('Grandpa');
    await b!.locator('#jpass').fill('another good passphrase');
    await b!.locator('#join-btn').click();
    await confirmRecovery(b!);
    expect(new URL(b!.url()).hash).toBe(''); // the invite does not linger in the address bar
    // A first-run screen that says what to wait for, and what to do.
    await expect(b!.locator('#timeline-empty')).toContainText('Nobody has shared an album with you yet');

    // Both screens show the same safety words for Grandpa.
    await b!.locator('#tab-members').click();
    await expect(b!.getByRole('list', { name: 'Devices of Grandpa' })).toContainText('This device');
    const onB = (await b!.locator('#members > li', { hasText: 'Grandpa' }).locator('.words').textContent())!;
    // Nobody has shared anything with Grandpa yet, and his screen does not pretend otherwise.
    await expect(b!.locator('#members > li', { hasText: 'Ada' })).toContainText('no albums shared with you yet', { timeout: 60_000 });
    const rowOnA = a!.locator('#members > li', { hasText: 'Grandpa' });
    await expect(rowOnA).toBeVisible({ timeout: 60_000 });
    expect(await rowOnA.locator('.words').textContent()).toBe(onB);
    expect(onB.split(' ')).toHaveLength(8);
    await rowOnA.locator('button.share').click();
    await expect(rowOnA).toContainText('albums shared');

    // Albums opens the album if it had arrived by then, else the list, where it appears.
    await b!.locator('#tab-albums').click();
    const cover = b!.locator('#album-list button.cover');
    await expect(b!.locator('#count').or(cover)).toBeVisible({ timeout: 60_000 });
    if (await cover.count()) await cover.first().click();
    await expect(b!.locator('#count')).toHaveText('1 photo', { timeout: 60_000 });
    await expect(b!.locator('fv-photos fv-timeline button.cell img:not(.placeholder)')).toHaveCount(1, { timeout: 60_000 });

    // The admin makes Grandpa a viewer; his screen says so.
    // His invite is used: nothing waits any more.
    await expect(a!.locator('#no-invites')).toBeVisible({ timeout: 30_000 });
    await a!.getByLabel('Role of Grandpa').selectOption('viewer');
    await b!.locator('#tab-albums').click();
    await b!.locator('#tab-members').click();
    await expect(b!.locator('#members > li', { hasText: 'Grandpa' }).locator('.role')).toHaveText('can look', { timeout: 30_000 });
    // Removing him asks first (the app's own dialog, Escape cancels), then he is gone from the list.
    await a!.getByRole('button', { name: 'Remove Grandpa' }).click();
    await expect(a!.getByRole('alertdialog')).toContainText('cannot be taken back');
    await a!.keyboard.press('Escape');
    await expect(a!.getByRole('alertdialog')).toHaveCount(0);
    await a!.getByRole('button', { name: 'Remove Grandpa' }).click();
    await a!.getByRole('alertdialog').getByRole('button', { name: 'Remove Grandpa' }).click();
    await expect(a!.locator('#members > li', { hasText: 'Grandpa' })).toHaveCount(0, { timeout: 30_000 });
  } finally {
    await Promise.all(browsers.map((br) => br.close()));
  }
});

/** Runs in the page: one second of a moving canvas, recorded as WebM (Chromium), base64. */
async function recordWebm(): Promise<string> {
  const canvas = document.createElement('canvas');
  canvas.width = 160;
  canvas.height = 120;
  const g = canvas.getContext('2d')!;
  const rec = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' });
  const parts: Blob[] = [];
  rec.ondataavailable = (e) => parts.push(e.data);
  const stopped = new Promise((r) => (rec.onstop = r));
  rec.start();
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    g.fillStyle = `hsl(${Math.round(performance.now() - t0) % 360} 70% 50%)`;
    g.fillRect(0, 0, 160, 120);
    await new Promise((r) => setTimeout(r, 40));
  }
  rec.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
