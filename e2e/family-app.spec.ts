/**
 * The family app at phone size, as a new family member would use it: the timeline across albums
 * (months and days newest first, a scrubber of years), the viewer (next / previous by key and by
 * swipe, zoom, info, download under the photo's name, focus back where it was), and the albums
 * list (covers, counts, create and rename in the app's own dialogs), invites with a QR code and
 * Copy, a home relay's full command. axe reports no violation on these screens, and nothing scrolls sideways at 360 or 320 px.
 * The same screens at desktop size (1280×800): wider rows, the photo filling the window, axe clean.
 */
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { launchChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { axe, confirmRecovery, createVault as createPlainVault, noSidewaysScroll } from './support/app-ui.ts';

let server: SignalServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function createVault(page: Page) {
  await page.locator('#name').fill('Grandma Rose');
  // Passphrases that differ: the error is next to the second field, in view on a phone, and focus is there.
  await page.locator('#pass').fill('correct horse battery');
  await page.locator('#pass2').fill('correct horse batery');
  await page.locator('#create-btn').click();
  await expect(page.locator('#pass2-error')).toHaveText('The two passphrases differ.', { timeout: 10_000 });
  await expect(page.locator('#pass2-error')).toBeInViewport();
  await expect(page.locator('#pass2')).toBeFocused();
  await page.locator('#pass2').fill('correct horse battery');
  // Changing the field takes its error away.
  await expect(page.locator('#pass2-error')).toHaveCount(0);
  await expect(page.locator('#pass2')).toHaveAttribute('aria-invalid', 'false');
  if (phone(page)) {
    await page.evaluate(() => window.scrollTo(0, 0)); // the name, the passphrase and its strength
    await shot(page, 'create');
  }
  await page.locator('#create-btn').click();
  await expect(page.locator('#recovery-phrase')).toBeVisible({ timeout: 30_000 });
  if (phone(page)) await shot(page, 'recovery');
  // The app asks for two of the words; a wrong one is named next to the field, which gets focus.
  await page.locator('#recovery-written').click();
  const first = page.locator('fv-recovery input.word').first();
  await expect(first).toBeFocused();
  await first.fill('notaword');
  await page.locator('#recovery-done').click();
  await expect(page.locator('#recovery-error')).toContainText(/^Word \d+ does not match/);
  await expect(first).toBeFocused();
  await expect(page.locator('#recovery-phrase')).toHaveCount(0); // hidden while checking
  await page.locator('#recovery-back').click();
  await confirmRecovery(page);
}

/** Drops JPEGs drawn in the page, each with its own date (the file's), on the album's drop zone. */
async function dropPhotos(page: Page, photos: Array<{ name: string; date: string; hue: number }>) {
  await page.locator('fv-photos .drop').evaluate(async (drop, list) => {
    const dt = new DataTransfer();
    for (const p of list) {
      const c = new OffscreenCanvas(640, 480);
      const g = c.getContext('2d')!;
      // A small landscape: sky, sun, hills (something to look at in the screenshots).
      const sky = g.createLinearGradient(0, 0, 0, 480);
      sky.addColorStop(0, `hsl(${p.hue} 70% 75%)`);
      sky.addColorStop(1, `hsl(${p.hue + 40} 60% 45%)`);
      g.fillStyle = sky;
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = '#ffe9a8';
      g.beginPath();
      g.arc(140 + (p.hue % 300), 140, 60, 0, Math.PI * 2);
      g.fill();
      g.fillStyle = `hsl(${p.hue + 90} 45% 30%)`;
      g.beginPath();
      g.moveTo(0, 480);
      g.quadraticCurveTo(200, 260, 400, 380);
      g.quadraticCurveTo(520, 300, 640, 360);
      g.lineTo(640, 480);
      g.fill();
      const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      dt.items.add(new File([blob], p.name, { type: 'image/jpeg', lastModified: Date.parse(p.date) }));
    }
    drop.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }));
  }, photos);
}

const phone = (page: Page): boolean => (page.viewportSize()?.width ?? 1000) < 500;

/** README's screenshots: `FV_SCREENSHOTS=docs/screenshots npm run test:browser -- e2e/family-app.spec.ts`. */
async function shot(page: Page, name: string) {
  if (process.env.FV_SCREENSHOTS) await page.screenshot({ path: `${process.env.FV_SCREENSHOTS}/${name}.png` });
}

