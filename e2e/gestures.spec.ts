/**
 * Gestures, as a family member uses them with a mouse and with fingers (real touch events sent
 * through DevTools, so Chromium makes the pointer events, taps and double-taps itself):
 *   - the viewer zooms with the mouse wheel (and Ctrl+wheel, a trackpad's pinch) around the
 *     point under the cursor, pans by dragging while zoomed, and a double-click or wheeling back
 *     returns it to its size; the page itself is never zoomed;
 *   - at phone size two fingers moving apart zoom the photo, one finger then pans it (the photo
 *     stays), a double-tap returns it to its size, and two fingers moving together never leave
 *     the photo; at normal size a swipe goes to the next one;
 *   - in the timeline a long press (finger still for the app's half second) starts selecting
 *     with that photo (the selection toolbar lies over the timeline: the photo stays under the
 *     finger), a tap adds another, and Add to album puts exactly those in a new album;
 *     with a mouse Ctrl+click then Shift+click selects the range, and Delete moves exactly those
 *     to the trash.
 */
import { test, expect, type Browser, type Locator, type Page } from '@playwright/test';
import { launchChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { addPhotos, centreOf, createVault, openSection, photoCells, touchscreen, type DrawnPhoto } from './support/app-ui.ts';

const PASSPHRASE = 'correct horse battery';
const PHOTOS: DrawnPhoto[] = [
  { name: 'garden.jpg', date: '2026-03-10T11:00:00', hue: 120 },
  { name: 'kite.jpg', date: '2026-03-02T15:30:00', hue: 220 },
  { name: 'beach.jpg', date: '2026-02-14T10:00:00', hue: 40 },
  { name: 'snow.jpg', date: '2025-12-24T18:00:00', hue: 0 },
  { name: 'lake.jpg', date: '2025-11-01T09:15:00', hue: 300 },
];
const phone = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, locale: 'en-GB', timezoneId: 'Europe/London' };
const desktop = { viewport: { width: 1000, height: 760 }, locale: 'en-GB', timezoneId: 'Europe/London' };

let server: SignalServer | undefined;
let browser: Browser | undefined;
test.afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await server?.stop();
  server = undefined;
});

/** A new vault with `n` of the photos, on the timeline. */
async function vaultWithPhotos(options: typeof phone | typeof desktop, n: number): Promise<Page> {
  server = await startSignalServer(['--static', 'web/dist']);
  browser = await launchChromium();
  const page = await (await browser.newContext(options)).newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(server.url);
  await createVault(page, 'Ada', PASSPHRASE);
  await addPhotos(page, PHOTOS.slice(0, n));
  await openSection(page, 'Photos');
  await expect(photoCells(page)).toHaveCount(n);
  return page;
}

/** The viewer, open on the timeline's photo `i`, once the original shows. */
async function openViewer(page: Page, i: number, open: (cell: Locator) => Promise<void>) {
  await open(photoCells(page).nth(i));
  const viewer = page.getByRole('dialog', { name: `Photo ${PHOTOS[i]!.name}` });
  await expect(viewer).toBeVisible({ timeout: 30_000 });
  const img = viewer.getByRole('img', { name: PHOTOS[i]!.name });
  // The original (a blob: URL made by the viewer), not the thumbnail, at rest.
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 30_000 }).toBe(640);
  // Where it is in the list, whichever photo it shows.
  return { viewer, img, position: page.getByRole('dialog', { name: /^Photo / }).getByText(/^\d+ of \d+$/) };
}

type Box = { x: number; y: number; width: number; height: number };
/** The image's box on the screen, polled until `ok` holds for it (its transform eases for 0.12 s: then until that is over). */
async function boxWhen(img: Locator, ok: (b: Box) => boolean, what: string): Promise<Box> {
  const until = Date.now() + 10_000;
  let b: Box | null = null;
  for (;;) {
    b = (await img.count()) ? await img.boundingBox() : null;
    if (b && ok(b) && (await img.evaluate((el) => el.getAnimations().length)) === 0) return (await img.boundingBox())!;
    if (Date.now() > until) break;
    await img.page().waitForTimeout(100);
  }
  const shown = await img.page().getByRole('dialog').first().getAttribute('aria-label').catch(() => null);
  throw new Error(`${what}: the photo's box is ${JSON.stringify(b)} (the viewer shows ${shown})`);
}
const near = (a: number, b: number, tolerance = 1) => Math.abs(a - b) <= tolerance;

