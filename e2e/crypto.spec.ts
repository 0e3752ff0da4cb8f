/** The crypto suite (known answers, frozen envelopes, tamper cases) in Chromium, in-page and via the worker. */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { launchChromium } from './support/chromium.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';

let server: SignalServer;
let browser: Browser;
let page: Page;

test.beforeAll(async () => {
  server = await startSignalServer(['--static', 'e2e/harness/dist']);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${server.url}/crypto.html`);
  await page.waitForFunction(() => 'fvCrypto' in window);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

for (const where of ['inPage', 'viaWorker'] as const) {
  test(`crypto suite passes ${where === 'inPage' ? 'in the page' : 'through the comlink worker'}`, async () => {
    const results = await page.evaluate((w) => (window as any).fvCrypto[w](), where);
    const failed = results.filter((r: { ok: boolean }) => !r.ok);
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    expect(results.length).toBeGreaterThan(40);
  });
}
