/**
 * The family app's core flows in the other engines families use (issue 11): Firefox ESR over
 * WebDriver BiDi (puppeteer-core), then WebKitGTK, Safari's engine, through WebKitWebDriver
 * (selenium-webdriver) under Xvfb. Driven by role and accessible name (support/engine-ui.ts):
 * create a vault and check the recovery phrase, make an album, add a JPEG with the picker, see
 * its thumbnail decoded in the timeline, open it in the viewer at full size, see where Settings
 * says photos are kept (OPFS in Firefox, the IndexedDB fallback in WebKitGTK), lock and unlock,
 * and reopen it with the server gone (service worker). ../shared/TESTING.md "Other
 * engines" has the set-up; a missing browser skips its test and says which package to install.
 * In WebKitGTK a home relay (relay-node) also backs the photo up, over the server since that
 * build has no WebRTC, and proves it holds it (Family: Check homes now).
 */
import { test, expect } from '@playwright/test';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RelayNode } from './support/relay-node.ts';
import { launchFirefox, firefoxPath } from './support/firefox.ts';
import { freePort, startSignalServer, repoRoot, type SignalServer } from './support/processes.ts';
import { puppeteerUI, seleniumUI, type EngineUI, type Query } from './support/engine-ui.ts';
import { launchWebKit, webkitMissing } from './support/webkit.ts';

const PASSPHRASE = 'correct horse battery';
const JPEG = `${repoRoot}e2e/fixtures/beach.jpg`; // 640 × 480, EXIF orientation: portrait
const button = (name: string | RegExp, within?: Query): Query => ({ role: 'button', name, within });
const textbox = (name: string | RegExp, within?: Query): Query => ({ role: 'textbox', name, within });
const timelineCell: Query = button(/^Photo, /);

let server: SignalServer | undefined;
let relay: RelayNode | undefined;
let tmp = '';
test.afterEach(async ({}, info) => {
  if (info.status !== info.expectedStatus && relay) console.error(`── relay log (tail) ──\n${relay.tail()}`);
  await relay?.stop();
  relay = undefined;
  await server?.stop();
  server = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = '';
});

/** Skips the test when `missing` says why, printing it (the list reporter shows no reason). */
function skipUnless(missing: string | undefined) {
  if (missing) console.warn(`skipped: ${missing}`);
  test.skip(!!missing, missing);
}

