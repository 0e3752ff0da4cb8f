/**
 * Replication between Chromium and Firefox ESR (issue 11): a vault made in Chromium, a new member
 * joining it in Firefox through the invite link in the UI, the safety words compared and the
 * albums shared, then a photo added in Chromium shown decoded in Firefox's timeline and viewer,
 * and one added in Firefox shown decoded in Chromium's, over a direct WebRTC link (Devices says
 * "direct" on both sides). Firefox gathers ICE candidates only when its network namespace has a
 * default-route address (../shared/TESTING.md, "Other engines"): the test adds one on loopback
 * for its duration, inside the loopback-only namespace, and checks nothing was sent to it.
 */
import { test, expect, type Page } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './support/chromium.ts';
import { launchFirefox, firefoxPath } from './support/firefox.ts';
import { startSignalServer, repoRoot, type SignalServer } from './support/processes.ts';
import { confirmRecovery } from './support/app-ui.ts';
import { puppeteerUI, type EngineUI, type Query } from './support/engine-ui.ts';

const JPEG = `${repoRoot}e2e/fixtures/beach.jpg`; // 640 × 480, EXIF orientation: portrait
const button = (name: string | RegExp, within?: Query): Query => ({ role: 'button', name, within });
const textbox = (name: string | RegExp, within?: Query): Query => ({ role: 'textbox', name, within });
const sections: Query = { role: 'navigation', name: 'Sections' };
const timelineCell: Query = button(/^Photo, /);

let server: SignalServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Why this machine cannot run the test, or undefined. */
function missing(): string | undefined {
  if (!existsSync(firefoxPath())) return `Firefox ESR is not installed at ${firefoxPath()} (Debian: apt-get install -y firefox-esr; or set FIREFOX_PATH)`;
  if (process.env.FV_NETNS !== '1') return 'needs the loopback-only network namespace (npm run test:browser), where it may add an address to lo';
  try {
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).trim().split('\n');
    if (links.length !== 1 || !/: lo:/.test(links[0]!)) return `the namespace has devices other than lo: ${links.join('; ')}`;
  } catch (e) {
    return `ip (iproute2) does not run here: ${(e as Error).message}`;
  }
  return undefined;
}

/**
 * The default-route address Firefox needs before it gathers candidates: 10.253.0.1 on lo and a
 * route to 8.8.8.8 through lo from it (Firefox finds its address with a UDP connect there, which
 * sends nothing). lo is the namespace's only device, so no packet can leave. Returns the undo.
 */
function addFirefoxRoute(): () => void {
  const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
  ip('addr', 'replace', '10.253.0.1/32', 'dev', 'lo');
  ip('route', 'replace', '8.8.8.8/32', 'dev', 'lo', 'src', '10.253.0.1');
  return () => {
    for (const args of [['route', 'del', '8.8.8.8/32'], ['addr', 'del', '10.253.0.1/32', 'dev', 'lo']]) {
      try {
        ip(...args);
      } catch (e) {
        console.error(`ip ${args.join(' ')}: ${(e as Error).message}`);
      }
    }
  };
}

/** Counts packets on lo addressed to 8.8.8.8 while the test runs (when tcpdump is installed). */
function watchForLeaks(): { stop(): Promise<number> } | undefined {
  if (!existsSync('/usr/bin/tcpdump') && !existsSync('/usr/sbin/tcpdump')) return undefined;
  const p = spawn('tcpdump', ['-i', 'lo', '-n', '-l', 'dst', 'host', '8.8.8.8'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  p.stdout.on('data', (d: Buffer) => (lines += d.toString().split('\n').filter(Boolean).length));
  return {
    stop: () => new Promise((resolve) => {
      p.on('exit', () => resolve(lines));
      p.kill('SIGINT');
    }),
  };
}

/** What an <img> shows: decoded (naturalWidth > 0) and drawn, or why not. */
function imageShown(el: Element, _: null) {
  const img = (el.tagName === 'IMG' ? el : [...el.querySelectorAll('img')].find((i) => !i.classList.contains('placeholder'))) as HTMLImageElement | undefined;
  if (!img || !img.complete || img.naturalWidth === 0) return undefined;
  const r = img.getBoundingClientRect();
  return { width: img.naturalWidth, height: img.naturalHeight, drawn: r.width > 0 && r.height > 0, blob: img.src.startsWith('blob:') };
}

/** A JPEG of its own (800 × 600), drawn in Chromium, so Firefox adds a photo that is not a duplicate. */
async function drawJpeg(page: Page, path: string) {
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(800, 600);
    const g = c.getContext('2d')!;
    g.fillStyle = '#7fb069';
    g.fillRect(0, 0, 800, 600);
    g.fillStyle = '#e6aa68';
    g.beginPath();
    g.arc(400, 300, 180, 0, Math.PI * 2);
    g.fill();
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
    let bin = '';
    for (const x of bytes) bin += String.fromCharCode(x);
    return btoa(bin);
  });
  writeFileSync(path, Buffer.from(b64, 'base64'));
}

