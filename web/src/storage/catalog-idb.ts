/**
 * The object catalog in the index database: `objects` holds one record per object and `meta`
 * the running totals. Every change rewrites record and totals in one readwrite transaction (changes
 * that queue up behind a commit share the next one);
 * IndexedDB serializes those, so the quota check holds across concurrent puts and tabs.
 */
import type { IDBPTransaction } from 'idb';
import type { ObjectHash } from '../core/ids.ts';
import { checkQuota, toStorageError } from './quota.ts';
import type { IndexDb, IndexSchema, InventoryRecord } from './index-schema.ts';
import {
  emptyTotals, pendingRecord, removable, retally, withState,
  type CatalogTotals, type InlinePut, type ObjectCatalog, type ObjectRecord, type ObjectState,
} from './object-catalog.ts';

const TOTALS_KEY = 'objects.totals';
const PAGE = 500;
const ALL_AFTER: [] = [];
/** At most this many changes share one transaction. */
const GROUP_MAX = 64;

/** At most this many reads share one transaction. */
const READ_GROUP_MAX = 256;

interface PendingRead {
  store: 'objects' | 'small';
  hash: ObjectHash;
  resolve: (r: unknown) => void;
  reject: (e: unknown) => void;
}

interface PendingChange {
  what: string;
  body: (tx: CatalogTx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** A readwrite transaction that covers the catalog (and possibly more, e.g. photos). */
export type CatalogTx<Extra extends 'photos' | 'vault' = never> = IDBPTransaction<IndexSchema, ('objects' | 'meta' | 'inventory' | 'small' | Extra)[], 'readwrite'>;
/** The stores every catalog change touches. */
export const CATALOG_STORES = ['objects', 'meta', 'inventory', 'small'] as const;

/**
 * The totals as the transaction last wrote them: a group commit's 64 changes read them once, not
 * once each (every write goes through writeRecord, which keeps this up to date).
 */
const totalsIn = new WeakMap<object, CatalogTotals>();

/** Transactions whose totals the group commit writes once at the end (see #commitGroup). */
const totalsAtEnd = new WeakSet<object>();

export async function readTotals<E extends 'photos' | 'vault'>(tx: CatalogTx<E>): Promise<CatalogTotals> {
  const known = totalsIn.get(tx);
  if (known) return known;
  const totals = ((await tx.objectStore('meta').get(TOTALS_KEY)) as CatalogTotals | undefined) ?? emptyTotals();
  totalsIn.set(tx, totals);
  return totals;
}

/** Replaces `before` by `after` (either may be absent) and adjusts the totals, inside `tx`. */
export async function writeRecord<E extends 'photos' | 'vault'>(
  tx: CatalogTx<E>, totals: CatalogTotals, before: ObjectRecord | undefined, after: ObjectRecord | undefined,
): Promise<CatalogTotals> {
  const next = retally(totals, before, after);
  const wasComplete = before?.state === 'complete';
  const isComplete = after?.state === 'complete';
  // Not awaited one by one: requests of a transaction run in order, and one that fails aborts it
  // (tx.done rejects, and the caller's commit reports it).
  const writes: Array<Promise<unknown>> = [];
  if (wasComplete !== isComplete) {
    const r = (after ?? before)!;
    writes.push(tx.objectStore('inventory').add({ hash: r.hash, size: r.size, gone: wasComplete } as InventoryRecord));
  }
  // Inline bytes leave with their record (deleted, or condemned: withState drops `inline`).
  if (before?.inline && !after?.inline) writes.push(tx.objectStore('small').delete(before.hash));
  if (after) writes.push(tx.objectStore('objects').put(after));
  else if (before) writes.push(tx.objectStore('objects').delete(before.hash));
  // In a group commit the totals are written once, after the group's last change.
  if (!totalsAtEnd.has(tx)) writes.push(tx.objectStore('meta').put(next, TOTALS_KEY));
  totalsIn.set(tx, next);
  for (const w of writes) w.catch(() => undefined);
  return next;
}

/** Fewer hashes than this are read one by one (grouped), not as a bucket. */
const MANY_MIN = 8;

export class IdbCatalog implements ObjectCatalog {
  constructor(private readonly db: IndexDb) {}

  /**
   * Reads asked for while a read is under way share the next transaction (as changes do): a
   * restore checks each of thousands of objects several times, and one readonly transaction
   * per check cost the browser's IndexedDB thread more than the reads themselves.
   */
  get(hash: ObjectHash): Promise<ObjectRecord | undefined> {
    return this.#read('objects', hash) as Promise<ObjectRecord | undefined>;
  }

  /**
   * When every hash shares its first byte (a bucket of a peer's listing: a new device takes in
   * 20,000 objects in 256 buckets), one range read of that bucket instead of a read per hash: a
   * bucket holds 1/256 of the catalog, so this reads more records than asked only in a large one.
   */
  async getMany(hashes: ObjectHash[]): Promise<Array<ObjectRecord | undefined>> {
    const prefix = hashes[0]?.slice(0, 2) ?? '';
    if (hashes.length < MANY_MIN || !hashes.every((h) => h.startsWith(prefix))) return Promise.all(hashes.map((h) => this.get(h)));
    const records = await this.run('catalog read', () => this.db.getAll('objects', IDBKeyRange.bound(prefix, `${prefix}\uffff`))) as ObjectRecord[];
    const byHash = new Map(records.map((r) => [r.hash, r]));
    return hashes.map((h) => byHash.get(h));
  }

  async readInline(hash: ObjectHash): Promise<Uint8Array | undefined> {
    const buf = (await this.#read('small', hash)) as ArrayBuffer | undefined;
    return buf && new Uint8Array(buf);
  }

  /**
   * A small object in one change: record and bytes together, so it costs one transaction (in a
   * group) and no file: a restore stores tens of thousands of thumbnails and metadata objects,
   * and each had cost a reservation, a file written and moved in OPFS, and a completion.
   */
  putInline(hash: ObjectHash, bytes: Uint8Array, session: string, limitBytes: number | undefined, stage: boolean): Promise<InlinePut | undefined> {
    // Copied now: the caller may free or hand over its buffer once this resolves, and the change runs later.
    const copy = bytes.slice().buffer;
    return this.change('catalog write', async (tx) => {
      const before = await tx.objectStore('objects').get(hash);
      if (before?.state === 'complete') return { record: before, stored: false };
      if (before?.state === 'pending' && !before.inline) return undefined; // its bytes are the backend's
      const totals = await readTotals(tx);
      checkQuota(totals, before, bytes.length, limitBytes);
      const after: ObjectRecord = { ...pendingRecord(hash, bytes.length, session, before, Date.now()), state: stage ? 'pending' : 'complete', inline: true };
      void tx.objectStore('small').put(copy, hash).catch(() => undefined);
      await writeRecord(tx, totals, before, after);
      return { record: after, stored: true };
    });
  }

  #read(store: PendingRead['store'], hash: ObjectHash): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#reads.push({ store, hash, resolve, reject });
      if (!this.#reading) void this.#readGroups();
    });
  }

  readonly #reads: PendingRead[] = [];
  #reading = false;

  async #readGroups(): Promise<void> {
    this.#reading = true;
    try {
      while (this.#reads.length) {
        const group = this.#reads.splice(0, READ_GROUP_MAX);
        try {
          const tx = this.db.transaction(['objects', 'small'], 'readonly');
          const records = await Promise.all(group.map((r) => tx.objectStore(r.store).get(r.hash)));
          group.forEach((r, i) => r.resolve(records[i]));
        } catch (e) {
          const err = toStorageError(e, 'catalog read');
          for (const r of group) r.reject(err);
        }
      }
    } finally {
      this.#reading = false;
    }
  }

