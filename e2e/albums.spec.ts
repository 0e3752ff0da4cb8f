/**
 * Albums and Trash (issue 11), as a family uses them: a deleted photo moves to Trash for the
 * whole family (the other member's timeline loses it too), comes back with Restore, and leaves
 * for good with "Empty trash"; photos added to a second album from a selection show there with
 * their thumbnails, without being uploaded again. axe reports no violation on the Trash screen.
 */
import { test, expect, type Page } from '@playwright/test';
import { launchChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { axe, confirmRecovery } from './support/app-ui.ts';

let server: SignalServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function create(page: Page, name: string) {
  await page.locator('#name').fill(name);
  await page.locator('#pass').fill('correct horse battery');
  await page.locator('#pass2').fill('correct horse battery');
  await page.locator('#create-btn').click();
  await confirmRecovery(page);
}

/** Drops JPEGs drawn in the page (one colour each) on the open album's drop zone. */
async function dropPhotos(page: Page, photos: Array<{ name: string; date: string; hue: number }>) {
  await page.locator('fv-photos .drop').evaluate(async (drop, list) => {
    const dt = new DataTransfer();
    for (const p of list) {
      const c = new OffscreenCanvas(320, 240);
      const g = c.getContext('2d')!;
      g.fillStyle = `hsl(${p.hue} 70% 60%)`;
      g.fillRect(0, 0, 320, 240);
      g.fillStyle = '#fff';
      g.fillRect(40 + (p.hue % 200), 60, 60, 60);
      const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      dt.items.add(new File([blob], p.name, { type: 'image/jpeg', lastModified: Date.parse(p.date) }));
    }
    drop.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }));
  }, photos);
}

const cells = (page: Page) => page.locator('fv-timeline').getByRole('button', { name: /^Photo, / });

async function openTrash(page: Page) {
  await page.getByRole('button', { name: 'Albums', exact: true }).click();
  if (await page.locator('#all-albums').count()) await page.locator('#all-albums').click();
  await page.getByRole('button', { name: /^Trash, / }).click();
  await expect(page.getByRole('heading', { name: 'Trash' })).toBeVisible();
}

