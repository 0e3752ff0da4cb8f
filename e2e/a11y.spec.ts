/**
 * The quality bar of issue 11 on every screen of the family app, in Chromium: axe finds no
 * violation (in light and dark mode), nothing scrolls sideways at 320 × 640 nor with the text at
 * 200 %, the screen's main button can still be pressed then, dark mode really switches, and with
 * reduced motion nothing animates. Then the keyboard alone: creating a vault with Tab, typing and
 * Enter, and dialogs that keep focus inside and give it back when they close.
 */
import { test, expect, type Page, type Locator, type BrowserContext, type CDPSession } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { launchChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { axe, confirmRecovery, noSidewaysScroll } from './support/app-ui.ts';

const PASSPHRASE = 'correct horse battery';
const jpeg = (name: string) => ({ name, mimeType: 'image/jpeg', buffer: readFileSync('e2e/fixtures/beach.jpg') });

let server: SignalServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** The longest transition or animation on any element (composed tree), in seconds, and where. */
function longestMotion(page: Page) {
  return page.evaluate(() => {
    const secs = (list: string) => Math.max(0, ...list.split(',').map((t) => (t.trim().endsWith('ms') ? parseFloat(t) / 1000 : parseFloat(t) || 0)));
    let worst = { s: 0, where: '' };
    const walk = (root: Document | ShadowRoot) => root.querySelectorAll('*').forEach((el) => {
      const cs = getComputedStyle(el);
      const s = Math.max(secs(cs.transitionDuration), cs.animationName === 'none' ? 0 : secs(cs.animationDuration));
      if (s > worst.s) worst = { s, where: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}` };
      if (el.shadowRoot) walk(el.shadowRoot);
    });
    walk(document);
    return worst;
  });
}

/** Relative luminance of a computed `rgb()` colour (0 black … 1 white). */
function luminance(rgb: string): number {
  const [r, g, b] = rgb.match(/[\d.]+/g)!.slice(0, 3).map(Number).map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Every check of one screen. `main` is the button the screen is for: it must still be pressable
 * (in view after scrolling, not covered) at 320 px and at 200 % text.
 */
async function screen(page: Page, cdp: CDPSession, what: string, main: Locator) {
  await expect(main).toBeVisible();
  await axe(page, what);

  // Dark mode: the page and its cards switch to dark colours, and contrast still holds.
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(luminance(bg), `${what}: body background in dark mode is ${bg}`).toBeLessThan(0.05);
  const card = page.locator('.card').first();
  if (await card.count()) {
    const cbg = await card.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(luminance(cbg), `${what}: a card in dark mode is ${cbg}`).toBeLessThan(0.05);
  }
  await axe(page, `${what} (dark)`);
  await page.emulateMedia({ colorScheme: 'light' });

  // Reduced motion: nothing moves for longer than 0.01 s.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const motion = await longestMotion(page);
  expect(motion.s, `${what}: ${motion.where} moves for ${motion.s} s with reduced motion`).toBeLessThanOrEqual(0.01);
  await page.emulateMedia({ reducedMotion: 'no-preference' });

  // A small phone, then the same with the text at 200 %. The text size is the browser's own
  // setting (CDP Page.setFontSizes: the default font size a person sets in Chromium's settings,
  // which is what rem and the initial font size follow), not page zoom, which would only shrink
  // the CSS viewport; the app's sizes are in rem so they follow it. Page.setFontSizes reaches into
  // every shadow root, which a <style> added to the document would not.
  const before = page.viewportSize()!;
  await page.setViewportSize({ width: 320, height: 640 });
  await noSidewaysScroll(page, `${what} at 320 px`);
  await main.click({ trial: true, timeout: 5_000 });
  await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
  try {
    const rootPx = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    expect(rootPx, `${what}: the text did not grow`).toBe(32);
    await noSidewaysScroll(page, `${what} at 320 px with 200 % text`);
    await main.click({ trial: true, timeout: 5_000 });
  } finally {
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 16, fixed: 13 } });
    await page.setViewportSize(before);
  }
}

async function newPage(ctx: BrowserContext) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return { page, cdp: await ctx.newCDPSession(page) };
}

test('every screen: axe in light and dark, 320 px and 200 % text, reduced motion', async () => {
  test.setTimeout(240_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 760 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    const { page, cdp } = await newPage(ctx);
    await page.goto(server.url);
    await screen(page, cdp, 'welcome', page.getByRole('button', { name: 'Create vault' }));

    // Create, with the strength meter saying why a passphrase is weak, then that one is fine.
    await page.getByLabel('Your name').first().fill('Ada');
    await page.locator('#pass').fill('password123');
    await expect(page.locator('#pass-strength')).toContainText('too easy to guess', { timeout: 10_000 });
    await screen(page, cdp, 'create with a weak passphrase', page.getByRole('button', { name: 'Create vault' }));
    await page.locator('#pass').fill(PASSPHRASE);
    await expect(page.locator('#pass-strength')).toContainText('Strong enough', { timeout: 10_000 });
    await screen(page, cdp, 'create with a strong passphrase', page.getByRole('button', { name: 'Create vault' }));
    await page.locator('#pass2').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create vault' }).click();

    // The recovery phrase and its check (with a wrong word named).
    await expect(page.getByRole('list', { name: 'Recovery phrase' })).toBeVisible({ timeout: 30_000 });
    await screen(page, cdp, 'recovery phrase', page.getByRole('button', { name: 'I wrote it down' }));
    await page.getByRole('button', { name: 'I wrote it down' }).click();
    await screen(page, cdp, 'recovery check', page.getByRole('button', { name: 'Done' }));
    await page.locator('fv-recovery input.word').first().fill('notaword');
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('alert')).toContainText('does not match');
    await screen(page, cdp, 'recovery check with a wrong word', page.getByRole('button', { name: 'Done' }));
    await page.getByRole('button', { name: 'Show the words again' }).click();
    await confirmRecovery(page);

    const tab = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name });
    await expect(page.locator('#timeline-empty')).toBeVisible({ timeout: 30_000 });
    await screen(page, cdp, 'empty timeline', page.locator('#start-add'));

    // The open album, empty; its New album dialog; then photos in it.
    await tab('Albums').click();
    await expect(page.locator('#count')).toHaveText('0 photos');
    await screen(page, cdp, 'an open album, empty', page.getByRole('button', { name: 'Add photos' }));
    await page.locator('#new-album').click();
    const dialog = page.getByRole('alertdialog', { name: 'New album' });
    await expect(dialog).toBeVisible();
    await screen(page, cdp, 'new album dialog', dialog.getByRole('button', { name: 'Create album' }));
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#picker').setInputFiles([jpeg('beach.jpg')]);
    await expect(page.locator('#count')).toHaveText('1 photo', { timeout: 30_000 });
    await expect(page.locator('fv-photos fv-timeline button.cell img:not(.placeholder)')).toHaveCount(1, { timeout: 30_000 });
    await screen(page, cdp, 'an open album with a photo', page.getByRole('button', { name: 'Add photos' }));

    // The timeline with the photo, and the viewer (with its details open).
    await tab('Photos').click();
    await expect(page.locator('fv-timeline button.cell img:not(.placeholder)')).toHaveCount(1, { timeout: 30_000 });
    await screen(page, cdp, 'timeline', page.getByRole('button', { name: /^Photo, / }));
    await page.getByRole('button', { name: /^Photo, / }).click();
    const viewer = page.getByRole('dialog', { name: 'Photo beach.jpg' });
    await expect(viewer).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('#viewer-img')).toHaveAttribute('src', /^blob:/);
    await page.locator('#viewer-info-toggle').click();
    await expect(page.locator('#viewer-info')).toBeVisible();
    // The check of motion has something to find: the photo eases as it zooms, unless reduced.
    const imgTransition = () => page.locator('#viewer-img').evaluate((el) => getComputedStyle(el).transitionDuration);
    expect(await imgTransition()).toBe('0.12s');
    await screen(page, cdp, 'viewer', viewer.getByRole('button', { name: 'Close' }));
    await page.emulateMedia({ reducedMotion: 'reduce' });
    expect(await imgTransition()).toBe('0s');
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await page.keyboard.press('Escape');
    await expect(viewer).toHaveCount(0);

    // The albums list and its New album dialog.
    await tab('Albums').click();
    await page.locator('#all-albums').click();
    await expect(page.locator('#album-list li img')).toHaveCount(1, { timeout: 30_000 });
    await screen(page, cdp, 'albums list', page.getByRole('button', { name: 'New album' }));
    await page.getByRole('button', { name: 'New album' }).click();
    await screen(page, cdp, 'new album dialog from the list', dialog.getByRole('button', { name: 'Create album' }));
    await page.keyboard.press('Escape');

    // Family: members, an invite with its QR code, a home relay's invite, devices and homes.
    await tab('Family').click();
    await page.getByRole('button', { name: 'Make invite link' }).click();
    await expect(page.locator('fv-members fv-share-code img.qr')).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Make relay invite' }).click();
    await expect(page.locator('fv-devices code.command')).toBeVisible({ timeout: 30_000 });
    await screen(page, cdp, 'family with an invite', page.getByRole('button', { name: 'Make invite link' }));

    await tab('Settings').click();
    await expect(page.locator('#store-kind')).toBeVisible({ timeout: 30_000 });
    await screen(page, cdp, 'settings', page.getByRole('button', { name: 'Change passphrase' }));

    // Locked: unlock with a wrong passphrase, the error shown.
    await page.getByRole('button', { name: 'Lock' }).click();
    await page.getByLabel('Passphrase').fill('not the passphrase');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert')).toContainText('does not open', { timeout: 30_000 });
    await screen(page, cdp, 'unlock with a wrong passphrase', page.getByRole('button', { name: 'Unlock' }));

    // A second vault on this device: the unlock screen asks which one, by a labelled list.
    await page.getByRole('button', { name: 'Join another vault' }).click();
    await page.locator('#name').fill('Grandpa');
    await page.locator('#pass').fill('another good passphrase');
    await page.locator('#pass2').fill('another good passphrase');
    await page.getByRole('button', { name: 'Create vault' }).click();
    await confirmRecovery(page);
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect(page.getByRole('combobox', { name: 'Vault' })).toBeVisible();
    await screen(page, cdp, 'unlock with two vaults', page.getByRole('button', { name: 'Unlock' }));
  } finally {
    await browser.close();
  }
});

/** The element that has focus, looking through shadow roots: its id or tag. */
const focused = (page: Page) => page.evaluate(() => {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el ? el.id || el.tagName.toLowerCase() : '';
});

/** Presses Tab until the element with this id has focus (at most `max` presses). */
async function tabTo(page: Page, id: string, max = 15) {
  const went: string[] = [];
  for (let i = 0; i < max; i++) {
    const now = await focused(page);
    if (now === id) return;
    went.push(now);
    await page.keyboard.press('Tab');
  }
  expect(await focused(page), `Tab never reached #${id} (went through ${went.join(', ')})`).toBe(id);
}

test('the keyboard alone creates a vault; dialogs keep focus and give it back', async () => {
  test.setTimeout(120_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 760 } });
    const { page } = await newPage(ctx);
    await page.goto(server.url);
    await expect(page.getByRole('button', { name: 'Create vault' })).toBeVisible();
    await tabTo(page, 'name');
    await page.keyboard.type('Ada');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('pass');
    await page.keyboard.type(PASSPHRASE);
    await tabTo(page, 'pass2', 3);
    await page.keyboard.type(PASSPHRASE);
    await tabTo(page, 'create-btn', 4);
    await page.keyboard.press('Enter');

    // The phrase is read off the screen, as a person would write it down.
    await expect(page.getByRole('list', { name: 'Recovery phrase' })).toBeVisible({ timeout: 30_000 });
    const words = (await page.locator('#recovery-phrase li').allTextContents()).map((w) => w.trim());
    await tabTo(page, 'recovery-written', 20);
    await page.keyboard.press('Enter');
    const fields = page.locator('fv-recovery input.word');
    await expect(fields.first()).toBeFocused();
    const asked = await fields.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
    await page.keyboard.type(words[asked[0]!]!);
    await page.keyboard.press('Tab');
    await expect(fields.nth(1)).toBeFocused();
    await page.keyboard.type(words[asked[1]!]!);
    await page.keyboard.press('Enter');
    await expect(page.locator('#timeline-empty')).toBeVisible({ timeout: 30_000 });

    // To the albums by keyboard, then the New album dialog: focus goes in, stays in, comes back.
    await tabTo(page, 'tab-albums', 30);
    await page.keyboard.press('Enter');
    await expect(page.locator('#count')).toHaveText('0 photos');
    await tabTo(page, 'new-album', 30);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog', { name: 'New album' });
    await expect(dialog.getByRole('textbox', { name: 'Name of the new album' })).toBeFocused();
    const inside = () => page.evaluate(() => {
      let el: Element | null = document.activeElement;
      const path: Element[] = [];
      while (el) { path.push(el); el = el.shadowRoot?.activeElement ?? null; }
      return path.some((e) => e.tagName === 'FV-DIALOG');
    });
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
      await page.keyboard.press('Tab');
      expect(await inside(), `focus left the dialog after ${i + 1} Tab pairs`).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    expect(await focused(page)).toBe('new-album');

    // Again, and this time the album is made with Enter; the new album is open.
    await page.keyboard.press('Enter');
    await expect(dialog.getByRole('textbox')).toBeFocused();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Garden');
    await page.keyboard.press('Enter');
    await expect(page.locator('#album-name')).toHaveText('Garden', { timeout: 30_000 });

    // The delete confirmation in the viewer's screen: focus on Cancel, and back to the opener.
    await page.locator('#picker').setInputFiles([jpeg('beach.jpg')]);
    await expect(page.locator('#count')).toHaveText('1 photo', { timeout: 30_000 });
    await tabTo(page, 'tab-timeline', 30);
    await page.keyboard.press('Enter');
    const cell = page.getByRole('button', { name: /^Photo, / });
    await expect(cell).toBeVisible({ timeout: 30_000 });
    await cell.focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#viewer-close')).toBeFocused({ timeout: 30_000 });
    for (let i = 0; i < 8; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('FV-APP'); // still inside the app…
    await expect(page.locator('fv-viewer')).toBeVisible();
    const inViewer = await page.evaluate(() => {
      let el: Element | null = document.activeElement;
      const path: string[] = [];
      while (el) { path.push(el.tagName); el = el.shadowRoot?.activeElement ?? null; }
      return path.includes('FV-VIEWER');
    });
    expect(inViewer, '…and inside the viewer').toBe(true);
    await page.keyboard.press('Escape');
    await expect(page.locator('fv-viewer')).toHaveCount(0);
    await expect(cell).toBeFocused();
  } finally {
    await browser.close();
  }
});
