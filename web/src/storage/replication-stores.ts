/**
 * The index's stores in the shapes replication needs (web/src/replication/ports.ts): the
 * inventory log (appended by the catalog in the same transaction that completes an object), the
 * op log keyed [log, author, seq], transfer jobs, acks, and small settings. Structural types
 * only: storage knows bytes and keys, replication gives them meaning (layers: CONVENTIONS.md).
 */
import { toBase64Url } from '../core/bytes.ts';
import { StorageError } from '../core/errors.ts';
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type { VaultIndex } from './index-db.ts';
import type { IDBPTransaction } from 'idb';
import type { IndexSchema, InventoryRecord, JobRecord, OpRecord } from './index-schema.ts';
import { abortQuietly } from './catalog-idb.ts';
import { toStorageError } from './quota.ts';

const INVENTORY_ID = 'inventory.id';

type WriteTx = IDBPTransaction<IndexSchema, ['jobs', 'acks'], 'readwrite'>;
interface PendingWrite {
  what: string;
  apply: (tx: WriteTx) => Promise<unknown> | Array<Promise<unknown>>;
  resolve: () => void;
  reject: (e: unknown) => void;
}
const ALL_AFTER: [] = [];
/** How many acks IdbReplicationStores remembers having written (see #acked). */
const ACKS_KNOWN = 200_000;

export class IdbReplicationStores {
  readonly #index: VaultIndex;
  constructor(index: VaultIndex) {
    this.#index = index;
  }

