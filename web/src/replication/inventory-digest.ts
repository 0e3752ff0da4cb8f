/**
 * Set digests for inventories: count and XOR of the present objects' hashes, in total and per
 * first-byte bucket. XOR makes the digest incremental (fold new log entries in, fold `gone`
 * entries out), so the local digest follows the inventory log without rescanning it. It detects
 * honest divergence (lost cursors, lost acks); it is not meant to resist a lying peer, which
 * could hide objects anyway (docs/replication.md, "Inventory").
 */
import { fromHex } from '../core/bytes.ts';
import type { ObjectHash } from '../core/ids.ts';
import { BUCKETS } from './frames.ts';
import type { ObjectStorePort } from './ports.ts';

export interface DigestSnapshot {
  inventoryId: string;
  head: number;
  count: number;
  xor: Uint8Array;
  buckets: Array<{ count: number; xor: Uint8Array }>;
}

export const bucketOf = (h: ObjectHash): number => parseInt(h.slice(0, 2), 16);

/** Accumulates a digest; used for the local inventory and for what we believe a peer holds. */
export class DigestAccumulator {
  count = 0;
  xor = new Uint8Array(32);
  buckets = Array.from({ length: BUCKETS }, () => ({ count: 0, xor: new Uint8Array(32) }));

  toggle(hash: ObjectHash, present: boolean): void {
    const h = fromHex(hash);
    const b = this.buckets[h[0]!]!;
    const d = present ? 1 : -1;
    this.count += d;
    b.count += d;
    for (let i = 0; i < 32; i++) {
      this.xor[i]! ^= h[i]!;
      b.xor[i]! ^= h[i]!;
    }
  }

  /** Bucket digests go on the wire truncated to 16 bytes (enough to notice a difference). */
  snapshot(inventoryId: string, head: number): DigestSnapshot {
    return {
      inventoryId, head, count: this.count, xor: this.xor.slice(),
      buckets: this.buckets.map((b) => ({ count: b.count, xor: b.xor.slice(0, 16) })),
    };
  }

  static of(hashes: Iterable<ObjectHash>): DigestAccumulator {
    const acc = new DigestAccumulator();
    for (const h of hashes) acc.toggle(h, true);
    return acc;
  }
}

const PAGE = 2048;

/** The local store's digest, folded forward along its inventory log. One per engine. */
export class InventoryDigest {
  #acc = new DigestAccumulator();
  #head = 0;
  #inventoryId: string | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: ObjectStorePort) {}

  /** Folds the log up to its current end and returns a copy of the digest there. */
  advance(): Promise<DigestSnapshot> {
    const run = this.#chain.then(() => this.#advance());
    this.#chain = run.catch(() => undefined); // the caller sees the error; the chain goes on
    return run;
  }

  async #advance(): Promise<DigestSnapshot> {
    const id = await this.store.inventoryId();
    if (id !== this.#inventoryId) {
      // A wiped store starts a new log: start the fold again.
      this.#inventoryId = id;
      this.#acc = new DigestAccumulator();
      this.#head = 0;
    }
    for (;;) {
      const page = await this.store.inventorySince(this.#head, PAGE);
      for (const e of page) {
        this.#acc.toggle(e.hash, !e.gone);
        this.#head = e.seq;
      }
      if (page.length < PAGE) break;
    }
    return this.#acc.snapshot(id, this.#head);
  }
}

/** Present objects of some buckets at inventory seq `upTo` (a full scan: the rare fallback). */
export async function presentInBuckets(store: ObjectStorePort, buckets: ReadonlySet<number>, upTo: number): Promise<Map<ObjectHash, number>> {
  const present = new Map<ObjectHash, number>();
  let after = 0;
  while (after < upTo) {
    const page = await store.inventorySince(after, PAGE);
    if (page.length === 0) break;
    for (const e of page) {
      if (e.seq > upTo) return present;
      if (buckets.has(bucketOf(e.hash))) {
        if (e.gone) present.delete(e.hash);
        else present.set(e.hash, e.size);
      }
      after = e.seq;
    }
  }
  return present;
}
