/**
 * Joining by scanning the invite's QR code, as a grandparent would with a phone held up to the
 * inviter's screen: the camera (Chromium's fake capture device filming the QR code Ada's app
 * made of her invite link) reads the code into the invite field, and he joins with it. Where
 * the browser has no camera, the dialog says so and a photo of the code works instead; a QR code
 * that is not a Family Vault invite is named as such. Where the code reader itself did not load
 * (it reads photos too), the dialog sends the member to paste the invite link.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { launchChromium, testChromiumArgs } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { axe, confirmRecovery, createVault } from './support/app-ui.ts';
import { filmImage } from './support/fake-camera.ts';

let server: SignalServer | undefined;
let tmp = '';
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const phone = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, locale: 'en-GB' };
const scanDialog = (p: Page) => p.getByRole('dialog', { name: "Scan the invite's QR code" });

test('an invite QR code scanned with the camera joins; without a camera a photo of the code does, and a foreign QR code is refused', async () => {
  test.setTimeout(150_000);
  server = await startSignalServer(['--static', 'web/dist']);
  tmp = await mkdtemp(join(tmpdir(), 'fv-scan-'));
  const ada = await launchChromium();
  try {
    const a = await (await ada.newContext({ viewport: { width: 900, height: 1000 } })).newPage();
    await a.goto(server.url);
    await createVault(a, 'Ada', 'correct horse battery');
    await a.getByRole('button', { name: 'Family', exact: true }).click();
    await a.locator('#make-member-invite').click();
    const link = await a.locator('#member-invite').inputValue({ timeout: 30_000 });
    // What Grandpa's camera will film: the QR code on Ada's screen, as her app drew it.
    const qr = a.getByRole('img', { name: /^QR code of the invite link/ });
    await expect.poll(() => qr.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), { timeout: 15_000 }).toBe(true);
    const film = await filmImage(qr, join(tmp, 'qr.y4m'));

    // No camera here: the dialog says so; a photo of someone's Wi-Fi QR code is refused; a photo of the invite's fills the field.
    const plain = await launchChromium();
    try {
      const c = await (await plain.newContext(phone)).newPage();
      await c.goto(server.url);
      await c.getByRole('button', { name: 'Scan QR code' }).click();
      await expect(scanDialog(c).getByRole('alert')).toContainText('no camera', { timeout: 15_000 });
      await axe(c, 'scan dialog without a camera');
      await scanDialog(c).getByLabel('Or use a photo of the code').setInputFiles({ name: 'wifi.png', mimeType: 'image/png', buffer: await QRCode.toBuffer('WIFI:S:home;T:WPA;P:secret;;') });
      await expect(scanDialog(c).getByRole('alert')).toContainText('not a Family Vault invite');
      await scanDialog(c).getByLabel('Or use a photo of the code').setInputFiles({ name: 'invite.png', mimeType: 'image/png', buffer: await QRCode.toBuffer(link) });
      await expect(scanDialog(c)).toHaveCount(0);
      await expect(c.getByRole('textbox', { name: 'Invite (link or code)' })).toHaveValue(link.slice(link.indexOf('#join=') + 6));
      await expect(c.getByRole('textbox', { name: 'Your name' })).toBeFocused();
    } finally {
      await plain.close();
    }

    // Grandpa's phone has a camera filming the invite: Scan reads it, and he joins.
    const grandpa = await launchChromium({
      args: [...testChromiumArgs, '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${film}`],
    });
    try {
      const b = await (await grandpa.newContext(phone)).newPage();
      // Notes where each video played, and at what size (the scan can end before a poll would see it).
      await b.addInitScript(() => {
        const play = HTMLMediaElement.prototype.play;
        const w = window as unknown as { played: Array<{ host: string; w: number; h: number; frames: number }> };
        w.played = [];
        HTMLMediaElement.prototype.play = async function (this: HTMLVideoElement) {
          await play.call(this);
          const root = this.getRootNode();
          w.played.push({ host: root instanceof ShadowRoot ? root.host.localName : 'document', w: this.clientWidth, h: this.clientHeight, frames: this.videoWidth });
        };
      });
      await b.goto(server.url);
      await b.getByRole('button', { name: 'Scan QR code' }).click();
      await expect(scanDialog(b)).toHaveCount(0, { timeout: 20_000 });
      // The camera's picture played in the dialog, where he could see it (not hidden elsewhere).
      const played = await b.evaluate(() => (window as unknown as { played: Array<{ host: string; w: number; h: number; frames: number }> }).played);
      expect(played).toEqual([{ host: 'fv-qr-scan', w: expect.any(Number), h: expect.any(Number), frames: 640 }]);
      expect(played[0]!.w).toBeGreaterThan(250);
      await expect(b.getByRole('textbox', { name: 'Invite (link or code)' })).toHaveValue(link.slice(link.indexOf('#join=') + 6));
      await b.getByRole('textbox', { name: 'Your name' }).fill('Grandpa');
      await b.getByLabel('Choose a passphrase').fill('another good passphrase');
      await b.getByRole('button', { name: 'Join' }).click();
      await confirmRecovery(b, 60_000);
      await expect(a.locator('#members > li', { hasText: 'Grandpa' })).toBeVisible({ timeout: 60_000 });
    } finally {
      await grandpa.close();
    }
  } finally {
    await ada.close();
  }
});

test('when the code reader does not load, the scan dialog says to paste the invite link and offers no photo (it needs the same reader)', async () => {
  test.setTimeout(60_000);
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    // No service worker: it would serve the reader from its cache, past the route that fails it.
    const c = await (await browser.newContext({ ...phone, serviceWorkers: 'block' })).newPage();
    await c.route('**/assets/qr-scanner*.js', (r) => r.abort());
    await c.goto(server.url);
    await c.getByRole('button', { name: 'Scan QR code' }).click();
    // No camera here either: a photo is offered until reading it shows the reader is missing.
    await expect(scanDialog(c).getByRole('alert')).toContainText('no camera', { timeout: 15_000 });
    await scanDialog(c).getByLabel('Or use a photo of the code').setInputFiles({ name: 'invite.png', mimeType: 'image/png', buffer: await QRCode.toBuffer('https://example.invalid/#join=x') });
    await expect(scanDialog(c).getByRole('alert')).toHaveText('The code reader could not be loaded (are you offline with an old copy of the app?). Paste the invite link instead.');
    await expect(scanDialog(c).getByLabel('Or use a photo of the code')).toHaveCount(0);
    await scanDialog(c).getByRole('button', { name: 'Cancel' }).click();
    await expect(c.getByRole('textbox', { name: 'Invite (link or code)' })).toBeVisible();
  } finally {
    await browser.close();
  }
});
