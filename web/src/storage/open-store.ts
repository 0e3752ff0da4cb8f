/**
 * openObjectStore: the composition of a store. Picks where bytes live (OPFS if the browser's
 * sync access handles work, else IndexedDB; memory on request), puts the catalog in the index, and
 * sweeps orphans of earlier sessions. The first choice is recorded in the index and kept:
 * falling back to IndexedDB later would hide every object already in OPFS.
 */
import { StorageError, isStorageError } from '../core/errors.ts';
import { IdbBackend } from './backend-idb.ts';
import { MemoryBackend } from './backend-memory.ts';
import { OpfsBackend } from './backend-opfs.ts';
import type { ByteBackend } from './byte-backend.ts';
import { IdbCatalog } from './catalog-idb.ts';
import { MemoryCatalog } from './catalog-memory.ts';
import { openIndex, type VaultIndex } from './index-db.ts';
import type { ObjectCatalog } from './object-catalog.ts';
import type { HashFn, ObjectStore, StoreKind } from './object-store.ts';
import { openSession } from './session.ts';
import { VerifiedObjectStore } from './verified-store.ts';

const BACKEND_KEY = 'objects.backend';

export interface OpenObjectStoreOptions {
  /** The vault id (or "relay"): separates stores, quotas and indexes on one origin. */
  name: string;
  /** BLAKE3-256 of the bytes, from the crypto layer (tests inject their own). */
  hash: HashFn;
  /** Default 'opfs' (falling back to 'idb'). 'memory' keeps nothing across a reload. */
  preferred?: StoreKind;
  /** Per-store byte limit (relays): a put that would pass it fails with QuotaError. */
  quotaBytes?: number;
  /** The index that holds the catalog; opened (and closed with the store) if not given. */
  index?: VaultIndex;
  /** Sweep orphans of earlier sessions before returning (default true). */
  sweep?: boolean;
  /** Told why OPFS was not used when it was preferred (for the Storage page and logs). */
  onFallback?: (reason: StorageError) => void;
  /** Small objects up to this size live in the index beside their record (default INLINE_MAX_BYTES; 0: none). */
  inlineMaxBytes?: number;
}

async function openBackend(o: OpenObjectStoreOptions, recorded: StoreKind | undefined): Promise<ByteBackend> {
  const kind = recorded ?? o.preferred ?? 'opfs';
  if (kind === 'memory') return new MemoryBackend();
  if (kind === 'idb') return IdbBackend.open(o.name);
  try {
    return await OpfsBackend.open(o.name);
  } catch (e) {
    // Once objects live in OPFS, a failure to open it is an error, not a reason to switch.
    if (recorded === 'opfs' || !isStorageError(e)) throw e;
    o.onFallback?.(e as StorageError);
    return IdbBackend.open(o.name);
  }
}

export async function openObjectStore(o: OpenObjectStoreOptions): Promise<ObjectStore> {
  const session = await openSession();
  const memoryOnly = o.preferred === 'memory' && !o.index;
  let index: VaultIndex | undefined;
  let backend: ByteBackend | undefined;
  try {
    index = memoryOnly ? undefined : (o.index ?? (await openIndex(o.name)));
    const recorded = index && o.preferred !== 'memory' ? ((await index.db.get('meta', BACKEND_KEY)) as StoreKind | undefined) : undefined;
    backend = await openBackend(o, recorded);
    if (index && !recorded && backend.kind !== 'memory') await index.db.put('meta', backend.kind, BACKEND_KEY);
    const catalog: ObjectCatalog = index ? new IdbCatalog(index.db) : new MemoryCatalog();
    const ownIndex = o.index ? undefined : index;
    const store = new VerifiedObjectStore({
      backend, catalog, hash: o.hash, session, quotaBytes: o.quotaBytes, inlineMaxBytes: o.inlineMaxBytes, onClose: () => ownIndex?.close(),
    });
    if (o.sweep !== false) await store.sweepOrphans();
    return store;
  } catch (e) {
    session.close();
    await backend?.close();
    if (!o.index) index?.close();
    throw e;
  }
}
