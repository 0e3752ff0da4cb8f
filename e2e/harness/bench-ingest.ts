/**
 * Ingest benchmark harness (bench/ingest.ts, bench/ingest-heap.ts), driven through
 * window.fvBenchIngest.
 *  - ingest-heap: a real vault (createVault, as the app) ingests one large generated video File;
 *    Node samples the renderer's JS heaps over CDP meanwhile.
 *  - ingest: the Ingest pipeline (web/src/vault/ingest.ts) built directly over a store opened with
 *    a chosen backend (OPFS or IndexedDB), fed phone-size JPEGs; plus the bare crypto rates.
 */
import { toBase64Url } from '../../web/src/core/bytes.ts';
import type { AlbumId } from '../../web/src/core/ids.ts';
import { CHUNK_SIZE } from '../../web/src/crypto/chunk.ts';
import { startCryptoWorker, type CryptoClient } from '../../web/src/crypto/client.ts';
import { aesGcmEncrypt, aesGcmKey, blake3Fn, randomBytes } from '../../web/src/crypto/primitives.ts';
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

/** Bare AES-256-GCM (A) and BLAKE3 (B) rates on 1 MiB chunks, in MB/s, as web/src/crypto/bench.ts. */
async function bareCrypto(o: { mib: number; rounds: number }): Promise<{ aes: number; blake3: number }> {
  const data = [0, 1, 2, 3].map(() => randomBytes(CHUNK_SIZE));
  const key = await aesGcmKey(randomBytes(32));
  const hash = await blake3Fn();
  const nonce = new Uint8Array(12);
  const aad = new Uint8Array(21);
  const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
  let aes = 0;
  let b3 = 0;
  for (let r = 0; r <= o.rounds; r++) {
    const n = r === 0 ? 8 : o.mib; // round 0 warms up
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      new DataView(nonce.buffer).setUint32(8, i + r * 1e6);
      await aesGcmEncrypt(key, nonce, data[i % data.length]!, aad);
    }
    if (r > 0) aes = Math.max(aes, mbps(n * CHUNK_SIZE, performance.now() - t));
    t = performance.now();
    for (let i = 0; i < n; i++) hash(data[i % data.length]!);
    if (r > 0) b3 = Math.max(b3, mbps(n * CHUNK_SIZE, performance.now() - t));
  }
  return { aes, blake3: b3 };
}

Object.assign(window, {
  fvBenchIngest: { heapSetup, buildBig, usePicked, ingestBig, stopVault, makeBases, ingestRun, bareCrypto },
});