  reserve(hash: ObjectHash, size: number, session: string, limitBytes: number | undefined): Promise<ObjectRecord> {
    return this.change('catalog reserve', async (tx) => {
      const before = await tx.objectStore('objects').get(hash);
      if (before?.state === 'complete') return before;
      const totals = await readTotals(tx);
      checkQuota(totals, before, size, limitBytes);
      const after = pendingRecord(hash, size, session, before, Date.now());
      await writeRecord(tx, totals, before, after);
      return after;
    });
  }

  setState(hash: ObjectHash, state: ObjectState, session?: string): Promise<ObjectRecord | undefined> {
    return this.change('catalog update', async (tx) => {
      const before = await tx.objectStore('objects').get(hash);
      if (!before) return undefined;
      const after = withState(before, state, session);
      await writeRecord(tx, await readTotals(tx), before, after);
      return after;
    });
  }

  remove(hash: ObjectHash, ifPendingFor?: string): Promise<ObjectRecord | undefined> {
    return this.change('catalog delete', async (tx) => {
      const before = await tx.objectStore('objects').get(hash);
      if (!before || !removable(before, ifPendingFor)) return undefined;
      await writeRecord(tx, await readTotals(tx), before, undefined);
      return before;
    });
  }

  totals(): Promise<CatalogTotals> {
    return this.run('catalog read', async () => ((await this.db.get('meta', TOTALS_KEY)) as CatalogTotals | undefined) ?? emptyTotals());
  }

