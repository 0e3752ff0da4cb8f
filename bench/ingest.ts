/**
 * ingest (issue 4): ingest throughput of FV_BENCH_PHOTOS (default 200) phone-size JPEGs
 * (4032×3024) through the real pipeline (web/src/vault/ingest.ts: policy, content tag, thumbnail
 * + EXIF in the media worker, chunked encryption in the crypto worker, staging, commit) in
 * Chromium with a persistent profile, once over an OPFS store and once over an IndexedDB store,
 * against the bare crypto bound 1/(1/A + 1/B) (A = AES-256-GCM, B = BLAKE3, 1 MiB chunks, in the
 * page, as web/src/crypto/bench.ts) measured in the same run.
 *
 * Photos: a few distinct JPEGs are generated before timing (makeJpeg is slow at 12 MP); photo i
 * is base i % distinct with a JPEG comment naming i inserted after SOI, so every file is distinct
 * (no dedup) and decodes. The album op (signing, sealing, appending) is not part of this measure.
 * figure = OPFS MB/s (plaintext, 10^6 B), baseline = bare crypto bound MB/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchPersistentChromium } from '../e2e/support/chromium.ts';
import { harnessServer, writeResult } from './support/harness.ts';

const photos = Number(process.env.FV_BENCH_PHOTOS ?? 200);
const distinct = Number(process.env.FV_BENCH_DISTINCT ?? 8);
const r1 = (x: number) => Math.round(x * 10) / 10;

interface Run {
  kind: string; ms: number; bytes: number; photos: number; added: number; failed: unknown[];
  storedBytes: number; storedObjects: number; perPhotoMs: { mean: number; p50: number; p90: number; max: number };
  stageMsPerPhoto: Record<string, number>;
}

const server = await harnessServer();
const dir = mkdtempSync(join(tmpdir(), 'fv-bench-ingest-'));
const context = await launchPersistentChromium(dir);
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error('[ingest] page error:', e.message));
  await page.goto(`${server.url}/bench-ingest.html`);
  await page.waitForFunction(() => 'fvBenchIngest' in window);
  const call = <T = any>(fn: string, arg?: unknown) =>
    page.evaluate(([f, a]) => (window as any).fvBenchIngest[f as string](a), [fn, arg] as const) as Promise<T>;

  const bases = await call<{ sizes: number[]; ms: number }>('makeBases', { distinct, width: 4032, height: 3024 });
  console.error(`[ingest] ${distinct} base JPEGs in ${Math.round(bases.ms)} ms, sizes ${bases.sizes.join(', ')} B`);
  const bare = await call<{ aes: number; blake3: number }>('bareCrypto', { mib: 128, rounds: 2 });
  const bound = 1 / (1 / bare.aes + 1 / bare.blake3);
  console.error(`[ingest] bare crypto: AES ${r1(bare.aes)} MB/s, BLAKE3 ${r1(bare.blake3)} MB/s, bound ${r1(bound)} MB/s`);
  const runs: Record<string, Run> = {};
  for (const kind of ['opfs', 'idb'] as const) {
    const r = await call<Run>('ingestRun', { kind, photos });
    if (r.added !== photos) throw new Error(`${kind}: only ${r.added}/${photos} added: ${JSON.stringify(r.failed)}`);
    runs[kind] = r;
    console.error(`[ingest] ${kind}: ${r1(r.bytes / 1e6 / (r.ms / 1000))} MB/s, ${r1(r.perPhotoMs.mean)} ms/photo`);
  }
  const mbps = (r: Run) => r.bytes / 1e6 / (r.ms / 1000);
  const opfs = runs.opfs!;
  const idb = runs.idb!;
  const per = (r: Run) => ({ mean: r1(r.perPhotoMs.mean), p50: r1(r.perPhotoMs.p50), p90: r1(r.perPhotoMs.p90), max: r1(r.perPhotoMs.max) });
  writeResult({
    name: 'ingest',
    figure: r1(mbps(opfs)),
    baseline: r1(bound),
    ratio: Math.round((mbps(opfs) / bound) * 1000) / 1000,
    unit: 'MB/s',
    goal: '>= 0.8',
    notes: {
      what: `${photos} JPEGs of 4032x3024 (~${r1(opfs.bytes / photos / 1e6)} MB each, ${r1(opfs.bytes / 1e6)} MB in all) added in one batch through ` +
        'the Ingest pipeline (policy, content tag, thumbnail + EXIF, chunked encryption, staging, commit; album op not included) in Chromium, ' +
        'persistent profile; figure = OPFS store, plaintext MB/s; baseline = 1/(1/AES + 1/BLAKE3) on 1 MiB chunks in the page, same run',
      idbMBps: r1(mbps(idb)),
      idbRatio: Math.round((mbps(idb) / bound) * 1000) / 1000,
      perPhotoMs: { opfs: per(opfs), idb: per(idb) },
      stageMsPerPhoto: {
        note: 'wall ms per photo awaiting each call (thumbnail and exif run in parallel; crypto.encryptStream spans the whole chunk loop, store.put of the chunks included)',
        opfs: opfs.stageMsPerPhoto, idb: idb.stageMsPerPhoto,
      },
      storedMB: { opfs: r1(opfs.storedBytes / 1e6), idb: r1(idb.storedBytes / 1e6) },
      objectsPerPhoto: r1(opfs.storedObjects / photos),
      bareCryptoMBps: { aes: r1(bare.aes), blake3: r1(bare.blake3) },
      distinctBaseJpegs: distinct,
    },
  });
} finally {
  await context.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
}