/** Elapsed seconds, for the log: each engine's steps should stay well under the test's timeout. */
function clock(engine: string) {
  const t0 = Date.now();
  return (step: string) => console.log(`${engine}: ${step} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** What an <img> shows: decoded (naturalWidth > 0) and drawn, or why not. */
function imageShown(el: Element, _: null) {
  const img = (el.tagName === 'IMG' ? el : [...el.querySelectorAll('img')].find((i) => !i.classList.contains('placeholder'))) as HTMLImageElement | undefined;
  if (!img || !img.complete || img.naturalWidth === 0) return undefined;
  const r = img.getBoundingClientRect();
  return { width: img.naturalWidth, height: img.naturalHeight, drawn: r.width > 0 && r.height > 0, blob: img.src.startsWith('blob:') };
}

/** The page's alerts and status lines (through shadow roots), and whether WebAssembly runs: for a failure message. */
function pageState(_: null): string {
  const lines: string[] = [];
  const walk = (root: Document | ShadowRoot) => {
    for (const el of root.querySelectorAll('*')) {
      const role = el.getAttribute('role');
      // Only what is shown: a closed banner (display: none) is in the DOM too.
      const shown = (el as HTMLElement).getClientRects().length > 0;
      if (shown && (role === 'alert' || role === 'status' || el.classList.contains('error'))) lines.push(`${role ?? 'error'}: ${el.textContent?.trim()}`);
      // The buttons in view, with their state: was Create vault pressed ("Working…", disabled)?
      if (shown && el.tagName === 'BUTTON') lines.push(`button: ${el.textContent?.trim()}${(el as HTMLButtonElement).disabled ? ' (disabled)' : ''}`);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  let wasm: string = typeof WebAssembly;
  try {
    if (wasm !== 'undefined') new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  } catch (err) {
    wasm = `fails: ${String(err)}`;
  }
  return `${lines.join(' | ') || 'no alert or status line'}; WebAssembly: ${wasm}`;
}

async function createVault(ui: EngineUI, log: (s: string) => void) {
  await ui.type(textbox('Your name'), 'Ada');
  await ui.type(textbox('Passphrase'), PASSPHRASE);
  await ui.type(textbox('Passphrase again'), PASSPHRASE);
  await ui.click(button('Create vault'));
  // The onboarding shows 24 words, then asks for two of them back.
  const phrase: Query = { role: 'list', name: 'Recovery phrase' };
  try {
    await ui.waitFor(phrase, 90_000);
  } catch (e) {
    // Say what the page shows instead (an error next to the button, or still "Working…"), and whether it can run the KDF.
    const seen = await ui.run(pageState, null).catch((err: unknown) => `(page state unreadable: ${String(err)})`);
    await ui.screenshot(`test-results/engines-${ui.engine}-create-timeout.png`).catch(() => undefined);
    throw new Error(`${(e as Error).message}\npage state: ${seen}`);
  }
  log('recovery phrase shown');
  const words = await ui.names({ role: 'listitem', within: phrase });
  expect(words).toHaveLength(24);
  await ui.click(button('I wrote it down'));
  const asked = await ui.names(textbox(/^Word \d+$/));
  expect(asked).toHaveLength(2);
  for (const label of asked) await ui.type(textbox(label), words[Number(label.slice(5)) - 1]!);
  await ui.click(button('Done'));
  // A new vault opens on the timeline, which says there is nothing in it yet.
  await ui.waitFor(button('Photos', { role: 'navigation', name: 'Sections' }), 30_000);
  log('vault created');
}

async function albumAndUpload(ui: EngineUI) {
  await ui.click(button('Albums', { role: 'navigation', name: 'Sections' }));
  await ui.click(button('New album'));
  const dialog: Query = { role: 'alertdialog', name: 'New album' };
  await ui.type(textbox('Name of the new album', dialog), 'Seaside');
  await ui.click(button('Create album', dialog));
  await ui.waitFor({ role: 'heading', name: 'Seaside' }, 30_000);
  await ui.upload({ role: 'file', name: /^Add photos/ }, JPEG);
  // The album's photos (a timeline of its own) show the photo's thumbnail, decrypted and decoded.
  const cell = await ui.pollElement(timelineCell, imageShown, null, 'a decoded thumbnail in the album', 60_000);
  expect(cell.drawn).toBe(true);
}

/** The timeline shows the photo as a decoded thumbnail (not the ThumbHash placeholder). */
async function seeInTimeline(ui: EngineUI) {
  await ui.click(button('Photos', { role: 'navigation', name: 'Sections' }));
  const thumb = await ui.pollElement(timelineCell, imageShown, null, 'a decoded thumbnail in the timeline', 30_000);
  expect(thumb).toMatchObject({ drawn: true, blob: true });
  expect(Math.max(thumb.width, thumb.height)).toBeLessThan(640); // a thumbnail, not the original
  return thumb;
}

async function openInViewer(ui: EngineUI) {
  await ui.click(timelineCell);
  const viewer: Query = { role: 'dialog', name: 'Photo beach.jpg' };
  const shown = await ui.pollElement({ role: 'img', name: 'beach.jpg', within: viewer }, imageShown, null, 'the photo decoded in the viewer', 30_000);
  // The original, decrypted: the fixture's 640 × 480 pixels, shown upright as its EXIF says.
  expect(shown).toMatchObject({ width: 480, height: 640, drawn: true });
  await ui.click(button('Close', viewer));
  await ui.waitFor(timelineCell);
}

/** Settings says where this browser keeps the photos: OPFS, or the IndexedDB fallback. */
async function storedIn(ui: EngineUI, where: RegExp) {
  await ui.click(button('Settings', { role: 'navigation', name: 'Sections' }));
  const said = await ui.pollElement({ role: 'paragraph', text: /^Photos are stored in: / }, (el) => el.textContent, null, 'where photos are stored');
  expect(said).toMatch(where);
}

async function lockAndUnlock(ui: EngineUI) {
  await ui.click(button('Lock'));
  await ui.type(textbox('Passphrase'), 'wrong passphrase');
  await ui.click(button('Unlock'));
  await ui.waitFor({ role: 'alert', name: /does not open/ }, 30_000);
  await ui.type(textbox('Passphrase'), PASSPHRASE);
  await ui.click(button('Unlock'));
  await seeInTimeline(ui);
}

/**
 * The service worker serves the app after a reload with the server gone, and the vault opens
 * from this device's storage: the photo in the timeline and the viewer.
 */
async function reopenOffline(ui: EngineUI) {
  await expect.poll(() => ui.run(() => document.documentElement.getAttribute('data-sw'), null), { timeout: 30_000 }).toBe('controlled');
  await server!.stop();
  server = undefined;
  await ui.reload();
  await ui.type(textbox('Passphrase'), PASSPHRASE);
  await ui.click(button('Unlock'));
  await seeInTimeline(ui);
  await openInViewer(ui);
}

test('Firefox ESR: create, album, upload, timeline, viewer, lock and unlock, offline', async () => {
  skipUnless(existsSync(firefoxPath()) ? undefined : `Firefox ESR is not installed at ${firefoxPath()} (Debian: apt-get install -y firefox-esr; or set FIREFOX_PATH)`);
  test.setTimeout(180_000);
  const log = clock('firefox');
  server = await startSignalServer(['--static', 'web/dist']);
  // Firefox asks the person before navigator.storage.persist() resolves; headless, nobody
  // answers. The quiet prefs grant it (permissions.default.persistent-storage = 1).
  const browser = await launchFirefox();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 900 });
    page.on('pageerror', (e) => console.error('firefox page error:', e));
    const ui = puppeteerUI(page);
    log('started');
    await ui.goto(server.url);
    await createVault(ui, log);
    await albumAndUpload(ui);
    log('photo added');
    await seeInTimeline(ui);
    await openInViewer(ui);
    log('viewer');
    await storedIn(ui, /private file system \(OPFS\)/);
    await lockAndUnlock(ui);
    log('locked and unlocked');

    await reopenOffline(ui);
    log('opened offline');
    await ui.screenshot('test-results/engines-firefox.png');
  } finally {
    await browser.close();
  }
});

test('WebKitGTK: create, album, upload, timeline, viewer, lock and unlock, offline', async () => {
  skipUnless(webkitMissing());
  test.setTimeout(180_000);
  const log = clock('webkit');
  server = await startSignalServer(['--static', 'web/dist']);
  const webkit = await launchWebKit();
  try {
    const ui = seleniumUI(webkit.driver);
    log('started');
    await ui.goto(server.url);
    await createVault(ui, log);
    await albumAndUpload(ui);
    log('photo added');
    await seeInTimeline(ui);
    await openInViewer(ui);
    log('viewer');
    // createSyncAccessHandle throws NotSupportedError here: the IndexedDB object store holds them.
    await storedIn(ui, /IndexedDB, the fallback/);
    await lockAndUnlock(ui);
    log('locked and unlocked');
    await reopenOffline(ui);
    log('opened offline');
    await ui.screenshot('test-results/engines-webkit.png');
  } finally {
    await webkit.close();
  }
});

test('WebKitGTK: a home relay backs up its photos over the server (no WebRTC in this build), whole, with nothing left waiting, and proves it', async () => {
  skipUnless(webkitMissing());
  test.setTimeout(360_000);
  const log = clock('webkit+relay');
  tmp = await mkdtemp(join(tmpdir(), 'fv-webkit-relay-'));
  server = await startSignalServer(['--static', 'web/dist']);
  const webkit = await launchWebKit();
  try {
    const ui = seleniumUI(webkit.driver);
    await ui.goto(server.url);
    await createVault(ui, log);
    await albumAndUpload(ui);
    log('photo added');
    const sections: Query = { role: 'navigation', name: 'Sections' };
    await ui.click(button('Family', sections));
    await ui.waitFor({ role: 'alert', text: /only on family devices/ }, 30_000);
    await ui.click(button('Make relay invite'));
    const invite = await ui.pollElement({ role: 'textbox', name: 'Relay invite' }, (el) => (el as HTMLTextAreaElement).value || undefined, null, 'the relay invite', 30_000);
    expect(invite).toMatch(/^fv\./);
    // Family lists it among the invites not used yet, until the home joins with it.
    const unusedHomeInvite: Query = { role: 'listitem', text: /^For a home relay\b/ };
    await expect.poll(() => ui.names(unusedHomeInvite), { timeout: 30_000 }).toHaveLength(1);
    const inviteFile = join(tmp, 'invite');
    await writeFile(inviteFile, `${invite}\n`, { mode: 0o600 });
    relay = new RelayNode('Oak Street', join(tmp, 'relay'), await freePort(), await freePort(), inviteFile, server.wsUrl);
    await relay.start();
    log('relay started');
    // The home connects (through the server: this WebKit has no RTCPeerConnection) and takes every
    // object of the photo: original, thumbnail, metadata, and the family's own records.
    const home: Query = { role: 'listitem', text: /^\s*Oak Street/ };
    const held = await ui.pollElement(home, (el) => {
      const m = /holds (\d+) encrypted/.exec(el.textContent ?? '');
      return m && Number(m[1]) >= 3 && /connected/.test(el.textContent ?? '') ? Number(m[1]) : undefined;
    }, null, 'the home holding the photo', 120_000);
    log(`home holds ${held} objects`);
    // The app says plainly why, and how the home is reached.
    expect(await ui.names({ role: 'note', text: /cannot connect to other devices directly \(it has no WebRTC\)/ })).toHaveLength(1);
    await expect.poll(() => ui.names({ role: 'listitem', text: /Oak Street.*through the server \(fallback\)/ }), { timeout: 30_000 }).toHaveLength(1);
    // The home came in with that invite: it is used now, so it is no longer offered as waiting.
    await expect.poll(() => ui.names(unusedHomeInvite), { timeout: 30_000 }).toEqual([]);
    // Checking the homes proves it holds the photo whole: the only-copy warning goes.
    const warningGone = async () => (await ui.names({ role: 'alert', text: /only on family devices/ }).catch(() => [])).length === 0;
    const t0 = Date.now();
    while (!(await warningGone())) {
      if (Date.now() - t0 > 90_000) throw new Error(`the photo is still only on this device after 90 s; relay log:\n${relay.tail(30)}`);
      await ui.click(button('Check homes now'));
      await new Promise((r) => setTimeout(r, 3000));
    }
    const proof = await ui.pollElement(home, (el) => (/last proved it holds your photos/.test(el.textContent ?? '') ? el.textContent : undefined), null, 'a passed storage check', 30_000);
    expect(proof).toMatch(/last proved it holds your photos (just now|\d+ min ago)/);
    // And the Family page reads where things are without an error (the ack cursor WebKitGTK refused).
    expect(await ui.names({ role: 'alert', text: /failed/ }).catch(() => [])).toEqual([]);
    log('backed up and proved');

    // A larger photo while the home is connected (its original three 1 MiB chunks: the image's
    // bytes padded after its end): the home takes every object, and nothing stays waiting (a
    // WebKitGTK relay had once held 10 of 13 objects, its queue stuck at 3).
    const big = join(tmp, 'big.jpg');
    await writeFile(big, Buffer.concat([await readFile(JPEG), randomBytes(2_600_000)]));
    await ui.click(button('Albums', sections));
    await ui.upload({ role: 'file', name: /^Add photos/ }, big);
    await expect.poll(async () => (await ui.names(timelineCell)).length, { timeout: 60_000 }).toBe(2);
    await ui.click(button('Settings', sections));
    const mine = await ui.pollElement({ role: 'paragraph', text: /^\d+ encrypted objects/ }, (el) => Number(/^(\d+) encrypted objects/.exec((el.textContent ?? '').trim())?.[1] ?? 0) || undefined, null, 'the objects this device holds', 30_000);
    expect(mine).toBeGreaterThanOrEqual(held + 3);
    await ui.click(button('Family', sections));
    await ui.waitFor({ role: 'paragraph', text: 'Nothing waiting to transfer.' }, 120_000);
    // Every object this device holds is at the home (the home also keeps the family's records).
    await expect.poll(async () => (await relay!.status())?.objects ?? 0, { timeout: 120_000 }).toBeGreaterThanOrEqual(mine);
    while (!(await warningGone())) {
      if (Date.now() - t0 > 200_000) throw new Error(`the larger photo is still only on this device; relay log:\n${relay.tail(30)}`);
      await ui.click(button('Check homes now'));
      await new Promise((r) => setTimeout(r, 3000));
    }
    log(`home holds all ${mine} objects of this device, nothing waiting`);
  } finally {
    await webkit.close();
  }
});