test('timeline, viewer and albums at phone size', async () => {
  test.setTimeout(120_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true, locale: 'en-GB', timezoneId: 'Europe/London' });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(server.url);
    await createVault(page);

    // A new vault opens on the timeline, which says what to do; the header says it reaches the server.
    await expect(page.locator('#tab-timeline')).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('#network')).toHaveText('Connected', { timeout: 30_000 });
    await expect(page.locator('#offline-note')).toHaveCount(0);
    await expect(page.locator('#timeline-empty')).toContainText('No photos yet');
    await noSidewaysScroll(page, 'empty timeline');
    // Next steps can wait: "Invite your family" leads to Family, where the invite is made.
    await page.locator('#start-invite').click();
    await expect(page.locator('#tab-members')).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('#make-member-invite')).toBeVisible();

    // Albums opens the album used last; add three photos from two years.
    await page.locator('#tab-albums').click();
    await dropPhotos(page, [
      { name: 'christmas.jpg', date: '2025-12-24T18:00:00', hue: 0 },
      { name: 'garden.jpg', date: '2026-03-10T11:00:00', hue: 120 },
      { name: 'kite.jpg', date: '2026-03-02T15:30:00', hue: 220 },
    ]);
    await expect(page.locator('#count')).toHaveText('3 photos', { timeout: 30_000 });

    // The timeline: newest first, in months with headers, days under them, a scrubber of years.
    await page.locator('#tab-timeline').click();
    await expect(page.locator('#timeline-count')).toHaveText('3 photos');
    await expect(page.locator('fv-timeline section h3')).toHaveText(['March 2026', 'December 2025']);
    await expect(page.locator('fv-timeline h4.day')).toHaveCount(3);
    await expect(page.locator('fv-timeline button.cell img:not(.placeholder)')).toHaveCount(3, { timeout: 30_000 });
    const labels = await page.locator('fv-timeline button.cell').evaluateAll((b) => b.map((x) => x.getAttribute('aria-label')));
    expect(labels[0]).toContain('10 March 2026');
    expect(labels[1]).toContain('2 March 2026');
    expect(labels[2]).toContain('24 December 2025');
    await expect(page.locator('fv-timeline nav.scrub button')).toHaveText(['2026', '2025']);
    // Each photo's op carries its ThumbHash: the placeholder needs no object read.
    const hashes = await page.locator('fv-timeline').evaluate((el) => (el as unknown as { items: Array<{ placeholder?: string }> }).items.map((i) => i.placeholder ?? ''));
    for (const h of hashes) expect(h).toMatch(/^[A-Za-z0-9_-]{20,40}$/);
    await noSidewaysScroll(page, 'timeline');
    await axe(page, 'timeline');
    await shot(page, 'timeline');

    // The viewer: the newest photo, then the next by arrow key and back by swipe.
    await page.locator('fv-timeline button.cell').first().click();
    const viewer = page.locator('fv-viewer');
    await expect(viewer).toBeVisible();
    await expect(page.locator('#viewer-position')).toHaveText('1 of 3');
    await expect(page.locator('#viewer-title')).toHaveText('garden.jpg', { timeout: 30_000 });
    await expect(page.locator('#viewer-img')).toHaveAttribute('alt', 'garden.jpg');
    await expect(page.locator('#viewer-download')).toHaveAttribute('download', 'garden.jpg');
    await axe(page, 'viewer');
    await shot(page, 'viewer');
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('#viewer-position')).toHaveText('2 of 3');
    await expect(page.locator('#viewer-title')).toHaveText('kite.jpg', { timeout: 30_000 });
    const stage = await page.locator('fv-viewer .stage').boundingBox();
    const swipe = async (from: number, to: number) => {
      const y = stage!.y + stage!.height / 2;
      await page.locator('fv-viewer .stage').evaluate((el, { from, to, y }) => {
        const ev = (type: string, x: number) => el.dispatchEvent(new PointerEvent(type, { pointerId: 7, clientX: x, clientY: y, bubbles: true, isPrimary: true }));
        ev('pointerdown', from);
        for (let k = 1; k <= 5; k++) ev('pointermove', from + ((to - from) * k) / 5);
        ev('pointerup', to);
      }, { from, to, y });
    };
    await swipe(stage!.x + 60, stage!.x + stage!.width - 60); // to the right: the previous photo
    await expect(page.locator('#viewer-position')).toHaveText('1 of 3');
    await swipe(stage!.x + stage!.width - 60, stage!.x + 60); // to the left: the next one
    await expect(page.locator('#viewer-position')).toHaveText('2 of 3');
    // Zoom in and out again; the info panel says when it was taken and that no home has it yet.
    await page.locator('#viewer-zoom-in').click();
    await expect(page.locator('#viewer-img')).toHaveAttribute('style', /scale\(1\.5\)/);
    await page.locator('#viewer-zoom-out').click();
    await expect(page.locator('#viewer-img')).toHaveAttribute('style', /scale\(1\)/);
    await page.locator('#viewer-info-toggle').click();
    await expect(page.locator('#viewer-info')).toContainText('2 March 2026');
    await expect(page.locator('#viewer-info')).toContainText('on no home yet');
    // While "Delete this photo?" is asked, keys do not move the viewer to another photo (even with
    // focus fallen to the page), and Escape answers the question, not the viewer.
    await page.locator('#viewer-delete').click();
    const ask = page.getByRole('alertdialog', { name: 'Delete this photo?' });
    await expect(ask).toBeVisible();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('#viewer-position')).toHaveText('2 of 3');
    await ask.getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Escape');
    await expect(ask).toHaveCount(0);
    await expect(viewer).toBeVisible();
    await expect(page.locator('#viewer-title')).toHaveText('kite.jpg');
    // The last photo has no "next"; Escape closes and focus returns to the photo it was on.
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('#viewer-position')).toHaveText('3 of 3');
    await expect(page.locator('#viewer-next')).toHaveCount(0);
    await page.keyboard.press('Escape');
    await expect(viewer).toHaveCount(0);
    await expect(page.locator('fv-timeline button.cell[data-index="2"]')).toBeFocused();

    // Albums: the list with cover and count; a new album made in the app's own dialog.
    await page.locator('#tab-albums').click();
    await page.locator('#all-albums').click();
    await expect(page.locator('#album-list li')).toHaveCount(1);
    await expect(page.locator('#album-list li').first()).toContainText('3 photos');
    await expect(page.locator('#album-list li img')).toHaveCount(1, { timeout: 30_000 });
    await axe(page, 'albums');
    await shot(page, 'albums');
    await noSidewaysScroll(page, 'albums');
    await page.locator('#albums-new').click();
    await page.locator('fv-dialog input').fill('Garden 2026');
    await page.locator('fv-dialog input').press('Enter');
    await expect(page.locator('#album-name')).toHaveText('Garden 2026', { timeout: 30_000 });
    await expect(page.locator('#count')).toHaveText('0 photos');
    await page.locator('#all-albums').click();
    await expect(page.locator('#album-list li .name')).toHaveText(['Family', 'Garden 2026']);
    await page.getByRole('button', { name: 'Rename Garden 2026' }).click();
    await page.locator('fv-dialog input').fill('Spring garden');
    await page.locator('fv-dialog button', { hasText: 'Rename' }).click();
    await expect(page.locator('#album-list li .name')).toHaveText(['Family', 'Spring garden'], { timeout: 30_000 });

    // Family: an invite as a link, a QR code, and Copy; a home relay's invite as the full command.
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.locator('#tab-members').click();
    await page.locator('#make-member-invite').click();
    const link = await page.locator('#member-invite').inputValue({ timeout: 30_000 });
    expect(link).toMatch(/#join=fv\./);
    await expect(page.locator('fv-members fv-share-code img.qr')).toBeVisible();
    await page.locator('fv-members fv-share-code img.qr').scrollIntoViewIfNeeded();
    await shot(page, 'invite');
    await page.locator('fv-members fv-share-code button.copy').click();
    await expect(page.locator('fv-members fv-share-code .note')).toHaveText('Invite link copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await page.locator('#make-relay-invite').click();
    const invite = await page.locator('#relay-invite').inputValue({ timeout: 30_000 });
    const command = (await page.locator('fv-devices code.command').textContent())!;
    expect(command).toContain(`RELAY_INVITE='${invite}' npm run relay -- --data ./relay-data --signal 'ws://`);
    await axe(page, 'family');
    await noSidewaysScroll(page, 'family');
    await expect(page.locator('#no-webrtc')).toHaveCount(0); // Chromium connects directly: nothing to excuse
    await page.locator('fv-devices code.command').scrollIntoViewIfNeeded();
    await shot(page, 'home-invite');
    // Settings: auto-lock, storage and where the photos live, the passphrase, the build.
    await page.locator('#tab-storage').click();
    await expect(page.locator('#store-kind')).toContainText('Photos are stored in');
    await noSidewaysScroll(page, 'settings');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'settings');

    // Selecting: Space on a photo, Shift+click another for the range; Download makes one zip of
    // the originals under their own names.
    await page.locator('#tab-timeline').click();
    await page.locator('fv-timeline button.cell[data-index="0"]').focus();
    await page.keyboard.press(' ');
    await expect(page.locator('#selection-count')).toHaveText('1 selected');
    await page.locator('fv-timeline button.cell[data-index="2"]').click({ modifiers: ['Shift'] });
    await expect(page.locator('#selection-count')).toHaveText('3 selected');
    await expect(page.locator('fv-timeline button.cell[aria-pressed="true"]')).toHaveCount(3);
    await axe(page, 'selection');
    const zipped = page.waitForEvent('download');
    await page.locator('#selection-download').click();
    const zip = await zipped;
    expect(zip.suggestedFilename()).toBe('Family Vault, 3 photos.zip');
    const bytes = readFileSync((await zip.path())!);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    for (const name of ['garden.jpg', 'kite.jpg', 'christmas.jpg']) expect(bytes.includes(Buffer.from(name))).toBe(true);
    // The toolbar's arrow keys move between its buttons, round from the last to the first.
    const bar = page.getByRole('toolbar', { name: 'Selected photos' });
    await bar.getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(bar.getByRole('button', { name: 'Download' })).toBeFocused();
    await page.keyboard.press('End');
    await expect(bar.getByRole('button', { name: 'Delete' })).toBeFocused();
    await page.keyboard.press('ArrowRight');
    await expect(bar.getByRole('button', { name: 'Cancel' })).toBeFocused();
    // A click while selecting selects (no viewer); Cancel ends the selection.
    await page.locator('fv-timeline button.cell[data-index="1"]').click();
    await expect(page.locator('#selection-count')).toHaveText('2 selected');
    await expect(page.locator('fv-viewer')).toHaveCount(0);
    await page.locator('#selection-clear').click();
    await expect(page.locator('#timeline-count')).toHaveText('3 photos');

    // At 320 px nothing scrolls sideways either.
    await page.setViewportSize({ width: 320, height: 600 });
    await page.locator('#tab-timeline').click();
    await expect(page.locator('fv-timeline button.cell')).toHaveCount(3);
    await noSidewaysScroll(page, 'timeline at 320 px');
    // Deleting a selection asks first, in the app's own dialog.
    await page.locator('fv-timeline button.cell[data-index="2"]').focus();
    await page.keyboard.press(' ');
    await page.locator('#selection-delete').click();
    await page.getByRole('alertdialog', { name: 'Delete 1 photo?' }).getByRole('button', { name: 'Move to trash' }).click();
    await expect(page.locator('#timeline-count')).toHaveText('2 photos', { timeout: 30_000 });
    await expect(page.locator('fv-timeline section h3')).toHaveText(['March 2026']);

    // The header says what is really reachable. In the test's loopback-only namespace Chromium
    // reports navigator.onLine false, yet the server is reached: "Connected". Then the device
    // "has a network" (as a phone on Wi-Fi would) but the server is gone; then no network.
    const deviceOnline = (on: boolean) => page.evaluate((v) => {
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => v });
      dispatchEvent(new Event(v ? 'online' : 'offline'));
    }, on);
    await deviceOnline(true);
    await expect(page.locator('#network')).toHaveText('Connected');
    await server.stop();
    server = undefined;
    await expect(page.locator('#network')).toHaveText("Can't reach the server", { timeout: 30_000 });
    await expect(page.locator('#offline-note')).toContainText("Can't reach your family's server");
    await noSidewaysScroll(page, 'header with the server unreachable at 320 px');
    await deviceOnline(false);
    await expect(page.locator('#network')).toHaveText('Offline');
    await expect(page.locator('#offline-note')).toContainText('syncs when you are back online');
  } finally {
    await browser.close();
  }
});

