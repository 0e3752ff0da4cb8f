/**
 * The one ObjectStore implementation: hashing, quota, object states and the orphan sweep,
 * over any ByteBackend (OPFS, IndexedDB, memory) and ObjectCatalog. Doing this once, above
 * the backends, means every backend verifies and sweeps the same way. Write protocol and
 * states: docs/storage.md ("Atomicity and sweep").
 */
import { assertBytes } from '../core/bytes.ts';
import { IntegrityError, StorageError } from '../core/errors.ts';
import { isObjectHash, type ObjectHash } from '../core/ids.ts';
import type { ByteBackend } from './byte-backend.ts';
import type { ObjectCatalog, ObjectRecord, ObjectState } from './object-catalog.ts';
import type { GetOptions, HashFn, HeldObject, ObjectStore, PutOptions, PutResult, StoreStats, SweepReport } from './object-store.ts';
import { toStorageError } from './quota.ts';
import { isSessionAlive, type Session } from './session.ts';

export interface VerifiedStoreOptions {
  backend: ByteBackend;
  catalog: ObjectCatalog;
  hash: HashFn;
  session: Session;
  quotaBytes?: number | undefined;
  /** Runs after the backend closed (e.g. closes an index the factory opened). */
  onClose?: () => void;
  /**
   * Objects up to this size are kept by the catalog itself where it can (`putInline`), not as
   * a file of their own; 0: never. Default INLINE_MAX_BYTES.
   */
  inlineMaxBytes?: number | undefined;
}

/**
 * Thumbnails (a few to ~40 KB), metadata, manifests and key bundles fit; chunks (1 MiB) do not.
 * Below Chromium's threshold for moving an IndexedDB value out to a blob file of its own (64 KiB).
 */
export const INLINE_MAX_BYTES = 48 * 1024;

// Hashes whose bytes were verified in this session, so range reads need not re-read the whole
// object each time. Bounded: forgetting only costs one more full verification.
const VERIFIED_MAX = 4096;

function assertHash(hash: unknown): asserts hash is ObjectHash {
  if (!isObjectHash(hash)) throw new RangeError('hash: expected 64 lowercase hex characters');
}

function assertSpan(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError('offset: expected a non-negative integer');
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('length: expected a non-negative integer');
}

/** Runs an undo after `primary` failed; an undo that fails too is kept on the error, not lost. */
async function undoThenThrow(primary: Error, undo: () => Promise<unknown>): Promise<never> {
  try {
    await undo();
  } catch (undoError) {
    Object.assign(primary, { undoError });
  }
  throw primary;
}

/** The catalog session of objects held for a holder (PutOptions.holdFor); no live session has a '~'. */
const HELD = '~held~';
const heldSession = (holder: string): string => HELD + holder;
const holderOf = (session: string): string | undefined => (session.startsWith(HELD) ? session.slice(HELD.length) : undefined);

export class VerifiedObjectStore implements ObjectStore {
  readonly kind: ObjectStore['kind'];
  private readonly backend: ByteBackend;
  private readonly catalog: ObjectCatalog;
  private readonly hash: HashFn;
  private readonly session: Session;
  private readonly quotaBytes: number | undefined;
  private readonly onClose: (() => void) | undefined;
  private readonly inlineMax: number;
  private readonly queues = new Map<ObjectHash, Promise<void>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly verified = new Set<ObjectHash>();
  private closed = false;

  constructor(o: VerifiedStoreOptions) {
    if (o.quotaBytes !== undefined && (!Number.isSafeInteger(o.quotaBytes) || o.quotaBytes < 0)) {
      throw new RangeError('quotaBytes: expected a non-negative integer');
    }
    this.kind = o.backend.kind;
    this.backend = o.backend;
    this.catalog = o.catalog;
    this.hash = o.hash;
    this.session = o.session;
    this.quotaBytes = o.quotaBytes;
    this.onClose = o.onClose;
    this.inlineMax = o.catalog.putInline ? (o.inlineMaxBytes ?? INLINE_MAX_BYTES) : 0;
  }