  async *inState(state: ObjectState): AsyncIterable<ObjectRecord> {
    let after: ObjectHash | undefined;
    for (;;) {
      const range = after === undefined
        ? IDBKeyRange.bound([state], [state, ALL_AFTER])
        : IDBKeyRange.bound([state, after], [state, ALL_AFTER], true, false);
      const page = await this.run('catalog read', () => this.db.getAllFromIndex('objects', 'byState', range, PAGE));
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.hash;
    }
  }

  /**
   * Runs `body` in a readwrite transaction over the catalog. Changes asked for while one is being
   * committed share the next transaction (a group commit): a restore stores thousands of small
   * objects, two changes each, and a transaction per change left both pages waiting on
   * IndexedDB's commits. Each body still sees the ones before it (reads in a transaction see its
   * writes). If any body in a group fails, the group is aborted and each body is run again in a
   * transaction of its own, so one refused reservation never undoes its neighbours' changes.
   */
  private change<T>(what: string, body: (tx: CatalogTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ what, body, resolve, reject } as PendingChange);
      if (!this.#committing) void this.#commitGroups();
    });
  }

  readonly #waiting: PendingChange[] = [];
  #committing = false;

  async #commitGroups(): Promise<void> {
    this.#committing = true;
    try {
      while (this.#waiting.length) {
        const group = this.#waiting.splice(0, GROUP_MAX);
        if (group.length === 1 || !(await this.#commitGroup(group))) {
          for (const c of group) await this.#commitAlone(c);
        }
      }
    } finally {
      this.#committing = false;
    }
  }

  /** True when every change of the group committed; false when the group was rolled back. */
  async #commitGroup(group: PendingChange[]): Promise<boolean> {
    let tx: CatalogTx;
    try {
      tx = this.db.transaction([...CATALOG_STORES], 'readwrite');
    } catch {
      return false;
    }
    const results: unknown[] = [];
    totalsAtEnd.add(tx);
    try {
      for (const c of group) results.push(await c.body(tx));
      const totals = totalsIn.get(tx);
      if (totals) void tx.objectStore('meta').put(totals, TOTALS_KEY).catch(() => undefined);
      await tx.done;
    } catch {
      abortQuietly(tx);
      return false;
    }
    group.forEach((c, i) => c.resolve(results[i]));
    return true;
  }

  async #commitAlone(c: PendingChange): Promise<void> {
    try {
      c.resolve(await this.run(c.what, async () => {
        const tx = this.db.transaction([...CATALOG_STORES], 'readwrite');
        try {
          const result = await c.body(tx);
          await tx.done;
          return result;
        } catch (e) {
          // Abort so that a refused reservation leaves no trace; then report the real cause.
          abortQuietly(tx);
          throw e;
        }
      }));
    } catch (e) {
      c.reject(e);
    }
  }

  private async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw toStorageError(e, what);
    }
  }
}

/** Aborts a transaction that may already have finished or aborted itself. */
export function abortQuietly(tx: { abort(): void; done: Promise<void> }): void {
  // Once aborted, tx.done rejects; the caller reports the original error instead.
  tx.done.catch(() => undefined);
  try {
    tx.abort();
  } catch (e) {
    // InvalidStateError: the transaction already committed or aborted; nothing to undo.
    if (!(e instanceof DOMException && e.name === 'InvalidStateError')) throw e;
  }
}