test('100,000 photos over 15 years: the timeline opens, jumps to every year and scrolls with no long task', async () => {
  test.setTimeout(180_000);
  server = await startSignalServer(['--static', 'e2e/harness/dist']);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 360, height: 640 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${server.url}/timeline.html`);
    await page.waitForFunction(() => 'fvTimeline' in window);
    const r = await page.evaluate((o) => (window as any).fvTimeline.run(o), { count: 100_000, years: 15 });
    console.log(`timeline 100k: sort ${r.sortMs} ms, open ${r.openMs} ms (${r.firstCells} thumbnails), ${r.years} year jumps at ${r.jumpMs} ms each, ` +
      `long tasks: ${JSON.stringify(r.openLongTasks)} opening, ${JSON.stringify(r.scrollLongTasks)} scrolling; at most ${r.maxCells} cells in the DOM; ${r.height} px tall`);
    const what = JSON.stringify(r);
    expect(r.years, what).toBe(16);
    // The goal is no task over 50 ms (a long task is one of 50 ms or more). On a quiet 2-core
    // machine scrolling has none and opening at most one just over it; under load (other suites
    // on the same cores) single tasks reach 60–95 ms. A timeline that laid out or decrypted more
    // than the screen would take seconds: the bound catches that, and the figures are printed.
    const budget = Number(process.env.FV_LONG_TASK_MS ?? 150);
    expect(Math.max(0, ...r.scrollLongTasks), what).toBeLessThan(budget);
    expect(Math.max(0, ...r.openLongTasks), what).toBeLessThan(budget);
    expect(r.jumpMs, what).toBeLessThan(2000);
    expect(r.maxCells, what).toBeLessThan(300);
    // After flings both ways, the cells (elements reused as the view moves) are in the photos'
    // order in the DOM, and each shows its own photo's thumbnail (screenful waits for that).
    expect(r.ordered, what).toBe(true);
    expect(r.orderedBack, what).toBe(true);
    expect(r.height, what).toBeLessThan(15_000_000);
  } finally {
    await browser.close();
  }
});

test('timeline, viewer, albums and Family at desktop size', async () => {
  test.setTimeout(120_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/London' })).newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(server.url);
    await createPlainVault(page, 'Grandma Rose', 'correct horse battery');
    await page.locator('#tab-albums').click();
    const names = ['harbour', 'orchard', 'picnic', 'lake', 'birthday', 'snow', 'meadow', 'beach', 'market', 'bridge', 'castle', 'kites'];
    await dropPhotos(page, names.map((n, i) => ({ name: `${n}.jpg`, date: `2026-0${i < 8 ? 3 : 2}-${i < 8 ? 14 : 21}T${String(8 + i).padStart(2, '0')}:00:00`, hue: (i * 37) % 360 })));
    await expect(page.locator('#count')).toHaveText('12 photos', { timeout: 60_000 });

    await page.locator('#tab-timeline').click();
    await expect(page.locator('fv-timeline button.cell img:not(.placeholder)')).toHaveCount(12, { timeout: 30_000 });
    // A wide window shows wide rows: more photos side by side than a phone's four.
    const tops = await page.locator('fv-timeline button.cell').evaluateAll((b) => b.map((x) => Math.round(x.getBoundingClientRect().top)));
    const perRow = Math.max(...[...new Set(tops)].map((t) => tops.filter((x) => x === t).length));
    expect(perRow).toBeGreaterThan(4);
    await noSidewaysScroll(page, 'timeline at desktop size');
    await axe(page, 'timeline at desktop size');
    await shot(page, 'desktop-timeline');

    await page.locator('fv-timeline button.cell').first().click();
    await expect(page.locator('#viewer-title')).toHaveText(/\.jpg$/, { timeout: 30_000 });
    await page.locator('#viewer-info-toggle').click();
    await expect(page.locator('#viewer-info')).toContainText('2026');
    const img = await page.locator('#viewer-img').boundingBox();
    expect(img!.height).toBeGreaterThan(400); // the photo fills the window, not a phone-sized box
    await axe(page, 'viewer at desktop size');
    await shot(page, 'desktop-viewer');
    await page.keyboard.press('Escape');

    await page.locator('#tab-albums').click();
    await page.locator('#all-albums').click();
    await expect(page.locator('#album-list li img')).toHaveCount(1, { timeout: 30_000 });
    await noSidewaysScroll(page, 'albums at desktop size');
    await axe(page, 'albums at desktop size');
    await shot(page, 'desktop-albums');

    await page.locator('#tab-members').click();
    await page.locator('#make-member-invite').click();
    await expect(page.locator('fv-members fv-share-code img.qr')).toBeVisible({ timeout: 30_000 });
    await noSidewaysScroll(page, 'Family at desktop size');
    await axe(page, 'Family at desktop size');
    await shot(page, 'desktop-family');
  } finally {
    await browser.close();
  }
});
