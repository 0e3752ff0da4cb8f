/**
 * Ingest benchmark harness (bench/ingest-photos.ts, bench/ingest-heap.ts), driven through
 * window.fvBenchIngest.
 *  - ingest-heap: a real vault (createVault, as the app) ingests one large generated video File;
 *    Node samples the renderer's JS heaps over CDP meanwhile.
 *  - ingest-photos: a real vault adds phone-size JPEGs with EXIF (photosRun); the baseline is the
 *    bare thumbnail cost in one worker (bareThumbs); where the time goes is the Ingest pipeline
 *    (web/src/vault/ingest.ts) built directly over a store, each awaited call timed (ingestRun).
 */
import { toBase64Url } from '../../web/src/core/bytes.ts';
import type { AlbumId } from '../../web/src/core/ids.ts';
import { startCryptoWorker, type CryptoClient } from '../../web/src/crypto/client.ts';
import { randomBytes } from '../../web/src/crypto/primitives.ts';
import { openIndex } from '../../web/src/storage/index-db.ts';
import type { StoreKind } from '../../web/src/storage/object-store.ts';
import { openObjectStore } from '../../web/src/storage/open-store.ts';
import { Ingest, type IngestAlbum } from '../../web/src/vault/ingest.ts';
import { MediaClient } from '../../web/src/vault/media/media-client.ts';
import type { VaultSession } from '../../web/src/vault/vault-session.ts';
import { createVault } from '../../web/src/vault/vault-setup.ts';
import { makeJpeg } from './photos.ts';

// ── ingest-heap ──────────────────────────────────────────────────────────────────────────

let session: VaultSession | undefined;
let album = '';
let big: File | undefined;

async function heapSetup(o: { signalUrl: string }): Promise<void> {
  const env = { crypto: startCryptoWorker(), media: new MediaClient(), signalUrl: o.signalUrl, weakKdfForTests: true };
  const r = await createVault(env, { name: 'Ada', passphrase: 'correct horse battery' });
  session = r.session;
  album = r.album;
}

/**
 * A `mib` MiB video/mp4 File made in the page of 16 random 1 MiB parts repeated (Blob storage,
 * not JS heap). Chromium here cannot read back page-built Blobs of 512 MiB or more
 * (NotReadableError), so large runs pick a file from disk instead (usePicked).
 */
function buildBig(mib: number): number {
  const parts = Array.from({ length: 16 }, () => randomBytes(1024 * 1024) as Uint8Array<ArrayBuffer>);
  parts[0]!.set([0, 0, 0, 0x18, ...new TextEncoder().encode('ftypisom'), 0, 0, 2, 0, ...new TextEncoder().encode('isommp41')]); // starts like an MP4
  big = new File([new Blob(Array.from({ length: mib }, (_, i) => parts[i % parts.length]!))], 'big.mp4', { type: 'video/mp4', lastModified: Date.UTC(2024, 6, 1) });
  return big.size;
}

/** The file Node put into <input id=pick> (setInputFiles): a disk-backed File, as a picked video is. */
function usePicked(): { size: number; type: string; name: string } {
  const f = (document.getElementById('pick') as HTMLInputElement).files?.[0];
  if (!f) throw new Error('no file picked');
  big = f;
  return { size: f.size, type: f.type, name: f.name };
}

async function ingestBig(): Promise<{ ms: number; outcome: unknown }> {
  const t = performance.now();
  const [outcome] = await session!.addFiles(album, [big!]);
  big = undefined;
  return { ms: performance.now() - t, outcome };
}

async function stopVault(): Promise<void> {
  await session?.stop();
  session = undefined;
}

// ── ingest: OPFS vs IndexedDB, vs bare crypto ────────────────────────────────────────────

let crypto: CryptoClient | undefined;
let media: MediaClient | undefined;
let bases: Blob[] = [];

/** Generates `distinct` phone-size JPEGs (slow: done before any timing). */
async function makeBases(o: { distinct: number; width: number; height: number }): Promise<{ sizes: number[]; ms: number }> {
  const t = performance.now();
  bases = [];
  for (let i = 0; i < o.distinct; i++) bases.push(await makeJpeg(i, o.width, o.height, 0.92));
  return { sizes: bases.map((b) => b.size), ms: performance.now() - t };
}

/**
 * Photo i: base i % distinct with a JPEG comment segment (COM, 0xFFFE) naming i inserted after
 * SOI: distinct bytes (no dedup) that decode to the same image; costs nothing to make.
 */
