/**
 * Atomic ingest: a photo becomes visible only when all of its objects are durable. Objects
 * are staged (written, state pending), then commitPhoto flips them to complete and writes the
 * photo record in ONE IndexedDB transaction. A crash before the commit leaves only pending
 * objects, which the next start sweeps: never half a photo. See docs/storage.md.
 */
import { StorageError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import { CATALOG_STORES, abortQuietly, readTotals, writeRecord } from './catalog-idb.ts';
import type { VaultIndex } from './index-db.ts';
import type { PhotoObjects, PhotoRecord } from './index-schema.ts';
import type { ObjectStore } from './object-store.ts';
import { toStorageError } from './quota.ts';

export interface ObjectToStage {
  hash: ObjectHash;
  bytes: Uint8Array;
  /** The caller computed `hash` from these very bytes (PutOptions.verified): the store does not hash them again. */
  verified?: boolean;
  /** The caller is done with `bytes` (PutOptions.handOver): the store may move their buffer instead of copying it. */
  handOver?: boolean;
}

/** Every object hash of a photo, once each. */
export function photoHashes(objects: PhotoObjects): ObjectHash[] {
  return [...new Set([objects.manifest, objects.thumb, objects.meta, ...objects.chunks])];
}

/**
 * Writes the objects as pending, `concurrency` at a time (puts of small objects that overlap share
 * the catalog's group commit). If one fails (e.g. QuotaError), the ones this call wrote are
 * deleted again before the error is rethrown; objects that were already complete stay.
 */
export async function stageObjects(store: ObjectStore, objects: ObjectToStage[], concurrency = 1): Promise<void> {
  const written: ObjectHash[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < objects.length) {
      const o = objects[next++]!;
      try {
        if ((await store.put(o.hash, o.bytes, { stage: true, ...(o.verified ? { verified: true } : {}), ...(o.handOver ? { handOver: true } : {}) })) === 'stored') written.push(o.hash);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, objects.length)) }, lane));
  if (failure) {
    for (const hash of written) await store.delete(hash);
    throw failure.error;
  }
}

/**
 * Makes a staged photo visible: in one transaction, every object it references becomes
 * complete (and gains a ref) and the photo record is written, with `settings` (vault settings
 * that must appear with the photo or not at all, e.g. its content-dedup entry). Refuses,
 * changing nothing, if any object is missing or corrupt. Committing the same photo id again
 * changes nothing. Call it after stageObjects has resolved. The store must keep its catalog in
 * this index.
 */
export async function commitPhoto(index: VaultIndex, photo: PhotoRecord, settings: Record<string, unknown> = {}): Promise<'committed' | 'exists'> {
  const tx = index.db.transaction(['photos', 'vault', ...CATALOG_STORES], 'readwrite');
  try {
    if (await tx.objectStore('photos').get(photo.id)) {
      await tx.done;
      return 'exists';
    }
    let totals = await readTotals(tx);
    for (const hash of photoHashes(photo.objects)) {
      const before = await tx.objectStore('objects').get(hash);
      if (!before || before.state === 'corrupt') {
        throw new StorageError(`cannot commit photo: object ${hash.slice(0, 16)} is ${before ? 'corrupt' : 'not stored'}`);
      }
      totals = await writeRecord(tx, totals, before, { ...before, state: 'complete', refs: before.refs + 1 });
    }
    await tx.objectStore('photos').put(photo);
    for (const [key, value] of Object.entries(settings)) await tx.objectStore('vault').put(value, key);
    await tx.done;
    return 'committed';
  } catch (e) {
    abortQuietly(tx);
    throw toStorageError(e, 'committing a photo');
  }
}
