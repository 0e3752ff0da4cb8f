/**
 * The catalog: what the store knows about each object (size, state, who is writing it) and
 * running totals, so stat() and the quota check never scan. In the browser it is the index's
 * `objects` store (catalog-idb.ts), so that commitPhoto can flip objects to complete in the
 * same IndexedDB transaction that makes the photo visible. See docs/storage.md.
 */
import type { ObjectHash } from '../core/ids.ts';

/**
 * pending: space reserved, bytes being written or staged, not yet committed (swept when its
 * session dies); complete: durable and visible; corrupt: failed verification, bytes dropped.
 */
export type ObjectState = 'pending' | 'complete' | 'corrupt';

export interface ObjectRecord {
  hash: ObjectHash;
  size: number;
  state: ObjectState;
  /** The session that last reserved the object; meaningful while pending. */
  session: string;
  /** Committed photos that reference the object (commitPhoto adds one each). */
  refs: number;
  createdAt: number;
  /** The bytes are kept by the catalog itself (a small object: `putInline`), not by the byte backend. */
  inline?: true;
}

/** What `putInline` did: `stored` false when a complete copy was already there (`record` is it). */
export interface InlinePut {
  record: ObjectRecord;
  stored: boolean;
}

export interface Tally {
  count: number;
  bytes: number;
}

export type CatalogTotals = Record<ObjectState, Tally>;

export interface ObjectCatalog {
  get(hash: ObjectHash): Promise<ObjectRecord | undefined>;
  /**
   * Optional: the records of many objects at once (in order). Hashes that share their first
   * byte (a peer's inventory bucket) are read with one range read of that bucket.
   */
  getMany?(hashes: ObjectHash[]): Promise<Array<ObjectRecord | undefined>>;
  /**
   * Atomically: a complete object is returned untouched; otherwise the object is recorded as
   * pending for `session` (the intent to write), if its size fits under `limitBytes` together
   * with everything complete or pending — else QuotaError and nothing changes.
   */
  reserve(hash: ObjectHash, size: number, session: string, limitBytes: number | undefined): Promise<ObjectRecord>;
  /**
   * Moves an existing record to `state` (back to pending, for `session`, marks the intent to
   * delete); a missing record stays missing. Returns the new record.
   */
  setState(hash: ObjectHash, state: ObjectState, session?: string): Promise<ObjectRecord | undefined>;
  /**
   * Deletes the record and returns what it was. With `ifPendingFor`, only a record still
   * pending for that session is deleted (the sweep must not take one another tab reserved since).
   */
  remove(hash: ObjectHash, ifPendingFor?: string): Promise<ObjectRecord | undefined>;
  totals(): Promise<CatalogTotals>;
  /**
   * Optional, for catalogs that can keep a small object's bytes beside its record: in ONE atomic
   * step, the quota check, the record (complete, or pending for `session` when `stage`) and the
   * bytes. A complete object is returned untouched (`stored` false). `undefined`: not taken
   * (another writer's pending bytes are in the backend), use reserve + backend write instead.
   */
  putInline?(hash: ObjectHash, bytes: Uint8Array, session: string, limitBytes: number | undefined, stage: boolean): Promise<InlinePut | undefined>;
  /** The bytes `putInline` kept, or `undefined`. */
  readInline?(hash: ObjectHash): Promise<Uint8Array | undefined>;
  /** Records in `state`, in hash order, read in pages (no transaction spans the caller's awaits). */
  inState(state: ObjectState): AsyncIterable<ObjectRecord>;
}

/** Whether `remove(hash, ifPendingFor)` may delete this record. */
export const removable = (r: ObjectRecord, ifPendingFor: string | undefined): boolean =>
  ifPendingFor === undefined || (r.state === 'pending' && r.session === ifPendingFor);

export const emptyTotals = (): CatalogTotals => ({
  pending: { count: 0, bytes: 0 },
  complete: { count: 0, bytes: 0 },
  corrupt: { count: 0, bytes: 0 },
});

/** The totals after a record changes from `before` to `after` (either may be absent). */
export function retally(totals: CatalogTotals, before: ObjectRecord | undefined, after: ObjectRecord | undefined): CatalogTotals {
  const next: CatalogTotals = {
    pending: { ...totals.pending },
    complete: { ...totals.complete },
    corrupt: { ...totals.corrupt },
  };
  if (before) {
    next[before.state].count -= 1;
    next[before.state].bytes -= before.size;
  }
  if (after) {
    next[after.state].count += 1;
    next[after.state].bytes += after.size;
  }
  return next;
}

/** Bytes that count toward a quota: complete and pending objects (corrupt ones were dropped). */
export const usedBytes = (t: CatalogTotals): number => t.complete.bytes + t.pending.bytes;

/** `before` moved to `state`; a move to pending takes the session that now owns the record. */
export function withState(before: ObjectRecord, state: ObjectState, session: string | undefined): ObjectRecord {
  const after: ObjectRecord = { ...before, state, session: session ?? before.session };
  if (state === 'corrupt') delete after.inline; // a condemned object's bytes go with the verdict
  return after;
}

/** The record `reserve` writes for an object that is absent, pending or corrupt. */
export function pendingRecord(hash: ObjectHash, size: number, session: string, before: ObjectRecord | undefined, now: number): ObjectRecord {
  return { hash, size, state: 'pending', session, refs: before?.refs ?? 0, createdAt: before?.createdAt ?? now };
}
