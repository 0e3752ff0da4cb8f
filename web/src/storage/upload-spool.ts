/**
 * The upload spool: files a person picked, kept (as the caller's ciphertext) until the ingest
 * pipeline has made photos of them, so a reload, a crash or a lock in the middle of a batch
 * loses nothing. One IndexedDB database per vault (layout.ts `uploadsDb`): `entries` in the
 * order they were added, and their `parts` (byte chunks) keyed [entry, index]. It knows bytes and
 * keys, not meaning: the vault layer encrypts what goes in (vault/upload-queue.ts).
 *
 * An entry becomes visible only once all its parts are written (its `parts` count is set last);
 * one cut short by a reload is swept at the next open, with its parts. An entry can instead name
 * bytes kept elsewhere (`held`: the upload queue keeps a picked file's chunks in the object
 * store, held for the entry, so they are written once: vault/upload-queue.ts).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { toArrayBuffer } from '../core/bytes.ts';
import { storageNames } from './layout.ts';
import { toStorageError } from './quota.ts';

export interface SpoolEntry {
  id: number;
  /** Which album the file goes to (an album id, as in the index). */
  album: string;
  /** The caller's sealed description of the file (opaque here). */
  header: Uint8Array;
  /** Number of parts; -1 while they are being written. */
  parts: number;
  /** Bytes of all parts. */
  bytes: number;
  addedAt: number;
  /** Each part's digest, in order, when the caller gave one for every part (opaque here). */
  digests?: string[];
  /** The entry's bytes are not parts here but kept elsewhere under these names (addHeld; opaque here). */
  held?: string[];
}

/** One part to write, with the caller's digest of it if it has one. */
export interface SpoolPart {
  bytes: Uint8Array;
  digest?: string;
}

interface SpoolSchema extends DBSchema {
  entries: { key: number; value: Omit<SpoolEntry, 'id'> & { id?: number } };
  parts: { key: [number, number]; value: ArrayBuffer };
}

const VERSION = 1;

export class UploadSpool {
  private constructor(private readonly db: IDBPDatabase<SpoolSchema>) {}

  static async open(name: string): Promise<UploadSpool> {
    try {
      const db = await openDB<SpoolSchema>(storageNames(name).uploadsDb, VERSION, {
        upgrade(database, oldVersion) {
          for (let from = oldVersion; from < VERSION; from++) {
            if (from === 0) {
              database.createObjectStore('entries', { keyPath: 'id', autoIncrement: true });
              database.createObjectStore('parts');
            }
          }
        },
        blocking: () => db.close(),
      });
      return new UploadSpool(db);
    } catch (e) {
      throw toStorageError(e, 'opening the upload queue');
    }
  }

  /** Writes an entry and its parts; resolves with its id once all of it is durable. */
  async add(album: string, header: Uint8Array, parts: AsyncIterable<SpoolPart>): Promise<number> {
    let id: number | undefined;
    try {
      id = (await this.db.add('entries', { album, header, parts: -1, bytes: 0, addedAt: Date.now() })) as number;
      let n = 0;
      let bytes = 0;
      const digests: string[] = [];
      for await (const p of parts) {
        await this.db.put('parts', toArrayBuffer(p.bytes), [id, n++]);
        bytes += p.bytes.length;
        if (p.digest !== undefined) digests.push(p.digest);
      }
      await this.db.put('entries', { id, album, header, parts: n, bytes, addedAt: Date.now(), ...(digests.length === n ? { digests } : {}) });
      return id;
    } catch (e) {
      if (id !== undefined) await this.remove(id).catch(() => undefined); // what was written of it goes
      throw toStorageError(e, 'saving a file for upload');
    }
  }

  /**
   * Writes an entry whose bytes the caller keeps elsewhere (objects held for it in the object
   * store): `write` is given the entry's id, stores the bytes, and returns their names. The entry
   * becomes visible once it has. If `write` fails, the entry goes (what it stored is the caller's).
   */
  async addHeld(album: string, header: Uint8Array, write: (id: number) => Promise<{ held: string[]; bytes: number }>): Promise<number> {
    let id: number | undefined;
    try {
      id = (await this.db.add('entries', { album, header, parts: -1, bytes: 0, addedAt: Date.now() })) as number;
      const { held, bytes } = await write(id);
      await this.db.put('entries', { id, album, header, parts: 0, bytes, addedAt: Date.now(), held });
      return id;
    } catch (e) {
      if (id !== undefined) await this.remove(id).catch(() => undefined);
      throw toStorageError(e, 'saving a file for upload');
    }
  }

  /** Complete entries, oldest first. */
  async list(): Promise<SpoolEntry[]> {
    try {
      return (await this.db.getAll('entries')).filter((e) => e.parts >= 0) as SpoolEntry[];
    } catch (e) {
      throw toStorageError(e, 'reading the upload queue');
    }
  }

  /** The parts of an entry, in order, read one at a time. */
  async *read(entry: Pick<SpoolEntry, 'id' | 'parts'>): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < entry.parts; i++) {
      let buf: ArrayBuffer | undefined;
      try {
        buf = await this.db.get('parts', [entry.id, i]);
      } catch (e) {
        throw toStorageError(e, 'reading a file saved for upload');
      }
      if (!buf) throw toStorageError(new Error(`part ${i} of ${entry.parts} is missing`), 'reading a file saved for upload');
      yield new Uint8Array(buf);
    }
  }

  /** Deletes an entry and its parts in one transaction. */
  async remove(id: number): Promise<void> {
    try {
      const tx = this.db.transaction(['entries', 'parts'], 'readwrite');
      await Promise.all([
        tx.objectStore('entries').delete(id),
        tx.objectStore('parts').delete(IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER])),
        tx.done,
      ]);
    } catch (e) {
      throw toStorageError(e, 'removing a file from the upload queue');
    }
  }

  /** Removes entries cut short while being written (a reload mid-save), and parts of no entry. */
  async sweep(): Promise<number> {
    try {
      const entries = await this.db.getAll('entries');
      const keep = new Set(entries.filter((e) => e.parts >= 0).map((e) => e.id!));
      const cut = entries.filter((e) => e.parts < 0).map((e) => e.id!);
      for (const id of cut) await this.remove(id);
      let orphans = 0;
      const tx = this.db.transaction('parts', 'readwrite');
      for (let c = await tx.store.openKeyCursor(); c; c = await c.continue()) {
        if (!keep.has(c.key[0])) {
          await tx.store.delete(c.key);
          orphans++;
        }
      }
      await tx.done;
      return cut.length + orphans;
    } catch (e) {
      throw toStorageError(e, 'tidying the upload queue');
    }
  }

  close(): void {
    this.db.close();
  }
}