/** Joins from the invite link in Firefox, as the new member, and writes down the recovery phrase. */
async function joinInFirefox(ui: EngineUI, link: string) {
  await ui.goto(link);
  await ui.type(textbox('Your name'), 'Grandpa');
  await ui.type(textbox('Choose a passphrase'), 'another good passphrase');
  await ui.click(button('Join'));
  const phrase: Query = { role: 'list', name: 'Recovery phrase' };
  await ui.waitFor(phrase, 60_000);
  const words = await ui.names({ role: 'listitem', within: phrase });
  expect(words).toHaveLength(24);
  await ui.click(button('I wrote it down'));
  for (const label of await ui.names(textbox(/^Word \d+$/))) await ui.type(textbox(label), words[Number(label.slice(5)) - 1]!);
  await ui.click(button('Done'));
  await ui.waitFor(button('Photos', sections), 30_000);
}

test('Chromium and Firefox ESR: a member joins in Firefox by invite, photos added on each side show on the other, over WebRTC', async () => {
  const why = missing();
  if (why) console.warn(`skipped: ${why}`);
  test.skip(!!why, why);
  test.setTimeout(240_000);
  const t0 = Date.now();
  const log = (step: string) => console.log(`chromium ↔ firefox: ${step} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  server = await startSignalServer(['--static', 'web/dist']);
  const undoRoute = addFirefoxRoute();
  const leaks = watchForLeaks();
  const dir = mkdtempSync(join(tmpdir(), 'fv-engines-'));
  const chromium = await launchChromium();
  const firefox = await launchFirefox();
  try {
    // Ada makes the vault in Chromium and adds a photo.
    const a = await chromium.newPage({ viewport: { width: 900, height: 1000 } });
    a.on('pageerror', (e) => console.error('chromium page error:', e.message));
    await a.goto(server.url);
    await a.getByLabel('Your name').first().fill('Ada');
    await a.locator('#pass').fill('correct horse battery');
    await a.locator('#pass2').fill('correct horse battery');
    await a.getByRole('button', { name: 'Create vault' }).click();
    await confirmRecovery(a);
    const tab = (name: string) => a.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name });
    await tab('Albums').click();
    await a.locator('#picker').setInputFiles(JPEG);
    await expect(a.locator('#count')).toHaveText(/^1 photos?$/, { timeout: 30_000 });
    const garden = join(dir, 'garden.jpg');
    await drawJpeg(a, garden);
    await tab('Family').click();
    await a.getByRole('button', { name: 'Make invite link' }).click();
    const link = await a.getByRole('textbox', { name: 'Invite link' }).inputValue({ timeout: 30_000 });
    expect(link).toMatch(/#join=fv\./);
    log('vault made in Chromium, invite ready');

    // Grandpa joins in Firefox through the link.
    const f = await firefox.newPage();
    await f.setViewport({ width: 900, height: 1000 });
    f.on('pageerror', (e) => console.error('firefox page error:', e));
    const ui = puppeteerUI(f);
    await joinInFirefox(ui, link);
    log('joined in Firefox');

    // Both screens show the same safety words for Grandpa; Ada shares her albums.
    await ui.click(button('Family', sections));
    const me: Query = { role: 'listitem', text: /^Grandpa \(you\)/ };
    const wordsOnF = await ui.pollElement(me, (el) => el.querySelector('.words')?.textContent ?? undefined, null, 'safety words', 30_000);
    const rowOnA = a.locator('#members > li', { hasText: 'Grandpa' });
    await expect(rowOnA).toBeVisible({ timeout: 60_000 });
    await expect(rowOnA.locator('.words')).toHaveText(wordsOnF);
    await rowOnA.getByRole('button', { name: 'Words match: share my albums' }).click();
    await expect(rowOnA).toContainText('albums shared', { timeout: 30_000 });
    log('albums shared');

    // Chromium's photo, decrypted and decoded in Firefox's timeline and at full size in its viewer.
    await ui.click(button('Photos', sections));
    const thumb = await ui.pollElement(timelineCell, imageShown, null, "Chromium's photo decoded in Firefox's timeline", 90_000);
    expect(thumb).toMatchObject({ drawn: true, blob: true });
    await ui.click(timelineCell);
    const viewerF: Query = { role: 'dialog', name: 'Photo beach.jpg' };
    const full = await ui.pollElement({ role: 'img', name: 'beach.jpg', within: viewerF }, imageShown, null, 'the original in Firefox', 60_000);
    expect(full).toMatchObject({ width: 480, height: 640, drawn: true });
    await ui.click(button('Close', viewerF));
    log("Chromium's photo shown in Firefox");

    // Grandpa adds a photo in Firefox, to the album Ada shared.
    await ui.click(button('Albums', sections));
    await ui.upload({ role: 'file', name: /^Add photos/ }, garden);
    const added = await ui.pollElement(timelineCell, imageShown, null, 'the new photo decoded in the album', 60_000);
    expect(added.drawn).toBe(true);
    await expect.poll(() => ui.names(timelineCell), { timeout: 60_000 }).toHaveLength(2);
    log('photo added in Firefox');

    // It appears in Chromium's timeline, decoded, and opens at full size.
    await tab('Photos').click();
    await expect(a.locator('fv-timeline button.cell img:not(.placeholder)')).toHaveCount(2, { timeout: 90_000 });
    const seen = new Map<string, { w: number; h: number }>();
    await a.getByRole('button', { name: /^Photo, / }).first().click();
    for (let i = 0; i < 2; i++) {
      // The thumbnail shows first; the title is the original's name once it is here and decrypted.
      await expect(a.locator('#viewer-title')).toHaveText(/\.jpg$/, { timeout: 60_000 });
      const title = (await a.locator('#viewer-title').textContent())!.trim();
      const img = a.getByRole('dialog', { name: `Photo ${title}` }).getByRole('img', { name: title });
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 400), { timeout: 30_000 }).toBe(true);
      seen.set(title, await img.evaluate((el: HTMLImageElement) => ({ w: el.naturalWidth, h: el.naturalHeight })));
      if (i === 0) {
        await a.keyboard.press('ArrowRight');
        await expect(a.locator('#viewer-position')).toHaveText('2 of 2');
      }
    }
    await a.keyboard.press('Escape');
    expect(Object.fromEntries(seen)).toEqual({ 'beach.jpg': { w: 480, h: 640 }, 'garden.jpg': { w: 800, h: 600 } });
    log("Firefox's photo shown in Chromium");

    // Both sides name the other member's device and say it is connected directly (WebRTC), not through the server.
    await tab('Family').click();
    await expect(a.locator('#peers li', { hasText: "Grandpa's device" }).locator('.transport')).toHaveText('direct');
    await ui.click(button('Family', sections));
    const kind = await ui.pollElement({ role: 'listitem', text: /^Ada's device/ }, (el) => el.querySelector('.transport')?.textContent ?? undefined, null, 'the link to Chromium', 30_000);
    expect(kind).toBe('direct');
    log('direct WebRTC on both sides');
  } finally {
    await firefox.close();
    await chromium.close();
    const leaked = await leaks?.stop();
    undoRoute();
    rmSync(dir, { recursive: true, force: true });
    if (leaked !== undefined) expect(leaked, 'packets addressed to 8.8.8.8 on lo').toBe(0);
  }
});