test('Trash and leaving: a deleted photo leaves both members\' timelines, comes back with Restore, and Empty trash removes it for good; a member who leaves the album gets it back when it is shared again', async () => {
  test.setTimeout(240_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browsers = [await launchChromium(), await launchChromium()];
  try {
    const [a, b] = await Promise.all(browsers.map(async (br) => (await br.newContext({ viewport: { width: 900, height: 1000 }, locale: 'en-GB', timezoneId: 'Europe/London' })).newPage()));
    for (const p of [a!, b!]) p.on('pageerror', (e) => console.error('page error:', e.message));
    await a!.goto(server.url);
    await create(a!, 'Ada');
    await a!.getByRole('button', { name: 'Albums', exact: true }).click();
    await dropPhotos(a!, [
      { name: 'garden.jpg', date: '2026-03-10T11:00:00', hue: 120 },
      { name: 'kite.jpg', date: '2026-03-02T15:30:00', hue: 220 },
    ]);
    await expect(a!.locator('#count')).toHaveText('2 photos', { timeout: 30_000 });

    // Grandpa joins and Ada shares her albums with him.
    await a!.getByRole('button', { name: 'Family', exact: true }).click();
    await a!.locator('#make-member-invite').click();
    const link = await a!.locator('#member-invite').inputValue({ timeout: 30_000 });
    await b!.goto(link);
    await b!.locator('#jname').fill('Grandpa');
    await b!.locator('#jpass').fill('another good passphrase');
    await b!.locator('#join-btn').click();
    await confirmRecovery(b!);
    const rowOnA = a!.locator('#members > li', { hasText: 'Grandpa' });
    await expect(rowOnA).toBeVisible({ timeout: 60_000 });
    await rowOnA.getByRole('button', { name: 'Words match: share my albums' }).click();
    await expect(rowOnA).toContainText('albums shared', { timeout: 30_000 });
    // Connected now names his device by its owner, and the Family screen with two members passes axe.
    await expect(a!.locator('#peers li', { hasText: "Grandpa's device" })).toBeVisible({ timeout: 30_000 });
    await axe(a!, 'family with two members');
    await b!.getByRole('button', { name: 'Photos', exact: true }).click();
    await expect(b!.locator('#timeline-count')).toHaveText('2 photos', { timeout: 60_000 });
    // The viewer's details say who added a photo: Ada to Grandpa, "You" to Ada.
    await cells(b!).first().click();
    await b!.locator('#viewer-info-toggle').click();
    await expect(b!.locator('#viewer-info')).toContainText(/Added by\s*Ada/, { timeout: 30_000 });
    await b!.keyboard.press('Escape');
    await a!.getByRole('button', { name: 'Photos', exact: true }).click();
    await cells(a!).first().click();
    await a!.locator('#viewer-info-toggle').click();
    await expect(a!.locator('#viewer-info')).toContainText(/Added by\s*You/, { timeout: 30_000 });
    await a!.keyboard.press('Escape');
    await expect(a!.getByRole('dialog')).toHaveCount(0);

    // Ada deletes one from a selection: it asks first, then the photo is in the trash for both.
    await a!.getByRole('button', { name: 'Photos', exact: true }).click();
    await expect(cells(a!)).toHaveCount(2);
    await cells(a!).first().focus();
    await a!.keyboard.press(' ');
    await a!.getByRole('button', { name: 'Delete' }).click();
    await a!.getByRole('alertdialog', { name: 'Delete 1 photo?' }).getByRole('button', { name: 'Move to trash' }).click();
    await expect(a!.locator('#timeline-count')).toHaveText('1 photo', { timeout: 30_000 });
    await expect(b!.locator('#timeline-count')).toHaveText('1 photo', { timeout: 60_000 });

    // Trash lists it (its thumbnail decoded), and axe finds nothing wrong there.
    await openTrash(a!);
    await expect(a!.locator('#trash-count')).toHaveText('1 photo in the trash');
    await expect(a!.getByRole('list', { name: 'Photos in the trash' }).getByRole('img')).toHaveCount(1, { timeout: 30_000 });
    await expect(a!.getByRole('list', { name: 'Photos in the trash' })).toContainText('30 days left');
    await axe(a!, 'trash');
    // Grandpa sees it in the trash too, but it is Ada's photo: he cannot restore or remove it.
    await openTrash(b!);
    await expect(b!.locator('#trash-count')).toHaveText('1 photo in the trash', { timeout: 30_000 });
    await expect(b!.getByRole('button', { name: /^Restore/ })).toHaveCount(0);
    await expect(b!.getByRole('button', { name: 'Empty trash' })).toHaveCount(0);

    // Restore: back in both timelines.
    await a!.getByRole('button', { name: /^Restore photo 1/ }).click();
    await expect(a!.locator('#trash-none')).toHaveText('The trash is empty.', { timeout: 30_000 });
    await a!.getByRole('button', { name: 'Photos', exact: true }).click();
    await expect(a!.locator('#timeline-count')).toHaveText('2 photos', { timeout: 30_000 });
    await b!.getByRole('button', { name: 'Photos', exact: true }).click();
    await expect(b!.locator('#timeline-count')).toHaveText('2 photos', { timeout: 60_000 });

    // The viewer's Delete moves to the trash as well; Empty trash removes it for good.
    await cells(a!).first().click();
    await a!.locator('fv-viewer').getByRole('button', { name: 'Delete' }).click();
    await a!.getByRole('alertdialog', { name: 'Delete this photo?' }).getByRole('button', { name: 'Move to trash' }).click();
    await expect(a!.locator('#timeline-count')).toHaveText('1 photo', { timeout: 30_000 });
    // The viewer goes on to the photo that took its place, not the one in the trash.
    await expect(a!.locator('#viewer-position')).toHaveText('1 of 1');
    await expect(a!.locator('#viewer-title')).toHaveText('kite.jpg', { timeout: 30_000 });
    await a!.keyboard.press('Escape');
    await openTrash(a!);
    await a!.getByRole('button', { name: 'Empty trash' }).click();
    const ask = a!.getByRole('alertdialog', { name: 'Empty the trash?' });
    await expect(ask).toContainText('1 photo is removed for good');
    await ask.getByRole('button', { name: 'Remove for good' }).click();
    await expect(a!.locator('#trash-none')).toBeVisible({ timeout: 30_000 });
    await a!.getByRole('button', { name: 'Albums', exact: true }).click();
    await expect(a!.locator('#album-list li').first()).toContainText('1 photo');
    await expect(b!.locator('#timeline-count')).toHaveText('1 photo', { timeout: 60_000 });
    await openTrash(b!);
    await expect(b!.locator('#trash-none')).toBeVisible({ timeout: 30_000 });

    // Grandpa leaves the album (asked first): it goes from his albums; Ada keeps it.
    await b!.locator('#all-albums').click();
    await b!.getByRole('button', { name: 'Open album Family, 1 photo' }).click();
    await b!.getByRole('button', { name: 'Leave album' }).click();
    await b!.getByRole('alertdialog', { name: 'Leave Family?' }).getByRole('button', { name: 'Leave album' }).click();
    await expect(b!.locator('#albums-empty')).toBeVisible({ timeout: 30_000 });
    await b!.getByRole('button', { name: 'Photos', exact: true }).click();
    await expect(b!.locator('#timeline-empty')).toContainText('Nobody has shared an album with you yet');
    await a!.getByRole('button', { name: 'Open album Family, 1 photo' }).click();
    await expect(a!.locator('#count')).toHaveText('1 photo');
    // Sharing with him again brings it back.
    await a!.getByRole('button', { name: 'Family', exact: true }).click();
    await a!.locator('#members > li', { hasText: 'Grandpa' }).getByRole('button', { name: 'Words match: share my albums' }).click({ timeout: 30_000 });
    await expect(b!.locator('#timeline-count')).toHaveText('1 photo', { timeout: 60_000 });
  } finally {
    await Promise.all(browsers.map((br) => br.close()));
  }
});

test('Add to album: a selection goes into a new album and an existing one without uploading again, with its thumbnails', async () => {
  test.setTimeout(150_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB', timezoneId: 'Europe/London' })).newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(server.url);
    await create(page, 'Ada');
    await page.getByRole('button', { name: 'Albums', exact: true }).click();
    await dropPhotos(page, [
      { name: 'garden.jpg', date: '2026-03-10T11:00:00', hue: 120 },
      { name: 'kite.jpg', date: '2026-03-02T15:30:00', hue: 220 },
      { name: 'snow.jpg', date: '2025-12-24T18:00:00', hue: 0 },
    ]);
    await expect(page.locator('#count')).toHaveText('3 photos', { timeout: 30_000 });
    const uploaded = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);

    // Two photos of the timeline into a new album, named in the picker.
    await page.getByRole('button', { name: 'Photos', exact: true }).click();
    await expect(cells(page)).toHaveCount(3);
    await cells(page).nth(0).focus();
    await page.keyboard.press(' ');
    await cells(page).nth(1).click();
    await expect(page.locator('#selection-count')).toHaveText('2 selected');
    await page.getByRole('button', { name: 'Add to album…' }).click();
    const picker = page.getByRole('dialog', { name: 'Add 2 photos to an album' });
    await expect(picker.getByRole('button', { name: /^Family/ })).toBeVisible();
    await axe(page, 'album picker');
    await picker.getByRole('button', { name: 'New album…' }).click();
    await picker.getByLabel('Name of the new album').fill('Garden');
    await picker.getByRole('button', { name: 'Create and add' }).click();
    await expect(page.locator('#selection-note')).toHaveText('2 photos added to Garden.', { timeout: 30_000 });
    // The timeline shows each photo once; no photo was encrypted or stored again.
    await expect(page.locator('#timeline-count')).toHaveText('3 photos');
    const after = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    expect(after - uploaded).toBeLessThan(512 * 1024);

    // Garden: two photos, its cover and thumbnails decrypted with its own key.
    await page.getByRole('button', { name: 'Albums', exact: true }).click();
    if (await page.locator('#all-albums').count()) await page.locator('#all-albums').click();
    const garden = page.locator('#album-list li', { hasText: 'Garden' });
    await expect(garden).toContainText('2 photos');
    await expect(garden.locator('img')).toHaveCount(1, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Open album Garden, 2 photos' }).click();
    await expect(page.locator('#count')).toHaveText('2 photos');
    await expect(page.locator('fv-photos fv-timeline button.cell img:not(.placeholder)')).toHaveCount(2, { timeout: 30_000 });
    await expect.poll(() => page.locator('fv-photos fv-timeline button.cell img:not(.placeholder)').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0)), { timeout: 30_000 }).toEqual([true, true]);
    // The second photo becomes the album's cover, for everyone (a register in the album's ops).
    await page.locator('fv-photos fv-timeline button.cell').nth(1).click();
    await page.getByRole('button', { name: 'Use as album cover' }).click();
    await expect(page.getByRole('button', { name: 'The album cover' })).toBeDisabled({ timeout: 30_000 });
    await page.locator('fv-viewer').getByRole('button', { name: 'Close' }).click();

    // The third photo into the existing album; one already there is not added twice.
    await page.getByRole('button', { name: 'Photos', exact: true }).click();
    await cells(page).nth(2).focus();
    await page.keyboard.press(' ');
    await cells(page).nth(0).click();
    await page.getByRole('button', { name: 'Add to album…' }).click();
    await page.getByRole('dialog', { name: 'Add 2 photos to an album' }).getByRole('button', { name: /^Garden/ }).click();
    await expect(page.locator('#selection-note')).toHaveText('1 photo added to Garden.', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Albums', exact: true }).click();
    if (await page.locator('#all-albums').count()) await page.locator('#all-albums').click();
    await expect(page.locator('#album-list li', { hasText: 'Garden' })).toContainText('3 photos');
    await expect(page.locator('#album-list li', { hasText: 'Family' })).toContainText('3 photos');

    // Deleting it from the timeline moves it to the trash in both albums.
    await page.getByRole('button', { name: 'Photos', exact: true }).click();
    await cells(page).first().click();
    await page.locator('fv-viewer').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alertdialog', { name: 'Delete this photo?' }).getByRole('button', { name: 'Move to trash' }).click();
    await expect(page.locator('#timeline-count')).toHaveText('2 photos', { timeout: 30_000 });
    await expect(page.locator('#viewer-title')).toHaveText('kite.jpg', { timeout: 30_000 });
    await page.keyboard.press('Escape');
    await openTrash(page);
    await expect(page.locator('#trash-count')).toHaveText('2 photos in the trash');
    await expect(page.getByRole('list', { name: 'Photos in the trash' })).toContainText('From Garden');
    await expect(page.getByRole('list', { name: 'Photos in the trash' })).toContainText('From Family');

    // 31 days later (the page's clock jumps; no timer fires, so no auto-lock): the next change
    // this device sees removes them for good, as the photo's adder.
    await page.clock.install();
    await page.clock.setSystemTime(Date.now() + 31 * 86_400_000);
    await page.locator('#all-albums').click();
    await page.getByRole('button', { name: 'Rename Garden' }).click();
    await page.getByRole('alertdialog', { name: 'Rename album' }).getByLabel('New name').fill('Garden 2026');
    await page.getByRole('alertdialog', { name: 'Rename album' }).getByRole('button', { name: 'Rename' }).click();
    await expect(page.locator('#album-list li', { hasText: 'Garden 2026' })).toContainText('2 photos', { timeout: 30_000 });
    await page.getByRole('button', { name: /^Trash, / }).click();
    await expect(page.locator('#trash-none')).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Photos', exact: true }).click();
    await expect(page.locator('#timeline-count')).toHaveText('2 photos');
    // Trash is under Settings as well.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('button', { name: 'Open trash' }).click();
    await expect(page.locator('#trash-none')).toBeVisible();
  } finally {
    await browser.close();
  }
});