test('viewer: the mouse wheel zooms around the cursor, dragging pans, a double-click returns it to its size', async () => {
  test.setTimeout(60_000);
  const page = await vaultWithPhotos(desktop, 3);
  const { img, position } = await openViewer(page, 0, (c) => c.click());
  await expect(position).toHaveText('1 of 3');
  const base = await boxWhen(img, (b) => b.width > 0, 'the photo shows');
  const dpr = await page.evaluate(() => devicePixelRatio);
  const zoomOut = page.getByRole('button', { name: 'Zoom out' });

  // Wheel up over a point left of and above the middle: larger, and that point stays under the cursor.
  const cursor = { x: base.x + base.width * 0.3, y: base.y + base.height * 0.35 };
  await page.mouse.move(cursor.x, cursor.y);
  await page.mouse.wheel(0, -100);
  await boxWhen(img, (b) => near(b.width, base.width * 1.25), 'one notch up: 1.25 times');
  // Ctrl+wheel (what a trackpad's pinch sends) zooms the photo, not the page.
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -100);
  await page.keyboard.up('Control');
  const zoomed = await boxWhen(img, (b) => near(b.width, base.width * 1.5625), 'Ctrl and one notch more: 1.5625 times');
  expect(await page.evaluate(() => devicePixelRatio)).toBe(dpr);
  expect((cursor.x - zoomed.x) / zoomed.width).toBeCloseTo((cursor.x - base.x) / base.width, 2);
  expect((cursor.y - zoomed.y) / zoomed.height).toBeCloseTo((cursor.y - base.y) / base.height, 2);
  await expect(zoomOut).toBeEnabled();

  // Dragging while zoomed pans the photo; it does not go to the next one.
  await page.mouse.move(cursor.x + 100, cursor.y);
  await page.mouse.down();
  for (let k = 1; k <= 6; k++) await page.mouse.move(cursor.x + 100 - 25 * k, cursor.y + 5 * k);
  await page.mouse.up();
  await boxWhen(img, (b) => near(b.x - zoomed.x, -150) && near(b.y - zoomed.y, 30) && near(b.width, zoomed.width), 'moved 150 px left and 30 px down, same size');
  await expect(position).toHaveText('1 of 3');

  // A double-click returns it to its size and place.
  await page.mouse.dblclick(cursor.x, cursor.y);
  await boxWhen(img, (b) => near(b.width, base.width) && near(b.x, base.x) && near(b.y, base.y), 'back to its size and place');
  await expect(zoomOut).toBeDisabled();

  // Wheeling in and back out again: its size once more, and a drag at that size is a swipe to the next photo.
  await page.mouse.move(cursor.x, cursor.y);
  for (const dy of [-100, -100, -100]) await page.mouse.wheel(0, dy);
  await boxWhen(img, (b) => near(b.width, base.width * 1.953125), 'three notches up');
  for (const dy of [100, 100, 100]) await page.mouse.wheel(0, dy);
  await boxWhen(img, (b) => near(b.width, base.width) && near(b.x, base.x), 'three notches down: its size and place');
  await expect(zoomOut).toBeDisabled();
  await page.mouse.move(base.x + base.width - 40, cursor.y);
  await page.mouse.down();
  for (let k = 1; k <= 6; k++) await page.mouse.move(base.x + base.width - 40 - 40 * k, cursor.y);
  await page.mouse.up();
  await expect(position).toHaveText('2 of 3');
  await expect(page.getByRole('dialog', { name: `Photo ${PHOTOS[1]!.name}` })).toBeVisible({ timeout: 30_000 });
});

