/**
 * The PWA shell: the service worker takes control, the page reloads offline and after the
 * server is gone, and the manifest is installable (name, icons incl. maskable, start_url,
 * display standalone). Served by the real signal server, as in production.
 */
import { test, expect } from '@playwright/test';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './support/chromium.ts';
import { freePort, startSignalServer, type SignalServer } from './support/processes.ts';

let server: SignalServer | undefined;

test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('manifest is valid and its icons are served', async ({ request }) => {
  server = await startSignalServer(['--static', 'web/dist']);
  const res = await request.get(`${server.url}/manifest.webmanifest`);
  expect(res.ok()).toBe(true);
  const m = await res.json();
  expect(m.name).toBe('Family Vault');
  expect(m.short_name).toBeTruthy();
  expect(m.start_url).toBe('/');
  expect(m.display).toBe('standalone');
  const purposes = m.icons.map((i: { purpose: string }) => i.purpose);
  expect(purposes).toContain('maskable');
  expect(m.icons.some((i: { sizes: string }) => i.sizes === '512x512')).toBe(true);
  expect(m.icons.some((i: { sizes: string }) => i.sizes === '192x192')).toBe(true);
  for (const icon of m.icons) {
    const r = await request.get(`${server.url}/${icon.src}`);
    expect(r.status(), icon.src).toBe(200);
    expect(r.headers()['content-type']).toBe('image/png');
  }
  expect(m.share_target?.action).toBe('/share-target');
  const html = await request.get(`${server.url}/`);
  expect(html.headers()['content-security-policy']).toContain("default-src 'self'");
  expect(html.headers()['cache-control']).toContain('no-cache');
  expect((await request.get(`${server.url}/sw.js`)).headers()['cache-control']).toContain('no-cache');
});

test('service worker takes control and the app opens offline and with the server gone', async () => {
  server = await startSignalServer(['--static', 'web/dist']);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await expect(page.locator('html')).toHaveAttribute('data-sw', 'controlled', { timeout: 30_000 });
    await expect(page.locator('#shell-ready')).toBeVisible();

    await context.setOffline(true);
    await page.reload();
    await expect(page.locator('#shell-ready')).toBeVisible();
    await context.setOffline(false);

    await server.stop();
    server = undefined;
    const tab = await context.newPage();
    await tab.goto(page.url());
    await expect(tab.locator('#shell-ready')).toBeVisible();
    // A deep link is a navigation too: served from the cached shell.
    await tab.goto(new URL('/albums/some-album', page.url()).href);
    await expect(tab.locator('#shell-ready')).toBeVisible();
  } finally {
    await browser.close();
  }
});

test('a new version shows the update prompt, and Reload switches to it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fv-pwa-'));
  cpSync('web/dist', dir, { recursive: true });
  const port = String(await freePort());
  server = await startSignalServer(['--static', dir, '--port', port]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await expect(page.locator('html')).toHaveAttribute('data-sw', 'controlled', { timeout: 30_000 });
    await expect(page.locator('fv-update-prompt')).not.toHaveAttribute('open');

    // Deploy a new version on the same origin: any byte change to sw.js is a new worker.
    await server.stop();
    appendFileSync(join(dir, 'sw.js'), '\n// next release\n');
    server = await restartOn(port, dir);
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    await expect(page.locator('fv-update-prompt')).toHaveAttribute('open', '', { timeout: 30_000 });
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => !!r?.waiting))).toBe(true);

    await page.evaluate(() => ((window as any).beforeUpdate = true));
    await page.locator('fv-update-prompt #reload').click();
    await page.waitForFunction(() => !(window as any).beforeUpdate && document.documentElement.dataset.sw === 'controlled');
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => !!r?.waiting))).toBe(false);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The old server's connections may hold the port for a moment (TIME_WAIT): retry briefly. */
async function restartOn(port: string, dir: string): Promise<SignalServer> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startSignalServer(['--static', dir, '--port', port]);
    } catch (e) {
      if (attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