function photo(i: number): File {
  const base = bases[i % bases.length]!;
  const text = new TextEncoder().encode(`fv-bench photo ${i}`);
  const com = new Uint8Array(4 + text.length);
  com.set([0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff]);
  com.set(text, 4);
  return new File([base.slice(0, 2), com, base.slice(2)], `IMG_${String(i).padStart(4, '0')}.jpg`, { type: 'image/jpeg', lastModified: Date.UTC(2024, 6, 1) + i * 60_000 });
}

/** Wall time spent in each awaited call the pipeline makes (sequential per file, so they add up). */
const stageMs: Record<string, number> = {};
function timed<T extends object>(label: string, target: T, methods: string[]): T {
  return new Proxy(target, {
    get(t, prop, recv) {
      const v = Reflect.get(t, prop, recv) as unknown;
      if (typeof v !== 'function' || !methods.includes(String(prop))) return typeof v === 'function' ? v.bind(t) : v;
      const key = `${label}.${String(prop)}`;
      if (String(prop) === 'encryptStream') {
        return async function* (...args: unknown[]) {
          const t0 = performance.now();
          try {
            // Time between chunks includes the caller's staging; subtracted below by the store's own timer.
            yield* (v as (...a: unknown[]) => AsyncGenerator<unknown>).apply(t, args);
          } finally {
            stageMs[key] = (stageMs[key] ?? 0) + performance.now() - t0;
          }
        };
      }
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
        } finally {
          stageMs[key] = (stageMs[key] ?? 0) + performance.now() - t0;
        }
      };
    },
  });
}

async function ingestRun(o: { kind: StoreKind; photos: number }) {
  crypto ??= startCryptoWorker();
  media ??= new MediaClient();
  for (const k of Object.keys(stageMs)) delete stageMs[k];
  const c = timed('crypto', crypto, ['contentTag', 'encryptStream', 'sealManifest', 'sealMetadata', 'sealObject', 'hashObject', 'wrapFileKey', 'newFileId', 'newFileKey']);
  const m = timed('media', media, ['thumbnail', 'exif']);
  const name = `bench-ingest-${o.kind}-${toBase64Url(randomBytes(6))}`;
  const index = await openIndex(name);
  const store = timed('store', await openObjectStore({ name, hash: (b) => crypto!.hashObject(b), index, preferred: o.kind }), ['put']);
  if (store.kind !== o.kind) throw new Error(`asked for ${o.kind}, got ${store.kind}`);
  const rawId = await c.newAlbumId();
  const target: IngestAlbum = { id: toBase64Url(rawId) as AlbumId, rawId, key: await c.newAlbumKey(), epoch: 0 };
  // recordOp: the vault session signs, seals and appends an album op here; not part of this measure.
  const ingest = new Ingest({ crypto: c, store, index, media: m, dedupKey: randomBytes(32), recordOp: async () => undefined });
  const files = Array.from({ length: o.photos }, (_, i) => photo(i));
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const perFile: number[] = [];
  let last = performance.now();
  ingest.on('file', () => {
    const now = performance.now();
    perFile.push(now - last);
    last = now;
  });
  const t = performance.now();
  const out = await ingest.addFiles(target, files);
  const ms = performance.now() - t;
  const stat = await store.stat();
  await store.close();
  index.close();
  perFile.sort((a, b) => a - b);
  const failed = out.filter((r) => r.status !== 'added');
  return {
    kind: o.kind, ms, bytes, photos: o.photos, added: o.photos - failed.length,
    stageMsPerPhoto: Object.fromEntries(Object.entries(stageMs).map(([k, v]) => [k, Math.round((v / o.photos) * 10) / 10])),
    failed: failed.slice(0, 3), storedBytes: stat.bytes, storedObjects: stat.count,
    perPhotoMs: { mean: ms / o.photos, p50: perFile[Math.floor(perFile.length / 2)] ?? 0, p90: perFile[Math.floor(perFile.length * 0.9)] ?? 0, max: perFile[perFile.length - 1] ?? 0 },
  };
}

// ── ingest-photos: a real vault adds phone photos with EXIF, vs the bare thumbnail cost ───────

/**
 * A little-endian EXIF APP1 segment as a phone writes one: IFD0 with Make, Model and
 * Orientation 1, and an Exif IFD with DateTimeOriginal, so the pipeline's EXIF read has real work.
 */
