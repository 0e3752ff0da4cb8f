/**
 * Object bytes in IndexedDB: the fallback where OPFS sync access handles are missing (older
 * Safari, some private modes). One record per object, keyed by hash. Values are exact
 * ArrayBuffers, not Blobs: Blobs in IndexedDB fail in some WebKit storage modes, and a
 * Uint8Array view would drag its whole underlying buffer into the record.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { toArrayBuffer } from '../core/bytes.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { ByteBackend } from './byte-backend.ts';
import { storageNames } from './layout.ts';
import { toStorageError } from './quota.ts';

export interface ObjectBytesSchema extends DBSchema {
  bytes: { key: ObjectHash; value: ArrayBuffer };
}

const VERSION = 1;

export class IdbBackend implements ByteBackend {
  readonly kind = 'idb' as const;

  private constructor(private readonly db: IDBPDatabase<ObjectBytesSchema>) {}

  static async open(name: string): Promise<IdbBackend> {
    try {
      const db = await openDB<ObjectBytesSchema>(storageNames(name).objectsDb, VERSION, {
        upgrade(database, oldVersion) {
          // One step per version, as in index-schema.ts.
          for (let from = oldVersion; from < VERSION; from++) {
            if (from === 0) database.createObjectStore('bytes');
          }
        },
        blocking: () => db.close(),
      });
      return new IdbBackend(db);
    } catch (e) {
      throw toStorageError(e, 'opening the IndexedDB object store');
    }
  }

  // A single put is atomic and durable once its transaction completes: no temp files needed.
  async write(hash: ObjectHash, bytes: Uint8Array): Promise<void> {
    try {
      await this.db.put('bytes', toArrayBuffer(bytes), hash);
    } catch (e) {
      throw toStorageError(e, 'writing an object');
    }
  }

  async read(hash: ObjectHash): Promise<Uint8Array | undefined> {
    try {
      const buf = await this.db.get('bytes', hash);
      return buf && new Uint8Array(buf);
    } catch (e) {
      throw toStorageError(e, 'reading an object');
    }
  }

  async readRange(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined> {
    return (await this.read(hash))?.slice(offset, offset + length);
  }

  async remove(hash: ObjectHash): Promise<void> {
    try {
      await this.db.delete('bytes', hash);
    } catch (e) {
      throw toStorageError(e, 'deleting an object');
    }
  }

  sweepTemp(): Promise<number> {
    return Promise.resolve(0);
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
