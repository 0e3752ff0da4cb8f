/**
 * A file picked into the upload queue is encrypted once: its saved copy (sealed with a fresh
 * file key the moment it was picked) becomes the photo's chunks, so the ingest does not encrypt
 * it again (bench ingest-photos). The copy is kept either as chunks staged in the object store,
 * held for the queue (the app: written once, committed as they are), or as parts in the spool
 * (files shared while locked; the store checks each part against its hash). Real UploadQueue,
 * real Ingest, real crypto API, a real spool, store and index over fake-indexeddb. The photo must
 * open to the picked bytes, a copy damaged after it was written must never become the photo's
 * chunks, a file resumed by the next page is not encrypted again, held chunks survive the
 * orphan sweep of a page that is gone, and chunks held for nothing are released.
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
import { tamperIdbObject } from '../../storage/test-hooks.ts';
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

type Keep = 'held' | 'parts';

/**
 * One page of the app: a queue whose files go through the real ingest into a real store; `keep`:
 * where the queue keeps saved copies; `gate` holds each file before its ingest, `fail` fails it.
 */
async function page(name: string, album: IngestAlbum, keep: Keep, gate?: () => Promise<void>, fail?: () => boolean): Promise<Page> {
  const { crypto, encryptions } = countingCrypto();
  const index = await openIndex(name);
  const store = await openObjectStore({ name, hash: (b) => directApi.hashObject(b), preferred: 'idb', index });
  const spool = await UploadSpool.open(name);
  open.push(index, store, spool);
  const ingest = new Ingest({ crypto, store, index, media, dedupKey: new Uint8Array(32).fill(3), recordOp: async () => undefined });
  const queue = new UploadQueue({
    crypto, spool, log: () => undefined, ...(keep === 'held' ? { store } : {}),
    keys: { current: () => ({ key: album.key, epoch: album.epoch }), ofEpoch: (_a, e) => (e === album.epoch ? album.key : undefined) },
    ingest: async (_a, file, sealed) => {
      await gate?.();
      if (fail?.()) return { name: file.name, status: 'failed', reason: 'test', retryable: true };
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

const pending = async (p: Page) => (await p.store.stat()).pendingCount;
const heldOf = async (p: Page) => {
  const out: string[] = [];
  for await (const h of p.store.held()) out.push(h.holder);
  return out;
};
const settle = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 300 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
};

describe.each<Keep>(['held', 'parts'])('a queued file is encrypted once (copy kept as %s)', (keep) => {
  it("the saved copy becomes the photo's chunks: one encryption per file, and the photo opens to the picked bytes", async () => {
    const name = `sealed-${keep}-${++n}`;
    const album = await newAlbum();
    const p = await page(name, album, keep);
    const files = [photo(1, 1_500_000), photo(2, 40_000)]; // two chunks, one chunk
    const out = await p.queue.add(album.id, files);
    expect(out.map((o) => o.status)).toEqual(['added', 'added']);
    expect(p.encryptions()).toBe(2); // the saved copy's, one per file; none by the ingest
    for (const [i, o] of out.entries()) {
      expect(await same(await original(p, album, (o as { photo: string }).photo), files[i]!), `${files[i]!.name} opens to its bytes`).toBe(true);
    }
    expect(await p.spool.list()).toEqual([]); // each copy left the spool once it was a photo
    expect(await pending(p)).toBe(0); // nothing is left staged or held
  });

  it('a file resumed by the next page is read back and stored from its saved copy, not encrypted again', async () => {
    const name = `sealed-${keep}-${++n}`;
    const album = await newAlbum();
    const first = await page(name, album, keep);
    first.queue.setPaused(true); // saved, not started; then the page goes away
    const file = photo(4, 2_200_000); // three chunks
    const done = first.queue.add(album.id, [file]);
    await settle(async () => (await first.spool.list()).length > 0);
    await first.queue.stop();
    expect((await done)[0]?.status).toBe('failed');
    const [entry] = await first.spool.list();
    expect(keep === 'held' ? [entry?.parts, entry?.held?.length] : [entry?.parts, entry?.digests?.length]).toEqual(keep === 'held' ? [0, 3] : [3, 3]);
    for (const o of open.splice(0).reverse()) await o.close();

    const second = await page(name, album, keep);
    // The page that held them is gone: its orphan sweep must not take the held chunks.
    await second.store.sweepOrphans();
    expect(await pending(second)).toBe(keep === 'held' ? 3 : 0);
    const outcomes: string[] = [];
    second.queue.on('file', (o) => outcomes.push(`${o.name}:${o.status}:${o.resumed}`));
    expect(await second.queue.resume()).toBe(1);
    for (let i = 0; i < 500 && outcomes.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(outcomes).toEqual(['IMG_4.jpg:added:true']);
    expect(second.encryptions()).toBe(0);
    const photos = await second.index.db.getAll('photos');
    expect(photos).toHaveLength(1);
    expect(await same(await original(second, album, photos[0]!.id), file)).toBe(true);
    expect(await pending(second)).toBe(0);
  });

  it('a failed file keeps its copy for Retry; discarding it drops the copy and its held chunks', async () => {
    const name = `sealed-${keep}-${++n}`;
    const album = await newAlbum();
    const p = await page(name, album, keep, undefined, () => true);
    const [o] = await p.queue.add(album.id, [photo(5, 1_100_000)]);
    expect(o).toMatchObject({ status: 'failed', retryable: true });
    expect(await pending(p)).toBe(keep === 'held' ? 2 : 0);
    await p.queue.discard(p.queue.state.files.map((f) => f.key));
    expect(await p.spool.list()).toEqual([]);
    expect([await pending(p), await heldOf(p)]).toEqual([0, []]);
  });
});

describe('saved copies kept in the object store', () => {
  it('a held chunk damaged after it was written is not committed: the picked file is encrypted again', async () => {
    const name = `sealed-held-${++n}`;
    const album = await newAlbum();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const p = await page(name, album, 'held', () => held);
    const file = photo(3, 1_200_000);
    const done = p.queue.add(album.id, [file]);
    await settle(async () => (await p.spool.list()).length > 0);
    const [entry] = await p.spool.list();
    expect(entry?.held).toHaveLength(2);
    await tamperIdbObject(name, entry!.held![0]! as never);
    release();
    const [o] = await done;
    expect(o?.status).toBe('added');
    expect(p.encryptions()).toBe(2); // the saved copy's, then the ingest's own from the file
    expect(await same(await original(p, album, (o as { photo: string }).photo), file)).toBe(true);
  });

  it("a long file's held chunks are checked a few at a time, not all at once in memory", async () => {
    const name = `sealed-held-${++n}`;
    const album = await newAlbum();
    const p = await page(name, album, 'held');
    let reading = 0;
    let most = 0;
    const get = p.store.get.bind(p.store);
    p.store.get = async (h, o) => {
      if (!o?.held) return get(h, o);
      most = Math.max(most, ++reading);
      try {
        return await get(h, o);
      } finally {
        reading--;
      }
    };
    const file = photo(7, 9_500_000); // ten chunks
    const [o] = await p.queue.add(album.id, [file]);
    expect(o?.status).toBe('added');
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
    expect(await same(await original(p, album, (o as { photo: string }).photo), file)).toBe(true);
  });

  it('chunks held for no queued file (a save cut short by a crash) are released when the next page resumes', async () => {
    const name = `sealed-held-${++n}`;
    const album = await newAlbum();
    const p = await page(name, album, 'held');
    p.queue.setPaused(true);
    void p.queue.add(album.id, [photo(6, 30_000)]); // a real entry, saved and waiting: kept through the resume
    await settle(async () => (await p.spool.list()).length > 0);
    expect(await heldOf(p)).toEqual([`upload-${(await p.spool.list())[0]!.id}`]);
    // What a page killed between writing chunks and completing its entry leaves behind.
    const bytes = new Uint8Array(2000).fill(9);
    await p.store.put(await directApi.hashObject(bytes), bytes, { stage: true, holdFor: 'upload-999' });
    expect(await heldOf(p)).toHaveLength(2);
    expect(await p.queue.resume()).toBe(0); // the entry is this page's already
    expect(await heldOf(p)).toEqual([`upload-${(await p.spool.list())[0]!.id}`]);
    expect(await pending(p)).toBe(1);
  });
});

describe('a copy kept as spool parts', () => {
  it('a spool part damaged after it was written is refused by the store, and the picked file is encrypted again', async () => {
    const name = `sealed-parts-${++n}`;
    const album = await newAlbum();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const p = await page(name, album, 'parts', () => held);
    const file = photo(3, 1_200_000);
    const done = p.queue.add(album.id, [file]);
    await settle(async () => (await p.spool.list()).length > 0);
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
});