function exifSegment(taken: Date, i: number): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const make = enc.encode('Google\0');
  const model = enc.encode(`Pixel ${8 + (i % 2)}\0`);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const when = enc.encode(`${taken.getUTCFullYear()}:${p2(taken.getUTCMonth() + 1)}:${p2(taken.getUTCDate())} ` +
    `${p2(taken.getUTCHours())}:${p2(taken.getUTCMinutes())}:${p2(taken.getUTCSeconds())}\0`);
  // TIFF header (8) | IFD0: 2 + 4×12 + 4 = 54 | Exif IFD: 2 + 12 + 4 = 18 | data
  const ifd0 = 8;
  const exifIfd = ifd0 + 54;
  const data = exifIfd + 18;
  const tiff = new Uint8Array(data + make.length + model.length + when.length);
  const v = new DataView(tiff.buffer);
  tiff.set([0x49, 0x49, 0x2a, 0x00]);
  v.setUint32(4, ifd0, true);
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    v.setUint16(at, tag, true);
    v.setUint16(at + 2, type, true);
    v.setUint32(at + 4, count, true);
    if (type === 3) v.setUint16(at + 8, value, true);
    else v.setUint32(at + 8, value, true);
  };
  v.setUint16(ifd0, 4, true);
  entry(ifd0 + 2, 0x010f, 2, make.length, data);
  entry(ifd0 + 14, 0x0110, 2, model.length, data + make.length);
  entry(ifd0 + 26, 0x0112, 3, 1, 1);
  entry(ifd0 + 38, 0x8769, 4, 1, exifIfd);
  v.setUint32(ifd0 + 50, 0, true);
  v.setUint16(exifIfd, 1, true);
  entry(exifIfd + 2, 0x9003, 2, when.length, data + make.length + model.length);
  v.setUint32(exifIfd + 14, 0, true);
  tiff.set(make, data);
  tiff.set(model, data + make.length);
  tiff.set(when, data + make.length + model.length);
  const head = enc.encode('Exif\0\0');
  const seg = new Uint8Array(4 + head.length + tiff.length);
  seg.set([0xff, 0xe1, (seg.length - 2) >> 8, (seg.length - 2) & 0xff]);
  seg.set(head, 4);
  seg.set(tiff, 4 + head.length);
  return seg;
}

/** Photo i with EXIF: base i % distinct, an APP1 EXIF segment (taken 2024-07-01 + i minutes), and the COM naming i. */
function exifPhoto(i: number): File {
  const plain = photo(i);
  const taken = new Date(Date.UTC(2024, 6, 1, 9) + i * 60_000);
  return new File([plain.slice(0, 2), exifSegment(taken, i), plain.slice(2)], plain.name, { type: 'image/jpeg', lastModified: Date.UTC(2025, 0, 1) });
}

/** `photos` photos picked at once, through the vault as the app adds them (upload spool, ingest, album op). */
async function photosRun(o: { photos: number }) {
  const files = Array.from({ length: o.photos }, (_, i) => exifPhoto(i));
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const t = performance.now();
  const out = await session!.addFiles(album, files);
  const ms = performance.now() - t;
  const added = out.filter((r) => r.status === 'added').length;
  // Each photo's date must come from its EXIF (2024-07-01 + i minutes), not from lastModified (2025).
  const descriptors = [...(session!.albums.get(album)?.descriptors.values() ?? [])];
  const datedByExif = descriptors.filter((d) => (d.taken ?? 0) >= Date.UTC(2024, 6, 1) && (d.taken ?? 0) < Date.UTC(2024, 7, 1)).length;
  return { ms, bytes, photos: o.photos, added, datedByExif, failed: out.filter((r) => r.status !== 'added').slice(0, 3) };
}

/** The baseline: the same files through bare-thumb-worker.ts (one worker, one photo after another). */
async function bareThumbs(o: { photos: number }): Promise<{ ms: number; perPhoto: number[] }> {
  const files = Array.from({ length: o.photos }, (_, i) => exifPhoto(i));
  const worker = new Worker(new URL('./bare-thumb-worker.ts', import.meta.url), { type: 'module', name: 'bare-thumb' });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data as { ms: number; perPhoto: number[] });
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage({ files });
    });
  } finally {
    worker.terminate();
  }
}

Object.assign(window, {
  fvBenchIngest: { photosRun, bareThumbs, heapSetup, buildBig, usePicked, ingestBig, stopVault, makeBases, ingestRun },
});
