/**
 * Inventory exchange with one peer (docs/replication.md, "Inventory"). Traffic grows with the
 * difference, not the library: we remember, per peer, the last inventory seq received (the
 * cursor) and ask only for later entries; the peer ends with a digest of its whole set, which
 * we compare with what we believe it holds. On a mismatch, or with no cursor, we compare 256
 * bucket digests and fetch listings of the differing buckets only.
 */
import { equalBytes } from '../core/bytes.ts';
import { describeError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import type {
  InvBucketListFrame, InvBucketListReqFrame, InvBucketsFrame, InvEndFrame, InvEntriesFrame, InvSinceFrame,
} from './frames.ts';
import { BUCKETS } from './frames.ts';
import { DigestAccumulator, bucketOf, presentInBuckets, type DigestSnapshot } from './inventory-digest.ts';
import type { SessionCore } from './session-core.ts';

const ENTRIES_PER_FRAME = 4096;
/** An honest peer asks once per connection and per resync; more is a cost attack (a full stream each). */
const MAX_REQUESTS_PER_MINUTE = 12;

interface Cursor {
  /** The peer's inventory log, and how far into it we have read. */
  inventoryId: string;
  seq: number;
  /** OUR inventory id when this was saved: if our store was reset since, relearn the peer. */
  local: string;
}

function parseCursor(x: unknown): Cursor | undefined {
  const c = x as Partial<Cursor> | undefined;
  return c && typeof c.inventoryId === 'string' && typeof c.local === 'string' && Number.isSafeInteger(c.seq) && c.seq! >= 0
    ? { inventoryId: c.inventoryId, seq: c.seq!, local: c.local } : undefined;
}

/** How long a new object waits for others before it is announced (ms). */
const ANNOUNCE_LINGER_MS = 50;

export class InventorySync {
  // Serving our inventory to the peer.
  #sentUpTo = -1;
  #announceQueued = false;
  #bucketListRequests = 0;
  #requestTimes: number[] = [];
  // Learning the peer's inventory.
  #cursor: Cursor | undefined;
  #local = '';
  #pending: Map<number, Map<ObjectHash, number>> | undefined;
  /** What we believed the peer held, per bucket, when its listings started (one scan). */
  #beliefByBucket: Map<number, ObjectHash[]> | undefined;
  /** The buckets being taken in (their lookups and writes), while their next ones arrive. */
  #bucketWork: Array<Promise<void>> = [];
  #reconciled = false;
  #ready = false;

  constructor(private readonly s: SessionCore) {}

  get #key(): string {
    return `inv-cursor/${this.s.remote.peerId}`;
  }

  /** Asks the peer for its inventory after our cursor (or only a digest, without one). */
  async request(): Promise<void> {
    const { objects, kv, acks, log } = this.s.deps;
    this.#local = await objects.inventoryId();
    this.#cursor ??= parseCursor(await kv.get(this.#key));
    if (this.#cursor && this.#cursor.local !== this.#local) {
      // Our store was reset (wiped browser storage): we only fetch what we learn of, so forget
      // what we knew of this peer and relearn all of it (a digest round and full listings).
      log.warn('local store was reset since the last sync: relearning the peer inventory', { peer: this.s.remote.peerId });
      const believed = await acks.list(this.s.remote.peerId);
      if (believed.length > 0) await acks.remove(this.s.remote.peerId, believed);
      this.#cursor = undefined;
    }
    this.#reconciled = false; // each round may reconcile once
    const c = this.#cursor;
    this.s.outbox.control(() => this.s.outbox.send({
      type: 'inv-since', inventoryId: c?.inventoryId ?? '', since: c?.seq ?? 0, digestOnly: c === undefined,
    }));
  }

  // ── serving ───────────────────────────────────────────────────────────────────────────

  onSince(f: InvSinceFrame): void {
    const now = this.s.deps.clock.now();
    this.#requestTimes = [...this.#requestTimes.filter((t) => now - t < 60_000), now];
    if (this.#requestTimes.length > MAX_REQUESTS_PER_MINUTE) {
      this.s.abuse('unexpected', 'inventory requested too often');
      return;
    }
    this.s.outbox.control(async () => {
      const snap = await this.s.deps.digest.advance();
      if (f.digestOnly || f.inventoryId !== snap.inventoryId) {
        await this.#sendBuckets(snap, false);
        return;
      }
      await this.#stream(Math.min(f.since, snap.head), snap.head);
      await this.s.outbox.send({ type: 'inv-end', inventoryId: snap.inventoryId, head: snap.head, count: snap.count, xor: snap.xor });
    });
  }

  /** Our inventory grew: tell the peer (only after it asked once). */
  announce(): void {
    if (this.#sentUpTo < 0 || this.#announceQueued) return;
    this.#announceQueued = true;
    // After a short wait, so objects stored one after another (a restore: ~100 a second) go out
    // in one read of the log and one frame, not one each.
    this.s.deps.clock.setTimeout(() => this.s.outbox.control(async () => {
      this.#announceQueued = false;
      await this.#stream(this.#sentUpTo, Number.MAX_SAFE_INTEGER);
    }), ANNOUNCE_LINGER_MS);
  }

  onBucketsReq(): void {
    if (this.#sentUpTo < 0) return this.s.abuse('unexpected', 'bucket digests before an inventory request');
    this.s.outbox.control(async () => this.#sendBuckets(await this.s.deps.digest.advance(), true));
  }

  onBucketListReq(f: InvBucketListReqFrame): void {
    if (this.#sentUpTo < 0) return this.s.abuse('unexpected', 'bucket listing before an inventory request');
    if (++this.#bucketListRequests > this.s.deps.config.maxBucketListRequests) {
      this.s.abuse('flood', 'too many bucket listings');
      return;
    }
    const wanted = new Set(f.buckets);
    this.s.outbox.control(async () => {
      const snap = await this.s.deps.digest.advance();
      await this.#stream(this.#sentUpTo, snap.head); // entries first, so the listing is the newer truth
      const present = await presentInBuckets(this.s.deps.objects, wanted, snap.head);
      const byBucket = new Map<number, Array<{ hash: ObjectHash; size: number }>>([...wanted].map((b) => [b, []]));
      for (const [hash, size] of present) byBucket.get(bucketOf(hash))!.push({ hash, size });
      for (const [bucket, objects] of byBucket) {
        for (let i = 0; i === 0 || i < objects.length; i += ENTRIES_PER_FRAME) {
          const last = i + ENTRIES_PER_FRAME >= objects.length;
          await this.s.outbox.send({ type: 'inv-bucket-list', bucket, objects: objects.slice(i, i + ENTRIES_PER_FRAME), last });
        }
      }
    });
  }

  /**
   * Bucket digests at `snap.head`. With `catchUp`, entries the peer has not seen are sent first;
   * without (a digest-only request), the listing replaces them and announcements start at head.
   */
  async #sendBuckets(snap: DigestSnapshot, catchUp: boolean): Promise<void> {
    if (catchUp) await this.#stream(this.#sentUpTo, snap.head);
    else this.#sentUpTo = Math.max(this.#sentUpTo, snap.head);
    await this.s.outbox.send({ type: 'inv-buckets', inventoryId: snap.inventoryId, head: snap.head, buckets: snap.buckets });
  }

  /** Sends entries in (after, upTo]; afterwards live announcements continue from there. */
  async #stream(after: number, upTo: number): Promise<void> {
    let pos = Math.max(after, 0);
    for (;;) {
      const page = (await this.s.deps.objects.inventorySince(pos, ENTRIES_PER_FRAME)).filter((e) => e.seq <= upTo);
      if (page.length === 0) break;
      await this.s.outbox.send({ type: 'inv-entries', entries: page });
      pos = page[page.length - 1]!.seq;
      if (page.length < ENTRIES_PER_FRAME) break;
    }
    this.#sentUpTo = Math.max(this.#sentUpTo, upTo === Number.MAX_SAFE_INTEGER ? pos : upTo);
  }

  // ── learning ──────────────────────────────────────────────────────────────────────────

  async onEntries(f: InvEntriesFrame): Promise<void> {
    const c = this.#cursor;
    if (!c) {
      this.s.abuse('unexpected', 'inventory entries before a cursor');
      return;
    }
    const fresh = f.entries.filter((e) => e.seq > c.seq);
    if (fresh.length === 0) return;
    const peer = this.s.remote;
    // A log may add, evict and add again within one frame: the last entry per hash decides.
    const final = new Map(fresh.map((e) => [e.hash, e]));
    const gone = [...final.values()].filter((e) => e.gone).map((e) => e.hash);
    const presentNow = [...final.values()].filter((e) => !e.gone);
    // Jobs first, then what we learned: a browser killed in between learns it again next time.
    await this.s.hooks.objectsSeen(peer, presentNow.map((e) => ({ hash: e.hash, size: e.size })), { announced: true });
    if (gone.length > 0) await this.s.deps.acks.remove(peer.peerId, gone);
    if (presentNow.length > 0) await this.s.deps.acks.add(peer.peerId, presentNow.map((e) => e.hash));
    c.seq = fresh[fresh.length - 1]!.seq;
    await this.s.deps.kv.set(this.#key, { ...c });
  }

  async onEnd(f: InvEndFrame): Promise<void> {
    await this.#setCursor({ inventoryId: f.inventoryId, seq: f.head, local: this.#local });
    const belief = DigestAccumulator.of(await this.s.deps.acks.list(this.s.remote.peerId));
    if (belief.count === f.count && equalBytes(belief.xor, f.xor)) return this.#markReady();
    if (this.#reconciled) {
      this.s.deps.log.warn('inventory digest still differs after reconciliation', { peer: this.s.remote.peerId });
      return this.#markReady();
    }
    this.s.deps.log.info('inventory digest differs: comparing buckets', { peer: this.s.remote.peerId });
    this.s.outbox.control(() => this.s.outbox.send({ type: 'inv-buckets-req' }));
  }

  async onBuckets(f: InvBucketsFrame): Promise<void> {
    await this.#setCursor({ inventoryId: f.inventoryId, seq: f.head, local: this.#local });
    const belief = DigestAccumulator.of(await this.s.deps.acks.list(this.s.remote.peerId));
    const differ: number[] = [];
    for (let i = 0; i < BUCKETS; i++) {
      const mine = belief.buckets[i]!;
      const theirs = f.buckets[i]!;
      if (mine.count !== theirs.count || !equalBytes(mine.xor.subarray(0, 16), theirs.xor)) differ.push(i);
    }
    this.#reconciled = true;
    if (differ.length === 0) return this.#markReady();
    this.#pending = new Map(differ.map((b) => [b, new Map()]));
    this.s.outbox.control(() => this.s.outbox.send({ type: 'inv-bucket-list-req', buckets: differ }));
  }

  async onBucketList(f: InvBucketListFrame): Promise<void> {
    const acc = this.#pending?.get(f.bucket);
    if (!acc) {
      this.s.abuse('unexpected', 'bucket listing we did not ask for');
      return;
    }
    for (const o of f.objects) acc.set(o.hash, o.size);
    if (!f.last) return;
    const peer = this.s.remote;
    if (!this.#beliefByBucket) {
      // The peer sends all listings in one task (nothing in between), so one scan serves them all.
      this.#beliefByBucket = new Map();
      for (const h of await this.s.deps.acks.list(peer.peerId)) {
        const b = bucketOf(h);
        if (!this.#pending!.has(b)) continue;
        const arr = this.#beliefByBucket.get(b);
        if (arr) arr.push(h);
        else this.#beliefByBucket.set(b, [h]);
      }
    }
    this.#pending!.delete(f.bucket);
    const believed = this.#beliefByBucket.get(f.bucket) ?? [];
    const stale = believed.filter((h) => !acc.has(h));
    const believedSet = new Set(believed);
    const added = [...acc].filter(([h]) => !believedSet.has(h)).map(([hash, size]) => ({ hash, size }));
    // Not awaited before the next bucket: one after another, each bucket's lookups and writes
    // (a transaction or three) kept a new device's first listing of 20,000 objects in 256
    // buckets from the link for 10-15 s. Taken in together, they share grouped reads and commits.
    const work = (async () => {
      await this.s.hooks.objectsSeen(peer, added); // jobs before beliefs, as in onEntries
      if (stale.length > 0) await this.s.deps.acks.remove(peer.peerId, stale);
      if (added.length > 0) await this.s.deps.acks.add(peer.peerId, added.map((o) => o.hash));
    })();
    work.catch(() => undefined); // reported with the last bucket
    this.#bucketWork.push(work);
    if (this.#pending!.size === 0) {
      this.#pending = undefined;
      this.#beliefByBucket = undefined;
      const buckets = this.#bucketWork;
      this.#bucketWork = [];
      for (const r of await Promise.allSettled(buckets)) {
        if (r.status === 'rejected') this.s.deps.log.warn('taking in a bucket listing failed', { peer: peer.peerId, error: describeError(r.reason) });
      }
      this.#markReady();
    }
  }

  async #setCursor(c: Cursor): Promise<void> {
    this.#cursor = c;
    try {
      await this.s.deps.kv.set(this.#key, { ...c });
    } catch (e) {
      // Losing a cursor costs one digest round next time, never correctness: log and go on.
      this.s.deps.log.warn('saving inventory cursor failed', { peer: this.s.remote.peerId, error: describeError(e) });
    }
  }

  #markReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.s.hooks.inventoryReady(this.s.remote.peerId);
  }
}