  get #db() {
    return this.#index.db;
  }

  async #run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw toStorageError(e, what);
    }
  }

  // ── inventory ──────────────────────────────────────────────────────────────────────────

  /** A random id for this log, made once; a wiped store gets a new one (peers reset cursors). */
  inventoryId(): Promise<string> {
    return this.#run('inventory id', async () => {
      const tx = this.#db.transaction('meta', 'readwrite');
      let id = (await tx.store.get(INVENTORY_ID)) as string | undefined;
      if (!id) {
        id = toBase64Url(crypto.getRandomValues(new Uint8Array(12)));
        await tx.store.put(id, INVENTORY_ID);
      }
      await tx.done;
      return id;
    });
  }

  inventorySince(after: number, limit: number): Promise<InventoryRecord[]> {
    return this.#run('inventory read', () => this.#db.getAll('inventory', IDBKeyRange.lowerBound(after, true), limit));
  }

  // ── ops ────────────────────────────────────────────────────────────────────────────────

  /** log → author → highest contiguous seq (appends are contiguous, so the last one). */
  /**
   * Each (log, author)'s highest seq, in two seeks per pair rather than a step per op: a forward
   * key cursor lands on a pair's first op and jumps past the pair; a reverse cursor over just that
   * pair's range reads its last. (A reverse cursor's continue(key) is not a seek in every engine.)
   */
  opVector(): Promise<Map<string, Map<string, number>>> {
    return this.#run('op vector', async () => {
      const v = new Map<string, Map<string, number>>();
      const store = this.#db.transaction('ops').store;
      let cursor = await store.openKeyCursor();
      while (cursor) {
        const [log, author] = cursor.key;
        const last = await store.openKeyCursor(IDBKeyRange.bound([log, author, -Infinity], [log, author, Infinity]), 'prev');
        let m = v.get(log);
        if (!m) v.set(log, (m = new Map()));
        m.set(author, last ? last.key[2] : 0);
        // Keys sort by (log, author, seq): the first key past [log, author, +∞] is the next pair's first.
        const past: [string, string, number] = [log, author, Infinity];
        cursor = await cursor.continue(past);
      }
      return v;
    });
  }

  opGet(log: string, author: string, seq: number): Promise<OpRecord | undefined> {
    return this.#run('op read', () => this.#db.get('ops', [log, author, seq]));
  }

  opsSince(log: string, author: string, after: number, limit: number): Promise<OpRecord[]> {
    return this.#run('op read', () => this.#db.getAll('ops', IDBKeyRange.bound([log, author, after], [log, author, Infinity], true, false), limit));
  }

  /** Appends an op whose seq is exactly the held max + 1 (checked in the same transaction). */
  opAppend(op: OpRecord): Promise<void> {
    return this.opAppendMany([op]);
  }

  /**
   * Appends ops in one transaction, all or none: each (log, author)'s first op must follow the
   * held max and the rest follow each other (a batch from a peer: one transaction, not one per op).
   */
  opAppendMany(ops: OpRecord[]): Promise<void> {
    return this.#run('op append', async () => {
      const tx = this.#db.transaction('ops', 'readwrite');
      const next = new Map<string, number>();
      for (const op of ops) {
        const pair = JSON.stringify([op.log, op.author]);
        let want = next.get(pair);
        if (want === undefined) {
          const last = await tx.store.openKeyCursor(IDBKeyRange.bound([op.log, op.author, 0], [op.log, op.author, Infinity]), 'prev');
          want = (last ? last.key[2] : 0) + 1;
        }
        if (op.seq !== want) {
          abortQuietly(tx);
          throw new StorageError(`op ${op.log}/${op.author.slice(0, 8)}#${op.seq} does not follow #${want - 1}`);
        }
        next.set(pair, want + 1);
        tx.store.add(op).catch(() => undefined); // a failed add aborts the transaction: tx.done rejects
      }
      await tx.done;
    });
  }

  // ── jobs ───────────────────────────────────────────────────────────────────────────────

  jobsAll(): Promise<JobRecord[]> {
    return this.#run('jobs read', () => this.#db.getAll('jobs'));
  }
  jobPut(job: JobRecord): Promise<void> {
    return this.#write('job write', (tx) => tx.objectStore('jobs').put(job));
  }
  jobDelete(id: string): Promise<void> {
    return this.#write('job delete', (tx) => tx.objectStore('jobs').delete(id));
  }

  // ── acks ───────────────────────────────────────────────────────────────────────────────

  /**
   * Acks this page wrote (or found) and has not removed since, per peer: the same knowledge
   * usually arrives twice (a peer's inventory lists an object, then its ack or its data proves
   * it again), and a restore wrote every ack twice (20,000 objects: 40,000 puts). Bounded: past
   * ACKS_KNOWN it starts again empty, which only costs writes. Another tab's writes are not seen
   * here; a skipped write can at worst lose knowledge the next inventory exchange relearns.
   */
  readonly #acked = new Map<PeerId, Set<ObjectHash>>();
  #ackedCount = 0;

  ackAdd(peer: PeerId, hashes: ObjectHash[]): Promise<void> {
    const known = this.#acked.get(peer);
    const fresh = known ? hashes.filter((h) => !known.has(h)) : hashes;
    if (fresh.length === 0) return Promise.resolve();
    // Known from now: writes run in the order asked, so a removal asked after this one lands after it.
    if (this.#ackedCount + fresh.length > ACKS_KNOWN) {
      this.#acked.clear();
      this.#ackedCount = 0;
    }
    let set = this.#acked.get(peer);
    if (!set) this.#acked.set(peer, (set = new Set()));
    for (const h of fresh) {
      if (set.has(h)) continue;
      set.add(h);
      this.#ackedCount++;
    }
    const at = Date.now();
    return this.#write('ack write', (tx) => fresh.map((hash) => tx.objectStore('acks').put({ hash, peer, at }))).catch((e: unknown) => {
      for (const h of fresh) if (this.#acked.get(peer)?.delete(h)) this.#ackedCount--;
      throw e;
    });
  }
  ackRemove(peer: PeerId, hashes: ObjectHash[]): Promise<void> {
    const known = this.#acked.get(peer);
    if (known) for (const h of hashes) if (known.delete(h)) this.#ackedCount--;
    return this.#write('ack delete', (tx) => hashes.map((hash) => tx.objectStore('acks').delete([hash, peer])));
  }

  // ── group commit of job and ack writes ─────────────────────────────────────────────────

  readonly #writes: PendingWrite[] = [];
  #writing = false;

  /**
   * A job or ack write. Writes asked for while one transaction commits share the next one (a
   * group commit, as the catalog's): a restore finishes thousands of small pulls, each an ack
   * and a job deletion, and a transaction for each kept IndexedDB's commits in the way. In
   * order, so a job's put and delete keep theirs. If a group fails, each write is retried alone,
   * so one failure (quota) is reported to its caller and does not take its neighbours down.
   */
  #write(what: string, apply: PendingWrite['apply']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#writes.push({ what, apply, resolve, reject });
      if (this.#writing) return;
      // Started after the current task's synchronous work, so the writes it asks for together
      // (a finished pull: its ack and its job's deletion) share one transaction. A timer would
      // cost every write chain its delay again at each link.
      this.#writing = true;
      queueMicrotask(() => void this.#commitWrites());
    });
  }

  async #commitWrites(): Promise<void> {
    try {
      while (this.#writes.length) {
        const group = this.#writes.splice(0, 256);
        try {
          await this.#commit(group);
          for (const w of group) w.resolve();
        } catch (e) {
          if (group.length === 1) group[0]!.reject(toStorageError(e, group[0]!.what));
          else for (const w of group) await this.#commit([w]).then(w.resolve, (e2: unknown) => w.reject(toStorageError(e2, w.what)));
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  async #commit(group: PendingWrite[]): Promise<void> {
    const tx = this.#db.transaction(['jobs', 'acks'], 'readwrite');
    try {
      // Not awaited one by one: the requests run in order, and a failed one aborts the transaction.
      for (const w of group) for (const r of [w.apply(tx)].flat()) r.catch(() => undefined);
    } catch (e) {
      abortQuietly(tx);
      throw e;
    }
    await tx.done;
  }

  /**
   * Whether the peer is known to hold the object. An ack this page wrote answers without a read
   * (the push scan asks for each new local object, and the peer that just served one is known
   * to hold it). Only pushes ask: at worst an object another tab has since learned is gone is
   * not offered again until the next inventory exchange.
   */
  ackHas(peer: PeerId, hash: ObjectHash): Promise<boolean> {
    if (this.#acked.get(peer)?.has(hash)) return Promise.resolve(true);
    return this.#run('ack read', async () => (await this.#db.count('acks', [hash, peer])) > 0);
  }
  ackPeersWith(hash: ObjectHash): Promise<PeerId[]> {
    return this.#run('ack read', async () =>
      (await this.#db.getAllKeys('acks', IDBKeyRange.bound([hash], [hash, ALL_AFTER]))).map((k) => k[1]));
  }
  /**
   * Distinct peers with acks: one step per peer along the byPeer index, not per ack. WebKitGTK 2.50
   * failed that key cursor ("UnknownError: Unable to open cursor") and the Storage page showed the
   * error: there, each next peer is found with one key lookup past the one before.
   */
  ackPeers(): Promise<PeerId[]> {
    return this.#run('ack read', async () => {
      try {
        const out: PeerId[] = [];
        for (let c = await this.#db.transaction('acks').store.index('byPeer').openKeyCursor(null, 'nextunique'); c; c = await c.continue()) out.push(c.key);
        return out;
      } catch (e) {
        if ((e as Error)?.name !== 'UnknownError') throw e;
        const out: PeerId[] = [];
        for (let k = await this.#db.getKeyFromIndex('acks', 'byPeer', IDBKeyRange.lowerBound('')); k; ) {
          out.push(k[1]);
          k = await this.#db.getKeyFromIndex('acks', 'byPeer', IDBKeyRange.lowerBound(k[1], true));
        }
        return out;
      }
    });
  }
  ackList(peer: PeerId): Promise<ObjectHash[]> {
    return this.#run('ack read', async () => (await this.#db.getAllFromIndex('acks', 'byPeer', peer)).map((a) => a.hash));
  }
}
