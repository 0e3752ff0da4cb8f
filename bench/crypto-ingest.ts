/**
 * crypto-ingest: in headless Chromium, through the comlink crypto worker the app uses, chunked
 * encrypt + BLAKE3 of a generated input (FV_BENCH_MIB, default 256) vs the serial bound
 * 1/(1/A + 1/B) of bare AES-GCM (A) and bare BLAKE3 (B) measured in the same run.
 */
import { launchChromium } from '../e2e/support/chromium.ts';
import { harnessServer, writeResult } from './support/harness.ts';

const mib = Number(process.env.FV_BENCH_MIB ?? 256);
const server = await harnessServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/crypto.html`);
  await page.waitForFunction(() => 'fvCrypto' in window);
  const r = await page.evaluate((n) => (window as any).fvCrypto.bench(n), mib);
  writeResult({
    name: 'crypto-ingest', figure: r.figure, baseline: r.baseline, ratio: r.ratio, unit: 'MB/s', goal: '>= 0.8',
    notes: { ...r.notes, argon2MsAtDefault: r.argon2Ms, x25519SealsPerSec: r.x25519SealsPerSec, x25519OpensPerSec: r.opensPerSec, path: 'comlink crypto worker + sealing helpers in Chromium (the client reads, workers seal round-robin)', input: 'one Blob per run, reused across rounds: its first read also moves it into the browser\'s blob storage, as a picked File already is' },
  });
} finally {
  await browser.close();
  await server.stop();
}