  put(hash: ObjectHash, bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    return this.track(async () => {
      assertHash(hash);
      assertBytes(bytes, undefined, 'bytes');
      // Hash outside the per-object queue: puts of different objects hash in parallel.
      if (!options?.verified && (await this.hash(bytes)) !== hash) throw new IntegrityError('object bytes do not match their hash; not stored');
      // Whom a staged object's record is pending for: this session, or a holder (never swept).
      const owner = options?.stage && options.holdFor !== undefined ? heldSession(options.holdFor) : this.session.id;
      return this.exclusive(hash, async () => {
        if (bytes.length <= this.inlineMax) {
          // Small: quota check, record and bytes in one atomic step; nothing to undo on failure.
          const done = await this.catalog.putInline!(hash, bytes, owner, this.quotaBytes, options?.stage === true);
          if (done) return done.stored ? 'stored' : 'present';
        }
        // Reserve first: the quota check and the intent record are one atomic step, before any byte is written.
        const record = await this.catalog.reserve(hash, bytes.length, owner, this.quotaBytes);
        if (record.state === 'complete') return 'present';
        try {
          await this.backend.write(hash, bytes, this.session.id, options?.handOver);
        } catch (e) {
          // Undo the reservation, and any bytes an earlier staging of ours left under this hash.
          return undoThenThrow(toStorageError(e, 'writing an object'), async () => {
            await this.backend.remove(hash);
            await this.catalog.remove(hash, owner);
          });
        }
        if (!options?.stage) await this.catalog.setState(hash, 'complete');
        return 'stored';
      });
    });
  }

  get(hash: ObjectHash, options?: GetOptions): Promise<Uint8Array | undefined> {
    return this.track(async () => {
      assertHash(hash);
      const record = await this.catalog.get(hash);
      if (!record) return undefined;
      if (record.state !== 'complete') {
        if (!(options?.held && record.state === 'pending' && holderOf(record.session) !== undefined)) return undefined;
        // Held, not yet visible: verified, but a mismatch is not condemned (no complete copy to mark).
        const bytes = await this.bytesOf(record);
        return bytes && (await this.hash(bytes)) === hash ? bytes : undefined;
      }
      const bytes = await this.bytesOf(record);
      if (bytes && options?.verify === false) return bytes;
      if (bytes && (await this.hash(bytes)) === hash) {
        this.noteVerified(hash);
        return bytes;
      }
      return this.condemn(hash, bytes ? 'bytes do not match the hash' : 'bytes are missing');
    });
  }

  /**
   * A complete object's bytes, unverified (for a peer, which verifies them itself), if they are
   * kept with its record; 'large' if they are in a file of their own. Reading a small object is
   * one catalog read, so many of them share one transaction.
   */
  getSmall(hash: ObjectHash): Promise<Uint8Array | undefined | 'large'> {
    return this.track(async () => {
      assertHash(hash);
      const record = await this.catalog.get(hash);
      if (record?.state !== 'complete') return undefined;
      return record.inline ? this.catalog.readInline!(hash) : 'large';
    });
  }

