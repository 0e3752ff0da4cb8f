/** Steps of the family app that many suites take, done as a person would. */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';

/** axe reports no violation on the page as it is now (up to three nodes of each are named). */
export async function axe(page: Page, what: string): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  const found = r.violations.map((v) => `${what}: ${v.id} (${v.nodes.length}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).slice(0, 3).join(' | ')}`);
  expect(found).toEqual([]);
}

/** The page is no wider than the window (elements that stick out, shadow roots included, are named in the failure). */
export async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const [scroll, client, widest] = await page.evaluate(() => {
    const out: string[] = [];
    const walk = (root: Document | ShadowRoot) => root.querySelectorAll('*').forEach((el) => {
      const r = el.getBoundingClientRect();
      if (r.right > document.documentElement.clientWidth + 0.5 && out.length < 5) out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} right=${Math.round(r.right)}`);
      if (el.shadowRoot) walk(el.shadowRoot);
    });
    walk(document);
    const s = document.scrollingElement!;
    return [s.scrollWidth, s.clientWidth, out.join('; ')] as const;
  });
  expect(scroll, `${what}: page is ${scroll}px wide in a ${client}px window (${widest})`).toBeLessThanOrEqual(client);
}

/**
 * The recovery screen after creating or joining: reads the phrase, says it is written down, and
 * types the two words the app asks for. Returns the phrase.
 */
export async function confirmRecovery(page: Page, timeout = 30_000): Promise<string> {
  await page.locator('#recovery-phrase li').first().waitFor({ timeout });
  const words = (await page.locator('#recovery-phrase li').allTextContents()).map((w) => w.trim());
  await page.locator('#recovery-written').click();
  for (const input of await page.locator('fv-recovery input.word').all()) {
    await input.fill(words[Number(await input.getAttribute('data-index'))]!);
  }
  await page.locator('#recovery-done').click();
  return words.join(' ');
}

/** The app's sections, by their tab. */
export async function openSection(page: Page, name: 'Photos' | 'Albums' | 'Family' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true }).click();
}

/**
 * Creates a vault with the welcome screen's first form and confirms the recovery phrase, which
 * it returns (the 24 words, space-separated).
 */
export async function createVault(page: Page, name: string, passphrase: string): Promise<string> {
  await page.getByLabel('Your name').first().fill(name);
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Passphrase again').fill(passphrase);
  await page.getByRole('button', { name: 'Create vault' }).click();
  const phrase = await confirmRecovery(page);
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible({ timeout: 30_000 });
  return phrase;
}

/** A photo drawn in the page: its file name, its date (the file's), and a hue of its own. */
export interface DrawnPhoto { name: string; date: string; hue: number }

/**
 * Drops JPEGs drawn in the page on the open album's drop zone, as a person drags files from a
 * folder. Each is 640x480 with a sky of its hue and a sun that moves with it (distinct bytes).
 */
export async function dropPhotos(page: Page, photos: DrawnPhoto[]): Promise<void> {
  await page.locator('fv-photos .drop').evaluate(async (drop, list) => {
    const dt = new DataTransfer();
    for (const p of list) {
      const c = new OffscreenCanvas(640, 480);
      const g = c.getContext('2d')!;
      g.fillStyle = `hsl(${p.hue} 70% 60%)`;
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = '#fff';
      g.beginPath();
      g.arc(100 + (p.hue % 400), 160, 60, 0, Math.PI * 2);
      g.fill();
      const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      dt.items.add(new File([blob], p.name, { type: 'image/jpeg', lastModified: Date.parse(p.date) }));
    }
    drop.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }));
  }, photos);
}

/** Adds the photos to the album Albums opens on, and waits until the album counts them all. */
export async function addPhotos(page: Page, photos: DrawnPhoto[]): Promise<void> {
  await openSection(page, 'Albums');
  const before = Number((await page.locator('#count').textContent({ timeout: 30_000 }))?.match(/^(\d+)/)?.[1] ?? 0);
  await dropPhotos(page, photos);
  const n = before + photos.length;
  await expect(page.locator('#count')).toHaveText(`${n} photo${n === 1 ? '' : 's'}`, { timeout: 30_000 });
}

/** The photos of the timeline (or of the open album), as cells labelled by date. */
export const photoCells = (page: Page) => page.locator('fv-timeline').getByRole('button', { name: /^Photo, / });

/**
 * Family: an admin makes an invite link, for whom the "The invite is for" list names
 * (e.g. 'a new device of a member'); returns the link.
 */
export async function makeInvite(page: Page, forWhom?: string): Promise<string> {
  await openSection(page, 'Family');
  if (forWhom) await page.getByLabel('The invite is for').selectOption({ label: forWhom });
  const field = page.getByRole('textbox', { name: 'Invite link' });
  // A second invite replaces the first in the same field: wait for the new one (each works once).
  const before = (await field.count()) ? await field.inputValue() : '';
  await page.getByRole('button', { name: 'Make invite link' }).click();
  await expect(field).toHaveValue(/#join=/, { timeout: 30_000 });
  await expect(field).not.toHaveValue(before, { timeout: 30_000 });
  return field.inputValue();
}

/**
 * A member's new device: opens the invite link, says "I already use this vault on another
 * device", and opens the member's keys with the passphrase or (ticking "I forgot my passphrase")
 * the 24-word recovery phrase. Waits until the vault is open.
 */
export async function joinAsMyDevice(page: Page, link: string, secret: { passphrase: string } | { recoveryPhrase: string }): Promise<void> {
  await page.goto(link);
  await page.getByLabel('I already use this vault on another device (restore my keys)').check();
  if ('recoveryPhrase' in secret) {
    await page.getByLabel('I forgot my passphrase: use my 24-word recovery phrase').check();
    await page.getByRole('textbox', { name: 'Recovery phrase' }).fill(secret.recoveryPhrase);
  } else {
    await page.getByLabel('Your passphrase').fill(secret.passphrase);
  }
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible({ timeout: 60_000 });
}

/** A point on the screen, in CSS pixels of the viewport. */
export interface Point { x: number; y: number }

/**
 * Fingers on the touch screen, as the phone's own input: real touch events sent through DevTools
 * (`Input.dispatchTouchEvent`), so the browser makes the pointer events, gestures, clicks and
 * double-taps it would make for a finger. Fingers are numbered by their place in `down` and
 * `move` (the first point is finger 0); `lift` takes one finger off, `up` all of them.
 */
export async function touchscreen(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  const send = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: Array<Point & { id: number }>) =>
    cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map((p) => ({ x: p.x, y: p.y, id: p.id, radiusX: 4, radiusY: 4, force: 1 })) });
  const at = (pts: Point[]) => pts.map((p, id) => ({ ...p, id }));
  return {
    down: (...pts: Point[]) => send('touchStart', at(pts)),
    move: (...pts: Point[]) => send('touchMove', at(pts)),
    up: () => send('touchEnd', []),
    /** Finger `finger` leaves the screen at `p`; the others stay. */
    lift: (finger: number, p: Point) => send('touchEnd', [{ ...p, id: finger }]),
    /** Fingers from `from` to `to` (one point per finger) in `steps` moves, then lifted. */
    async drag(from: Point[], to: Point[], steps = 8): Promise<void> {
      await send('touchStart', at(from));
      for (let k = 1; k <= steps; k++) {
        await send('touchMove', at(from.map((f, i) => ({ x: f.x + ((to[i]!.x - f.x) * k) / steps, y: f.y + ((to[i]!.y - f.y) * k) / steps }))));
      }
      await send('touchEnd', []);
    },
    async tap(p: Point): Promise<void> {
      await send('touchStart', at([p]));
      await send('touchEnd', []);
    },
    /** A finger held still on `p` for `ms`, then lifted. */
    async press(p: Point, ms: number): Promise<void> {
      await send('touchStart', at([p]));
      await page.waitForTimeout(ms);
      await send('touchEnd', []);
    },
    detach: () => cdp.detach(),
  };
}

/** The middle of what the locator finds, on the screen. */
export async function centreOf(locator: Locator): Promise<Point> {
  const b = await locator.boundingBox();
  if (!b) throw new Error('not on the screen');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** The unlock screen: the passphrase, then Unlock; waits until the vault is open. */
export async function unlock(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel('Passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible({ timeout: 30_000 });
}