test('viewer at phone size: two fingers apart zoom, one finger pans, a double-tap returns it; pinching never leaves the photo', async () => {
  test.setTimeout(60_000);
  const page = await vaultWithPhotos(phone, 3);
  const touch = await touchscreen(page);
  const { img, position } = await openViewer(page, 0, async (c) => touch.tap(await centreOf(c)));
  await expect(position).toHaveText('1 of 3');
  const base = await boxWhen(img, (b) => b.width > 0, 'the photo shows');
  const mid = { x: base.x + base.width / 2, y: base.y + base.height / 2 };
  const atRest = (b: { x: number; y: number; width: number }) => near(b.width, base.width) && near(b.x, base.x) && near(b.y, base.y);

  // Two fingers 80 px apart move to 240 px apart: the photo is three times its size.
  await touch.drag([{ x: mid.x - 40, y: mid.y }, { x: mid.x + 40, y: mid.y }], [{ x: mid.x - 120, y: mid.y + 10 }, { x: mid.x + 120, y: mid.y - 10 }]);
  const zoomed = await boxWhen(img, (b) => b.width / base.width > 2.9 && b.height / base.height > 2.9, 'three times its size');
  await expect(position).toHaveText('1 of 3');

  // One finger sweeping left while zoomed moves the photo under it; it stays on this photo.
  await touch.drag([{ x: mid.x + 60, y: mid.y }], [{ x: mid.x - 90, y: mid.y }]);
  await boxWhen(img, (b) => near(b.x - zoomed.x, -150) && near(b.y, zoomed.y) && near(b.width, zoomed.width), 'moved 150 px left, same size');
  await expect(position).toHaveText('1 of 3');

  // A double-tap returns it to its size and place.
  await touch.tap(mid);
  await touch.tap(mid);
  await boxWhen(img, atRest, 'back to its size and place');
  await expect(position).toHaveText('1 of 3');

  // Two fingers zoom, one of them lifts, and the other goes on moving the photo from where it is (no jump).
  await touch.down({ x: mid.x - 40, y: mid.y }, { x: mid.x + 40, y: mid.y });
  for (let k = 1; k <= 6; k++) await touch.move({ x: mid.x - 40 - 10 * k, y: mid.y }, { x: mid.x + 40 + 10 * k, y: mid.y });
  const pinched = await boxWhen(img, (b) => near(b.width / base.width, 200 / 80, 0.02), 'two and a half times its size');
  await touch.lift(1, { x: mid.x + 100, y: mid.y }); // the right finger
  for (let k = 1; k <= 6; k++) await touch.move({ x: mid.x - 100 + 10 * k, y: mid.y + 5 * k });
  await touch.up();
  await boxWhen(img, (b) => near(b.x - pinched.x, 60) && near(b.y - pinched.y, 30) && near(b.width, pinched.width), 'moved as far as the finger that stayed');
  await expect(position).toHaveText('1 of 3');

  // Pinched back until it is its own size again: still this photo.
  await touch.drag([{ x: mid.x - 100, y: mid.y }, { x: mid.x + 100, y: mid.y }], [{ x: mid.x - 30, y: mid.y }, { x: mid.x + 30, y: mid.y }]);
  await boxWhen(img, atRest, 'pinched back to its size');
  await expect(position).toHaveText('1 of 3');
  // Two fingers closing at its own size (trying to make it smaller) leave it as it is, on this photo.
  await touch.drag([{ x: mid.x - 130, y: mid.y }, { x: mid.x + 130, y: mid.y }], [{ x: mid.x - 40, y: mid.y }, { x: mid.x + 40, y: mid.y }]);
  await boxWhen(img, atRest, 'still its size');
  await expect(position).toHaveText('1 of 3');

  // At its own size, one finger swiping left goes to the next photo (starting clear of the Next button at the edge).
  await touch.drag([{ x: mid.x + 100, y: mid.y }], [{ x: mid.x - 100, y: mid.y }]);
  await expect(position).toHaveText('2 of 3');
  await expect(page.getByRole('dialog', { name: `Photo ${PHOTOS[1]!.name}` })).toBeVisible({ timeout: 30_000 });
  await touch.detach();
});

/** The date labels of the cells, in the timeline's order. */
const labels = (cells: Locator) => cells.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));