  getRange(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined> {
    return this.track(async () => {
      assertHash(hash);
      assertSpan(offset, length);
      const part = this.verified.has(hash) ? await this.backend.readRange(hash, offset, length) : undefined;
      // Not verified in this session yet (or gone since): read and verify the whole object once.
      return part ?? (await this.get(hash))?.slice(offset, offset + length);
    });
  }

  has(hash: ObjectHash): Promise<boolean> {
    return this.track(async () => {
      assertHash(hash);
      return (await this.catalog.get(hash))?.state === 'complete';
    });
  }

  hasMany(hashes: ObjectHash[]): Promise<boolean[]> {
    return this.track(async () => {
      for (const h of hashes) assertHash(h);
      const records = this.catalog.getMany ? await this.catalog.getMany(hashes) : await Promise.all(hashes.map((h) => this.catalog.get(h)));
      return records.map((r) => r?.state === 'complete');
    });
  }

  delete(hash: ObjectHash): Promise<void> {
    return this.track(async () => {
      assertHash(hash);
      await this.exclusive(hash, async () => {
        this.verified.delete(hash);
        // Pending (for this session) first: a crash before the record is gone leaves an orphan
        // the sweep removes, never bytes that no record points to.
        const record = await this.catalog.setState(hash, 'pending', this.session.id);
        if (!record) return;
        if (!record.inline) await this.removeBytes(hash); // inline bytes go with the record
        await this.catalog.remove(hash);
      });
    });
  }

  list(): AsyncIterable<ObjectHash> {
    return this.hashesIn('complete');
  }

  corrupt(): AsyncIterable<ObjectHash> {
    return this.hashesIn('corrupt');
  }

  stat(): Promise<StoreStats> {
    return this.track(async () => {
      const t = await this.catalog.totals();
      return {
        count: t.complete.count,
        bytes: t.complete.bytes,
        pendingCount: t.pending.count,
        pendingBytes: t.pending.bytes,
        corruptCount: t.corrupt.count,
        quotaBytes: this.quotaBytes,
      };
    });
  }

  sweepOrphans(): Promise<SweepReport> {
    return this.track(async () => {
      const report: SweepReport = { objects: 0, bytes: 0, tempFiles: 0 };
      const pending = [];
      // The running totals count pending records: with none (every unlock after a clean lock),
      // nothing is scanned. The scan is not free even when it finds nothing: every object stored
      // passed through 'pending', and IndexedDB (LevelDB) steps over each of those deleted index
      // entries until it compacts them: 1.1 s of an unlock at 100,000 photos (grid-100k).
      if ((await this.catalog.totals()).pending.count > 0) {
        for await (const r of this.catalog.inState('pending')) pending.push(r);
      }
      // Liveness is asked after the records were read: a session that starts later owns none of them.
      const alive = new Map<string, boolean>();
      for (const r of pending) {
        if (holderOf(r.session) !== undefined) continue; // held: its holder releases it
        if (!alive.has(r.session)) alive.set(r.session, await isSessionAlive(r.session));
        if (alive.get(r.session)) continue;
        await this.exclusive(r.hash, async () => {
          // Re-read under the queue: a put in this tab may have taken the object over meanwhile.
          const now = await this.catalog.get(r.hash);
          if (now?.state !== 'pending' || now.session !== r.session) return;
          // Bytes first: a crash in between leaves the record, and the next sweep finishes the job.
          if (!now.inline) await this.removeBytes(r.hash);
          if (await this.catalog.remove(r.hash, r.session)) {
            report.objects += 1;
            report.bytes += r.size;
          }
        });
      }
      report.tempFiles = await this.backend.sweepTemp(isSessionAlive);
      return report;
    });
  }

  async *held(): AsyncIterable<HeldObject> {
    if (this.closed) throw new StorageError('object store is closed');
    if ((await this.catalog.totals()).pending.count === 0) return;
    for await (const r of this.catalog.inState('pending')) {
      const holder = holderOf(r.session);
      if (holder !== undefined) yield { hash: r.hash, holder };
    }
  }

  releaseHeld(hash: ObjectHash, holder: string): Promise<boolean> {
    return this.track(async () => {
      assertHash(hash);
      const session = heldSession(holder);
      return this.exclusive(hash, async () => {
        const record = await this.catalog.get(hash);
        if (record?.state !== 'pending' || record.session !== session) return false;
        // Bytes first: a crash in between leaves the held record, released again next time.
        if (!record.inline) await this.removeBytes(hash);
        return (await this.catalog.remove(hash, session)) !== undefined;
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let writes in flight finish, so no temp file or reservation is cut off mid-way.
    await Promise.allSettled([...this.inflight]);
    this.session.close();
    await this.backend.close();
    this.onClose?.();
  }

  /** Marks a complete object whose bytes failed verification as corrupt and drops its bytes. */
  private condemn(hash: ObjectHash, why: string): Promise<undefined> {
    return this.exclusive(hash, async () => {
      // Deleted (or already condemned) since our read: that is not corruption.
      const record = await this.catalog.get(hash);
      if (record?.state !== 'complete') return undefined;
      this.verified.delete(hash);
      await this.catalog.setState(hash, 'corrupt'); // drops inline bytes with it
      if (!record.inline) await this.removeBytes(hash);
      throw new IntegrityError(`object ${hash.slice(0, 16)}: ${why}; marked corrupt`);
    });
  }

  /** Where a complete record's bytes are: with the record (inline) or in the backend. */
  private bytesOf(record: ObjectRecord): Promise<Uint8Array | undefined> {
    return record.inline ? this.catalog.readInline!(record.hash) : this.backend.read(record.hash);
  }

  private async removeBytes(hash: ObjectHash): Promise<void> {
    try {
      await this.backend.remove(hash);
    } catch (e) {
      throw toStorageError(e, 'deleting an object');
    }
  }

  private async *hashesIn(state: ObjectState): AsyncIterable<ObjectHash> {
    if (this.closed) throw new StorageError('object store is closed');
    for await (const r of this.catalog.inState(state)) yield r.hash;
  }

  private noteVerified(hash: ObjectHash): void {
    if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
    this.verified.add(hash);
  }

  /** Runs `fn` after every earlier operation on the same object has settled. */
  private exclusive<T>(hash: ObjectHash, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(hash) ?? Promise.resolve();
    const result = previous.then(fn);
    // The queue only orders operations; each caller gets its own result or error from `result`.
    const settled = result.then(() => undefined, () => undefined);
    this.queues.set(hash, settled);
    void settled.then(() => {
      if (this.queues.get(hash) === settled) this.queues.delete(hash);
    });
    return result;
  }

  /** Refuses work after close and remembers work in flight, so close() can wait for it. */
  private track<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError('object store is closed'));
    const p = op();
    this.inflight.add(p);
    const forget = () => this.inflight.delete(p);
    void p.then(forget, forget);
    return p;
  }
}
