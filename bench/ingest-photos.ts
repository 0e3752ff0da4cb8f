/**
 * ingest-photos (issue 12): FV_BENCH_PHOTOS (default 200) phone photos (4032×3024 JPEGs with an
 * EXIF segment: camera, date taken) picked at once and added to an album of a real vault
 * (createVault, as the app): upload queue, policy, content tag, thumbnail + ThumbHash + EXIF in
 * the media worker, chunked encryption in the crypto worker, OPFS, commit, signed and sealed
 * album op. figure = photos/s, picking to the last outcome.
 *
 * Baseline, same run, same files: what a thumbnail costs on its own, in one dedicated worker as
 * the app's one media worker: createImageBitmap + resize to 400 px + JPEG encode, one photo after
 * another (e2e/harness/bare-thumb-worker.ts). Decoding a 12 MP JPEG is most of a photo's cost,
 * and the app decodes each photo once, so the pipeline cannot beat this without decoding in
 * more threads (then the baseline would have to as well). ratio = figure / baseline.
 *
 * Where the time goes: a second batch of the same size through the Ingest pipeline alone (no
 * spool, no album op) with each awaited call timed (notes.stageMsPerPhoto), over a fresh store.
 * Photos: FV_BENCH_DISTINCT (default 8) base JPEGs generated before timing; photo i is base
 * i % distinct plus its own EXIF date and a JPEG comment naming i, so none is a duplicate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchPersistentChromium } from '../e2e/support/chromium.ts';
import { harnessServer, openIngestPage, writeResult } from './support/harness.ts';

const photos = Number(process.env.FV_BENCH_PHOTOS ?? 200);
const distinct = Number(process.env.FV_BENCH_DISTINCT ?? 8);
const r1 = (x: number) => Math.round(x * 10) / 10;
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? 0;

const server = await harnessServer();
const dir = mkdtempSync(join(tmpdir(), 'fv-bench-ingest-photos-'));
const context = await launchPersistentChromium(dir);
try {
  const { call } = await openIngestPage(context, server, 'ingest-photos');

  const bases = await call<{ sizes: number[]; ms: number }>('makeBases', { distinct, width: 4032, height: 3024 });
  console.error(`[ingest-photos] ${distinct} base JPEGs in ${Math.round(bases.ms)} ms, sizes ${bases.sizes.join(', ')} B`);
  await call('heapSetup', { signalUrl: server.wsUrl });

  // Baseline and figure back to back; the baseline first warms the decoder no more than the app's own first photos would.
  const bare = await call<{ ms: number; perPhoto: number[] }>('bareThumbs', { photos });
  const bareRate = photos / (bare.ms / 1000);
  console.error(`[ingest-photos] bare thumbnails: ${r1(bareRate)} photos/s (${r1(bare.ms / photos)} ms each)`);
  const run = await call<{ ms: number; bytes: number; added: number; datedByExif: number; failed: unknown[] }>('photosRun', { photos });
  if (run.added !== photos) throw new Error(`only ${run.added}/${photos} added: ${JSON.stringify(run.failed)}`);
  if (run.datedByExif !== photos) throw new Error(`only ${run.datedByExif}/${photos} photos dated from their EXIF`);
  const rate = photos / (run.ms / 1000);
  console.error(`[ingest-photos] vault: ${r1(rate)} photos/s (${r1(run.ms / photos)} ms each)`);
  await call('stopVault');

  const stages = await call<{ ms: number; stageMsPerPhoto: Record<string, number>; added: number }>('ingestRun', { kind: 'opfs', photos });
  writeResult({
    name: 'ingest-photos',
    figure: r1(rate),
    baseline: r1(bareRate),
    ratio: Math.round((rate / bareRate) * 1000) / 1000,
    unit: 'photos/s',
    goal: '>= 0.8',
    notes: {
      figure: `${photos} JPEGs of 4032x3024 with EXIF (~${r1(run.bytes / photos / 1e6)} MB each) picked at once into a real vault's album (session.addFiles: ` +
        'upload queue (each file encrypted once, its chunks written to OPFS held for the queue, then committed as the photo\'s), policy, content tag, ' +
        'thumbnail + ThumbHash + EXIF, held chunks read back and checked, commit, signed + sealed album op), persistent profile',
      baseline: 'the same files, createImageBitmap + resize to 400 px + JPEG encode only, one after another in one dedicated worker (as the app has one media worker)',
      msPerPhoto: { vault: r1(run.ms / photos), bareThumbnail: r1(bare.ms / photos), bareThumbnailP50: r1(pct(bare.perPhoto, 0.5)), bareThumbnailP90: r1(pct(bare.perPhoto, 0.9)) },
      stageMsPerPhoto: {
        note: 'a second batch through the Ingest pipeline alone (no spool, no album op), wall ms per photo awaiting each call: thumbnail and exif run in parallel; crypto.encryptStream spans the chunk loop with store.put of the chunks',
        pipelineMsPerPhoto: r1(stages.ms / photos),
        ...stages.stageMsPerPhoto,
      },
      mbPerSec: r1(run.bytes / 1e6 / (run.ms / 1000)),
      distinctBaseJpegs: distinct,
    },
  });
} finally {
  await context.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
}
