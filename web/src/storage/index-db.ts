/**
 * The index: typed access to the records of index-schema.ts. Generic get/put/delete cover the
 * simple stores; the few range queries replication and the vault need are named methods.
 * Photos are written only by commitPhoto (commit.ts) and object records only by the object
 * store, so the generic writers exclude those stores.
 */
import { openDB, type StoreKey, type StoreValue } from 'idb';
import type { AlbumId, ObjectHash, PhotoId } from '../core/ids.ts';
import { storageNames } from './layout.ts';
import { toStorageError } from './quota.ts';
import {
  INDEX_VERSION, upgradeIndex,
  type AckRecord, type IndexDb, type IndexSchema, type PhotoRecord, type PhotoState,
} from './index-schema.ts';

/** Stores that other layers read through `get`/`all`. */
export type RecordStore = 'members' | 'albums' | 'photos' | 'ops' | 'peers' | 'jobs' | 'acks';
/** Stores that other layers write through `put`/`delete` (photos go through commitPhoto). */
export type WritableStore = Exclude<RecordStore, 'photos'>;

// Arrays sort after every string and number, so [x, []] bounds "every key that starts with x".
const ALL_AFTER: [] = [];

export class VaultIndex {
  /** The open database: storage-internal (catalog, commit); other layers use the methods. */
  readonly db: IndexDb;

  constructor(db: IndexDb) {
    this.db = db;
  }

  async get<S extends RecordStore>(store: S, key: StoreKey<IndexSchema, S>): Promise<StoreValue<IndexSchema, S> | undefined> {
    return this.run(`index get ${store}`, () => this.db.get(store, key));
  }

  async all<S extends RecordStore>(store: S): Promise<StoreValue<IndexSchema, S>[]> {
    return this.run(`index read ${store}`, () => this.db.getAll(store));
  }

  async put<S extends WritableStore>(store: S, value: StoreValue<IndexSchema, S>): Promise<void> {
    await this.run(`index put ${store}`, () => this.db.put(store, value));
  }

  async delete<S extends WritableStore>(store: S, key: StoreKey<IndexSchema, S>): Promise<void> {
    await this.run(`index delete ${store}`, () => this.db.delete(store, key));
  }

  async getSetting<T>(key: string): Promise<T | undefined> {
    return this.run('index read setting', async () => (await this.db.get('vault', key)) as T | undefined);
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    await this.run('index write setting', () => this.db.put('vault', value, key));
  }

  /** Every photo record of an album (active and removed), in photo id order. */
  async photosInAlbum(album: AlbumId): Promise<PhotoRecord[]> {
    const range = IDBKeyRange.bound([album], [album, ALL_AFTER]);
    return this.run('index read photos', () => this.db.getAllFromIndex('photos', 'byAlbum', range));
  }

  /** Marks a committed photo active or removed; false if there is no such photo. */
  async setPhotoState(id: PhotoId, state: PhotoState): Promise<boolean> {
    return this.run('index write photo', async () => {
      const tx = this.db.transaction('photos', 'readwrite');
      const photo = await tx.store.get(id);
      if (photo) await tx.store.put({ ...photo, state });
      await tx.done;
      return photo !== undefined;
    });
  }

  /** Which peers acked an object. */
  async acksFor(hash: ObjectHash): Promise<AckRecord[]> {
    return this.run('index read acks', () => this.db.getAll('acks', IDBKeyRange.bound([hash], [hash, ALL_AFTER])));
  }

  close(): void {
    this.db.close();
  }

  private async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw toStorageError(e, what);
    }
  }
}

/** Opens (creating or upgrading) the index of the store called `name`. */
export async function openIndex(name: string): Promise<VaultIndex> {
  const { indexDb } = storageNames(name);
  try {
    const db = await openDB<IndexSchema>(indexDb, INDEX_VERSION, {
      upgrade: upgradeIndex,
      // Another tab wants a newer schema: step aside rather than block its upgrade forever.
      // This tab's later calls fail with StorageError and its next start uses the new schema.
      blocking: () => db.close(),
    });
    return new VaultIndex(db);
  } catch (e) {
    throw toStorageError(e, 'opening the index');
  }
}
