/**
 * crypto-ingest: in headless Chromium, through the comlink crypto worker and sealing helpers the
 * app uses, chunked encrypt + BLAKE3 of a generated input (FV_BENCH_MIB, default 256) against
 * the parallel bound measured in the same run: as many bare workers as the pipeline seals with,
 * each reading its share of the same Blob and doing only AES-GCM + BLAKE3 (web/src/crypto/bench.ts).
 */
import { loadavg } from 'node:os';
import { launchChromium } from '../e2e/support/chromium.ts';
import { harnessServer, writeResult } from './support/harness.ts';

const mib = Number(process.env.FV_BENCH_MIB ?? 256);
const server = await harnessServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/crypto.html`);
  await page.waitForFunction(() => 'fvCrypto' in window);
  const load0 = loadavg()[0]!;
  const r = await page.evaluate((n) => (window as any).fvCrypto.bench(n), mib);
  const load1 = loadavg()[0]!;
  writeResult({
    name: 'crypto-ingest', figure: r.figure, baseline: r.baseline, ratio: r.ratio, unit: 'MB/s', goal: '>= 0.8',
    notes: {
      figure: `plaintext MB/s of encryptStream over a ${mib} MiB Blob through the app's comlink crypto worker + sealing helpers (${r.notes.workers} threads seal): ` +
        'the client reads and cuts chunks, each chunk is transferred to a worker round-robin, which derives the chunk key, pads, AES-256-GCM-seals, wraps the envelope, BLAKE3-addresses it and transfers it back',
      baseline: `the parallel bound: ${r.notes.workers} bare workers (web/src/crypto/bench-worker.ts), started at once, each reading its share of the same Blob in 1 MiB chunks ` +
        'and doing only AES-256-GCM (key imported once) + BLAKE3 of the ciphertext, no messages per chunk. Figure and baseline: medians over the rounds, run back to back in each round (order alternating); ratioPerRound pairs them',
      ...r.notes,
      machine: `${r.notes.cores} cores shared with other work: 1-min load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after`,
      argon2MsAtDefault: r.argon2Ms, x25519SealsPerSec: r.x25519SealsPerSec, x25519OpensPerSec: r.opensPerSec,
      input: 'one Blob per run, reused across rounds: its first read also moves it into the browser\'s blob storage, as a picked File already is',
    },
  });
} finally {
  await browser.close();
  await server.stop();
}
