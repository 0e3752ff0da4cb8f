/**
 * A file picked into the upload queue is encrypted once: the spool's ciphertext (sealed with a
 * fresh file key the moment it was picked) becomes the photo's chunks, so the ingest does not
 * encrypt it again (bench ingest-photos). Real UploadQueue, real Ingest, real crypto API, a real
 * spool, store and index over fake-indexeddb. The photo must still open to the picked bytes, a
 * spool copy damaged after it was written must never become the photo's chunks, and a file
 * resumed by the next page is not encrypted again either.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../core/bytes.ts';
import type { AlbumId, PhotoId } from '../../core/ids.ts';
import { directApi } from '../../crypto/api.ts';
import type { CryptoApi } from '../../crypto/api-types.ts';
import { openIndex, type VaultIndex } from '../../storage/index-db.ts';
import { storageNames } from '../../storage/layout.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { openObjectStore } from '../../storage/open-store.ts';
import { UploadSpool } from '../../storage/upload-spool.ts';
import { Ingest, type IngestAlbum, type MediaPort } from '../ingest.ts';
import { UploadQueue } from '../upload-queue.ts';

const JPEG_START = [0xff, 0xd8, 0xff, 0xe0];
function photo(i: number, size: number): File {
  const b = new Uint8Array(size);
  b.set(JPEG_START);
  for (let k = 4; k < size; k++) b[k] = (k * 31 + i * 7 + (k >> 9)) & 255;
  return new File([b], `IMG_${i}.jpg`, { type: 'image/jpeg', lastModified: Date.UTC(2024, 5, 1) + i * 1000 });
}

const media: MediaPort = {
  async thumbnail() {
    return { bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), mime: 'image/jpeg', width: 4, height: 3, sourceWidth: 4032, sourceHeight: 3024, placeholder: '' };
  },
  async exif() {
    return {};
  },
};

let n = 0;
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** The real crypto API, counting whole-file encryptions. */
function countingCrypto(): { crypto: CryptoApi; encryptions: () => number } {
  let encryptions = 0;
  const crypto = new Proxy(directApi, {
    get(target, prop, receiver) {
      if (prop === 'encryptStream') {
        return (...args: Parameters<CryptoApi['encryptStream']>) => {
          encryptions++;
          return target.encryptStream(...args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { crypto, encryptions: () => encryptions };
}

interface Page {
  queue: UploadQueue;
  encryptions: () => number;
  spool: UploadSpool;
  store: ObjectStore;
  index: VaultIndex;
}

/** One page of the app: a queue whose files go through the real ingest into a real store; `gate` holds each file before its ingest. */
async function page(name: string, album: IngestAlbum, gate?: () => Promise<void>): Promise<Page> {
  const { crypto, encryptions } = countingCrypto();
  const index = await openIndex(name);
  const store = await openObjectStore({ name, hash: (b) => directApi.hashObject(b), preferred: 'idb', index });
  const spool = await UploadSpool.open(name);
  open.push(index, store, spool);
  const ingest = new Ingest({ crypto, store, index, media, dedupKey: new Uint8Array(32).fill(3), recordOp: async () => undefined });
  const queue = new UploadQueue({
    crypto, spool, log: () => undefined,
    keys: { current: () => ({ key: album.key, epoch: album.epoch }), ofEpoch: (_a, e) => (e === album.epoch ? album.key : undefined) },
    ingest: async (_a, file, sealed) => {
      await gate?.();
      return (await ingest.addFiles(album, [file], [sealed]))[0]!;
    },
  });
  return { queue, encryptions, spool, store, index };
}

async function newAlbum(): Promise<IngestAlbum> {
  const rawId = await directApi.newAlbumId();
  return { id: toBase64Url(rawId) as AlbumId, rawId, key: await directApi.newAlbumKey(), epoch: 1 };
}

/** The photo's original, opened from the store as another device would: album key → file key → manifest → chunks. */
async function original(p: Page, album: IngestAlbum, id: string): Promise<Uint8Array> {
  const rec = await p.index.get('photos', id as PhotoId);
  if (!rec) throw new Error(`no photo ${id}`);
  const fileKey = await directApi.unwrapFileKey(album.key, rec.fileId, rec.wrappedKey);
  const need = async (h: string) => {
    const b = await p.store.get(h as never);
    if (!b) throw new Error(`object ${h} is not stored`);
    return b;
  };
  const manifest = await directApi.openManifest(fileKey, rec.fileId, await need(rec.objects.manifest));
  expect(manifest.chunks).toEqual(rec.objects.chunks);
  async function* chunks() {
    for (const h of manifest.chunks) yield await need(h);
  }
  const parts: Uint8Array[] = [];
  for await (const part of directApi.decryptStream(fileKey, rec.fileId, chunks())) parts.push(part);
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
}

const same = async (a: Uint8Array, f: File) => Buffer.from(a).equals(Buffer.from(await f.arrayBuffer()));

describe('a queued file is encrypted once', () => {
  it("the spool's ciphertext becomes the photo's chunks: one encryption per file, and the photo opens to the picked bytes", async () => {
    const name = `sealed-${++n}`;
    const album = await newAlbum();
    const p = await page(name, album);
    const files = [photo(1, 1_500_000), photo(2, 40_000)]; // two chunks, one chunk
    const out = await p.queue.add(album.id, files);
    expect(out.map((o) => o.status)).toEqual(['added', 'added']);
    expect(p.encryptions()).toBe(2); // the spool's, one per file; none by the ingest
    for (const [i, o] of out.entries()) {
      expect(await same(await original(p, album, (o as { photo: string }).photo), files[i]!), `${files[i]!.name} opens to its bytes`).toBe(true);
    }
    expect(await p.spool.list()).toEqual([]); // each copy left the spool once it was a photo
  });

  it('a spool copy damaged after it was written is refused by the store, and the picked file is encrypted again', async () => {
    const name = `sealed-${++n}`;
    const album = await newAlbum();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const p = await page(name, album, () => held);
    const file = photo(3, 1_200_000);
    const done = p.queue.add(album.id, [file]);
    for (let i = 0; i < 300 && (await p.spool.list()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const [entry] = await p.spool.list();
    expect(entry?.digests).toHaveLength(2);
    // Flip bytes of the first part on disk, as a failing disk or another tab's bug would.
    const raw = await openDB(storageNames(name).uploadsDb);
    const part = new Uint8Array((await raw.get('parts', [entry!.id, 0])) as ArrayBuffer);
    part[100] = part[100]! ^ 0xff;
    await raw.put('parts', part.buffer, [entry!.id, 0]);
    raw.close();
    release();
    const [o] = await done;
    expect(o?.status).toBe('added');
    expect(p.encryptions()).toBe(2); // the spool's, then the ingest's own from the file
    expect(await same(await original(p, album, (o as { photo: string }).photo), file)).toBe(true);
  });

  it('a file resumed by the next page is read back and stored from its spool copy, not encrypted again', async () => {
    const name = `sealed-${++n}`;
    const album = await newAlbum();
    const first = await page(name, album);
    first.queue.setPaused(true); // saved in the spool, not started; then the page goes away
    const file = photo(4, 2_200_000); // three chunks
    const done = first.queue.add(album.id, [file]);
    for (let i = 0; i < 300 && (await first.spool.list()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await first.queue.stop();
    expect((await done)[0]?.status).toBe('failed');
    expect(await first.spool.list()).toHaveLength(1);
    for (const o of open.splice(0).reverse()) await o.close();

    const second = await page(name, album);
    const outcomes: string[] = [];
    second.queue.on('file', (o) => outcomes.push(`${o.name}:${o.status}:${o.resumed}`));
    expect(await second.queue.resume()).toBe(1);
    for (let i = 0; i < 500 && outcomes.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(outcomes).toEqual(['IMG_4.jpg:added:true']);
    expect(second.encryptions()).toBe(0);
    const photos = await second.index.db.getAll('photos');
    expect(photos).toHaveLength(1);
    expect(await same(await original(second, album, photos[0]!.id), file)).toBe(true);
  });
});