test('timeline at phone size: a long press starts selecting, a tap adds, and Add to album takes exactly those', async () => {
  test.setTimeout(60_000);
  const page = await vaultWithPhotos(phone, 4);
  const touch = await touchscreen(page);
  const cells = photoCells(page);
  const all = await labels(cells);
  const selected = page.getByRole('toolbar', { name: 'Selected photos' });

  // A press held still for longer than the app's 500 ms: selecting, with that photo; no viewer.
  // The toolbar that appears lies over the timeline: the photo stays where it was, under the
  // finger still on it (the toolbar used to push the timeline down by its height).
  await cells.nth(1).scrollIntoViewIfNeeded();
  const pressed = await cells.nth(1).boundingBox();
  const finger = await centreOf(cells.nth(1));
  await touch.down(finger);
  await expect(selected.getByRole('heading', { name: '1 selected' })).toBeVisible();
  expect(await cells.nth(1).boundingBox(), 'the pressed photo, once the toolbar shows').toEqual(pressed);
  await expect(selected).toBeInViewport({ ratio: 1 });
  await touch.up();
  await expect(cells.nth(1)).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('fv-viewer')).toHaveCount(0);
  // A tap adds another while selecting (no viewer). It is further down: the timeline scrolls to
  // it inside itself, and the page does not scroll, so the toolbar stays on the screen.
  await cells.nth(3).scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => document.scrollingElement!.scrollHeight - innerHeight), 'how far the page itself scrolls').toBeLessThanOrEqual(0);
  await touch.tap(await centreOf(cells.nth(3)));
  await expect(selected.getByRole('heading', { name: '2 selected' })).toBeInViewport();
  await expect(selected.getByRole('button', { name: 'Add to album…' })).toBeInViewport();
  await expect(page.locator('fv-viewer')).toHaveCount(0);
  expect(await cells.evaluateAll((els) => els.map((e) => e.getAttribute('aria-pressed')))).toEqual(['false', 'true', 'false', 'true']);

  // Add to album… → a new album: exactly those two are in it.
  await touch.tap(await centreOf(selected.getByRole('button', { name: 'Add to album…' })));
  const picker = page.getByRole('dialog', { name: 'Add 2 photos to an album' });
  await picker.getByRole('button', { name: 'New album…' }).click();
  await picker.getByLabel('Name of the new album').fill('Picked');
  await picker.getByRole('button', { name: 'Create and add' }).click();
  await expect(page.getByRole('status').filter({ hasText: '2 photos added to Picked.' })).toBeVisible({ timeout: 30_000 });
  await expect(selected).toHaveCount(0);
  await openSection(page, 'Albums');
  await page.getByRole('button', { name: '‹ All albums' }).click();
  await page.getByRole('button', { name: 'Open album Picked, 2 photos' }).click();
  await expect(cells).toHaveCount(2);
  expect(await labels(cells)).toEqual([all[1], all[3]]);
  await touch.detach();
});

test('timeline with a mouse: Ctrl+click then Shift+click selects the range, and Delete moves exactly those to the trash', async () => {
  test.setTimeout(60_000);
  const page = await vaultWithPhotos(desktop, 5);
  const cells = photoCells(page);
  const all = await labels(cells);
  const selected = page.getByRole('toolbar', { name: 'Selected photos' });

  const clicked = await cells.nth(1).boundingBox();
  await cells.nth(1).click({ modifiers: ['ControlOrMeta'] });
  await expect(selected.getByRole('heading', { name: '1 selected' })).toBeVisible();
  // The toolbar lies over the timeline, on the screen: the photos stay where they were.
  expect(await cells.nth(1).boundingBox(), 'the clicked photo, once the toolbar shows').toEqual(clicked);
  await expect(selected).toBeInViewport({ ratio: 1 });
  await cells.nth(3).click({ modifiers: ['Shift'] });
  await expect(selected.getByRole('heading', { name: '3 selected' })).toBeVisible();
  expect(await cells.evaluateAll((els) => els.map((e) => e.getAttribute('aria-pressed')))).toEqual(['false', 'true', 'true', 'true', 'false']);
  await expect(page.locator('fv-viewer')).toHaveCount(0);

  await selected.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('alertdialog', { name: 'Delete 3 photos?' }).getByRole('button', { name: 'Move to trash' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^2 photos$/ })).toBeVisible({ timeout: 30_000 });
  expect(await labels(cells)).toEqual([all[0], all[4]]);
  await openSection(page, 'Albums');
  await page.getByRole('button', { name: '‹ All albums' }).click();
  await page.getByRole('button', { name: /^Trash, / }).click();
  await expect(page.getByText('3 photos in the trash')).toBeVisible({ timeout: 30_000 });
});
