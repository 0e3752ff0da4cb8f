/**
 * The object store: immutable ciphertext addressed by its BLAKE3-256 hash. A narrow, byte-level
 * seam (like automerge-repo's storage adapter); it knows bytes and hashes, never meaning.
 * Design notes: docs/storage.md.
 */
import type { ObjectHash } from '../core/ids.ts';

/**
 * Hashes bytes to their address. Injected so that storage never imports a crypto library:
 * the composition root passes the crypto layer's BLAKE3, tests pass their own.
 */
export type HashFn = (bytes: Uint8Array) => Promise<ObjectHash>;

/** Where the bytes live. The index (idb) is separate and the same for all three. */
export type StoreKind = 'opfs' | 'idb' | 'memory';

export interface PutOptions {
  /**
   * Keep the object "pending" (invisible to has/get/list) until `commitPhoto` makes it
   * complete. Pending objects of a session that ended without committing are swept.
   */
  stage?: boolean;
  /**
   * The caller hashed exactly these bytes against `hash` just now (replication's receiver does,
   * before it stores): skip hashing them a second time.
   */
  verified?: boolean;
  /**
   * The caller is done with `bytes` (replication's receiver, once it has verified them): the
   * store may move their buffer to its writer thread instead of copying it, which leaves the
   * caller's view detached (length 0).
   */
  handOver?: boolean;
  /**
   * With `stage`: the object is held for `holdFor` (e.g. a file waiting in the upload queue)
   * rather than for this session. A held object is never swept as an orphan: it stays pending,
   * across reloads, until it is committed or its holder releases it (`releaseHeld`).
   */
  holdFor?: string;
}

/** A pending object kept for a holder (PutOptions.holdFor). */
export interface HeldObject {
  hash: ObjectHash;
  holder: string;
}

export interface GetOptions {
  /**
   * false: return the stored bytes without hashing them, for a reader that verifies them itself
   * (a peer receiving them). Default true.
   */
  verify?: boolean;
  /** Also return an object still pending for a holder (PutOptions.holdFor), verified. Default false. */
  held?: boolean;
}

/** `stored`: the bytes were written now; `present`: an identical complete object was already there. */
export type PutResult = 'stored' | 'present';

export interface StoreStats {
  /** Complete objects: what has/get/list see. */
  count: number;
  bytes: number;
  /** Staged or half-written objects; they occupy space and count toward the quota. */
  pendingCount: number;
  pendingBytes: number;
  /** Objects whose bytes failed verification; their bytes are gone, replication should re-fetch. */
  corruptCount: number;
  /** The per-store byte limit, if one is set (relays). */
  quotaBytes: number | undefined;
}

export interface SweepReport {
  /** Pending objects of dead sessions that were deleted (record and bytes). */
  objects: number;
  bytes: number;
  /** Temporary files of interrupted writes that were deleted (OPFS only). */
  tempFiles: number;
}

export interface ObjectStore {
  readonly kind: StoreKind;
  /**
   * Stores `bytes` under `hash`. Refuses (IntegrityError) bytes whose hash differs and
   * (QuotaError) a write that would exceed the quota, in both cases before writing anything.
   * Resolves once the bytes are durable.
   */
  put(hash: ObjectHash, bytes: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /**
   * The object's bytes, verified against the hash on every read; `undefined` if it is not
   * stored (or still pending). On a mismatch the object is marked corrupt, its bytes are
   * dropped and IntegrityError is thrown: corrupt bytes are never returned.
   */
  get(hash: ObjectHash, options?: GetOptions): Promise<Uint8Array | undefined>;
  /**
   * `length` bytes from `offset` (clipped at the end), for resumable transfers. The whole
   * object is verified on the first range read in a session; see docs/storage.md.
   */
  getRange(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined>;
  /**
   * A complete object's bytes, NOT verified (for a peer, which verifies what it receives), if
   * they are kept with its record (small objects); 'large' if they are in a file of their own.
   */
  getSmall(hash: ObjectHash): Promise<Uint8Array | undefined | 'large'>;
  has(hash: ObjectHash): Promise<boolean>;
  /** `has` of each, in order; hashes of one inventory bucket cost one read. */
  hasMany(hashes: ObjectHash[]): Promise<boolean[]>;
  /** Removes the object in any state; a missing object is not an error. */
  delete(hash: ObjectHash): Promise<void>;
  /** Every complete object. */
  list(): AsyncIterable<ObjectHash>;
  /** Objects found corrupt, to be fetched again from a peer. */
  corrupt(): AsyncIterable<ObjectHash>;
  stat(): Promise<StoreStats>;
  /** Deletes pending objects and temp files left by sessions that are no longer running (held objects stay). */
  sweepOrphans(): Promise<SweepReport>;
  /** Every object still pending for a holder (PutOptions.holdFor), with its holder. */
  held(): AsyncIterable<HeldObject>;
  /**
   * Deletes the object if it is still pending for `holder`; a committed one (or one held for
   * someone else) stays. Returns whether it was deleted.
   */
  releaseHeld(hash: ObjectHash, holder: string): Promise<boolean>;
  /** Waits for writes in flight, then releases the backend (and the index, if the store opened it). */
  close(): Promise<void>;
}
