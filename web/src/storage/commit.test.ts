/**
 * Atomic ingest in Node (fake-indexeddb): a photo is visible only after commit, a refused
 * commit changes nothing, an interrupted ingest is swept. The crash with a real browser
 * killed mid-ingest is in e2e/storage.spec.ts.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { AlbumId, ObjectHash, PhotoId } from '../core/ids.ts';
import { hashObject } from '../crypto/stream.ts';
import { commitPhoto, stageObjects } from './commit.ts';
import { openIndex, type VaultIndex } from './index-db.ts';
import type { PhotoRecord } from './index-schema.ts';
import { randomBytes } from './object-store.suite.ts';
import { openObjectStore } from './open-store.ts';

let n = 0;
const album = 'album-1' as AlbumId;

async function photoObjects(count: number) {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const bytes = randomBytes(1000 + i);
    return { hash: await hashObject(bytes), bytes };
  }));
}

function photoOf(id: string, objs: { hash: ObjectHash }[]): PhotoRecord {
  const [manifest, thumb, meta, ...chunks] = objs.map((o) => o.hash);
  return { id: id as PhotoId, album, state: 'active', objects: { manifest: manifest!, thumb: thumb!, meta: meta!, chunks }, addedAt: 1, fileId: new Uint8Array(16), wrappedKey: new Uint8Array(66), epoch: 0 };
}

async function setup(quotaBytes?: number) {
  const name = `commit-test-${++n}`;
  const index = await openIndex(name);
  const store = await openObjectStore({ name, hash: hashObject, preferred: 'idb', index, quotaBytes });
  return { name, index, store };
}

const objectRecord = (index: VaultIndex, hash: ObjectHash) => index.db.get('objects', hash);

describe('stage and commit', () => {
  it('a photo is visible only after commit, and its objects only then', async () => {
    const { index, store } = await setup();
    const objs = await photoObjects(5);
    await stageObjects(store, objs);
    expect(await index.photosInAlbum(album)).toEqual([]);
    for (const o of objs) expect(await store.has(o.hash)).toBe(false);
    const photo = photoOf('p1', objs);
    expect(await commitPhoto(index, photo)).toBe('committed');
    expect(await index.photosInAlbum(album)).toEqual([photo]);
    for (const o of objs) {
      expect(await store.get(o.hash)).toEqual(o.bytes);
      expect(await objectRecord(index, o.hash)).toMatchObject({ state: 'complete', refs: 1 });
    }
    expect(await commitPhoto(index, photo)).toBe('exists');
    expect((await objectRecord(index, objs[0]!.hash))?.refs).toBe(1);
    const s = await store.stat();
    expect([s.count, s.pendingCount]).toEqual([5, 0]);
    await store.close();
    index.close();
  });

  it('a commit that references a missing object changes nothing', async () => {
    const { index, store } = await setup();
    const objs = await photoObjects(4);
    await stageObjects(store, objs.slice(0, 3));
    await expect(commitPhoto(index, photoOf('p2', objs))).rejects.toMatchObject({ name: 'StorageError' });
    expect(await index.get('photos', 'p2' as PhotoId)).toBeUndefined();
    for (const o of objs.slice(0, 3)) expect(await objectRecord(index, o.hash)).toMatchObject({ state: 'pending', refs: 0 });
    expect((await store.stat()).pendingCount).toBe(3);
    await store.close();
    index.close();
  });

  it('a staging that hits the quota removes what it wrote and keeps the rest', async () => {
    const { index, store } = await setup(5000);
    const [kept] = await photoObjects(1);
    await store.put(kept!.hash, kept!.bytes);
    const objs = await photoObjects(4); // 1000+1001+1002+1003 bytes: the fourth does not fit
    await expect(stageObjects(store, objs)).rejects.toMatchObject({ name: 'QuotaError' });
    const s = await store.stat();
    expect([s.count, s.bytes, s.pendingCount, s.pendingBytes]).toEqual([1, kept!.bytes.length, 0, 0]);
    expect(await store.get(kept!.hash)).toEqual(kept!.bytes);
    await store.close();
    index.close();
  });

  it('an ingest cut off before commit is swept at the next start, never half a photo', async () => {
    const { name, index, store } = await setup();
    const objs = await photoObjects(4);
    await stageObjects(store, objs);
    await store.close(); // the tab goes away without committing
    // Another live store (another tab) on the same index keeps its own staged objects.
    const other = await openObjectStore({ name, hash: hashObject, preferred: 'idb', index, sweep: false });
    const [live] = await photoObjects(1);
    await other.put(live!.hash, live!.bytes, { stage: true });
    const next = await openObjectStore({ name, hash: hashObject, preferred: 'idb', index, sweep: false });
    const report = await next.sweepOrphans();
    expect(report).toMatchObject({ objects: 4, bytes: objs.reduce((t, o) => t + o.bytes.length, 0) });
    expect(await index.photosInAlbum(album)).toEqual([]);
    for (const o of objs) expect(await objectRecord(index, o.hash)).toBeUndefined();
    expect(await objectRecord(index, live!.hash)).toMatchObject({ state: 'pending' });
    await expect(commitPhoto(index, photoOf('p3', objs))).rejects.toMatchObject({ name: 'StorageError' });
    await other.close();
    await next.close();
    index.close();
  });
});
