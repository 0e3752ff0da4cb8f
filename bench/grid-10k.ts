/**
 * grid-10k: ms from showing a 10,000-photo album to a screenful of decrypted thumbnails, in
 * headless Chromium with the real grid, store and crypto worker (e2e/harness/bench-grid.ts).
 * ratio = figure (lower is better); notes: the same after jumping to the middle, and how many
 * cells exist in the DOM (virtualisation keeps it to a few screens).
 */
import { launchChromium } from '../e2e/support/chromium.ts';
import { harnessServer, writeResult } from './support/harness.ts';

const server = await harnessServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
  await page.goto(`${server.url}/bench-grid.html`);
  await page.waitForFunction(() => 'fvGridBench' in window);
  const r = await page.evaluate(() => (window as any).fvGridBench.run(10_000));
  writeResult({
    name: 'grid-10k', figure: Math.round(r.firstMs), baseline: 1, ratio: Math.round(r.firstMs), unit: 'ms', goal: '< 1000',
    notes: { ...r, viewport: '1000x1000', what: 'mount to a screenful of decoded thumbnails (OPFS read + AES-GCM open in the worker + JPEG decode)' },
  });
} finally {
  await browser.close();
  await server.stop();
}
