/**
 * In-memory implementations of the replication ports: for protocol tests, and the default
 * partial store when the composition root gives none. They copy bytes in and out, as a real
 * store would, so a test cannot pass by sharing buffers.
 */
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type {
  AckStore, InventoryEntry, JobStore, KeyValueStore, ObjectStorePort, OpEnvelope, OpStore, PartialStore,
  TransferJob, VersionVector,
} from './ports.ts';
import { vvCopy, vvGet, vvSet } from './version-vector.ts';

let storeCounter = 0;

export class MemoryObjectStore implements ObjectStorePort {
  readonly objects = new Map<ObjectHash, Uint8Array>();
  readonly log: InventoryEntry[] = [];
  #id = `mem-${++storeCounter}`;

  /** How many times `has` was asked (tests). */
  lookups = 0;

  async has(hash: ObjectHash): Promise<boolean> {
    this.lookups++;
    return this.objects.has(hash);
  }

  async get(hash: ObjectHash): Promise<Uint8Array | undefined> {
    return this.objects.get(hash)?.slice();
  }

  async getRange(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined> {
    return this.objects.get(hash)?.slice(offset, offset + length);
  }

  /** Objects up to `smallBytes` count as kept with their record (the IndexedDB store's inline ones). */
  smallBytes = 48 * 1024;
  /** How many objects were read as small (tests). */
  smallReads = 0;

  async serveSmall(hash: ObjectHash): Promise<Uint8Array | undefined | 'large'> {
    const b = this.objects.get(hash);
    if (!b) return undefined;
    if (b.length > this.smallBytes) return 'large';
    this.smallReads++;
    return b.slice();
  }

  async put(hash: ObjectHash, bytes: Uint8Array): Promise<void> {
    if (this.objects.has(hash)) return;
    this.objects.set(hash, bytes.slice());
    this.log.push({ seq: this.log.length + 1, hash, size: bytes.length, gone: false });
  }

  async inventoryId(): Promise<string> {
    return this.#id;
  }

  async inventorySince(after: number, limit: number): Promise<InventoryEntry[]> {
    // seq n is at index n - 1: no scan.
    return this.log.slice(Math.max(0, after), Math.max(0, after) + limit).map((e) => ({ ...e }));
  }

  /** Test helpers. */
  evict(hash: ObjectHash): void {
    const b = this.objects.get(hash);
    if (!b) return;
    this.objects.delete(hash);
    this.log.push({ seq: this.log.length + 1, hash, size: b.length, gone: true });
  }

  /** Flips a byte of a stored object without telling anyone: bit rot, or a lying peer. */
  corrupt(hash: ObjectHash, at = 0): void {
    const b = this.objects.get(hash);
    if (b) b[at % b.length]! ^= 0xff;
  }

  /** Forgets everything: a new inventory log with a new id. */
  wipe(): void {
    this.objects.clear();
    this.log.length = 0;
    this.#id = `mem-${++storeCounter}`;
  }
}

export class MemoryPartialStore implements PartialStore {
  readonly parts = new Map<ObjectHash, Uint8Array[]>();

  async size(hash: ObjectHash): Promise<number> {
    return (this.parts.get(hash) ?? []).reduce((n, p) => n + p.length, 0);
  }

  async append(hash: ObjectHash, offset: number, bytes: Uint8Array): Promise<void> {
    const have = await this.size(hash);
    if (offset !== have) throw new RangeError(`partial append at ${offset}, have ${have}`);
    const list = this.parts.get(hash) ?? [];
    list.push(bytes.slice());
    this.parts.set(hash, list);
  }

  async read(hash: ObjectHash): Promise<Uint8Array | undefined> {
    const list = this.parts.get(hash);
    if (!list) return undefined;
    const out = new Uint8Array(list.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of list) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  async drop(hash: ObjectHash): Promise<void> {
    this.parts.delete(hash);
  }
}

const opKey = (log: string, author: string): string => `${log}\u0000${author}`;

export class MemoryOpStore implements OpStore {
  readonly streams = new Map<string, OpEnvelope[]>();
  #vv: VersionVector = new Map();

  async vector(): Promise<VersionVector> {
    return vvCopy(this.#vv);
  }

  async get(log: string, author: string, seq: number): Promise<OpEnvelope | undefined> {
    const op = this.streams.get(opKey(log, author))?.[seq - 1];
    return op && { ...op };
  }

  async since(log: string, author: string, after: number, limit: number): Promise<OpEnvelope[]> {
    return (this.streams.get(opKey(log, author)) ?? []).slice(after, after + limit).map((o) => ({ ...o }));
  }

  async append(op: OpEnvelope): Promise<void> {
    const k = opKey(op.log, op.author);
    const list = this.streams.get(k) ?? [];
    if (op.seq !== list.length + 1) throw new RangeError(`append seq ${op.seq} after ${list.length}`);
    list.push({ ...op, ciphertext: op.ciphertext.slice(), signature: op.signature.slice() });
    this.streams.set(k, list);
    if (op.seq > vvGet(this.#vv, op.log, op.author)) vvSet(this.#vv, op.log, op.author, op.seq);
  }

  /** All or none, as IdbReplicationStores.opAppendMany. */
  async appendMany(ops: OpEnvelope[]): Promise<void> {
    const next = new Map<string, number>();
    for (const op of ops) {
      const k = opKey(op.log, op.author);
      const want = next.get(k) ?? (this.streams.get(k)?.length ?? 0) + 1;
      if (op.seq !== want) throw new RangeError(`append seq ${op.seq} after ${want - 1}`);
      next.set(k, want + 1);
    }
    for (const op of ops) await this.append(op);
  }

  all(): OpEnvelope[] {
    return [...this.streams.values()].flat();
  }
}

export class MemoryJobStore implements JobStore {
  readonly jobs = new Map<string, TransferJob>();

  async loadAll(): Promise<TransferJob[]> {
    return [...this.jobs.values()].map((j) => structuredClone(j));
  }

  async put(job: TransferJob): Promise<void> {
    this.jobs.set(job.id, structuredClone(job));
  }

  async delete(id: string): Promise<void> {
    this.jobs.delete(id);
  }
}

export class MemoryAckStore implements AckStore {
  readonly byPeer = new Map<PeerId, Set<ObjectHash>>();

  async add(peer: PeerId, hashes: ObjectHash[]): Promise<void> {
    let set = this.byPeer.get(peer);
    if (!set) this.byPeer.set(peer, (set = new Set()));
    for (const h of hashes) set.add(h);
  }

  async remove(peer: PeerId, hashes: ObjectHash[]): Promise<void> {
    const set = this.byPeer.get(peer);
    if (set) for (const h of hashes) set.delete(h);
  }

  async has(peer: PeerId, hash: ObjectHash): Promise<boolean> {
    return this.byPeer.get(peer)?.has(hash) ?? false;
  }

  async peersWith(hash: ObjectHash): Promise<PeerId[]> {
    return [...this.byPeer].filter(([, set]) => set.has(hash)).map(([p]) => p);
  }

  async list(peer: PeerId): Promise<ObjectHash[]> {
    return [...(this.byPeer.get(peer) ?? [])];
  }

  async peers(): Promise<PeerId[]> {
    return [...this.byPeer].filter(([, set]) => set.size > 0).map(([p]) => p);
  }
}

export class MemoryKeyValueStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();

  async get(key: string): Promise<unknown> {
    const v = this.data.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }

  async set(key: string, value: unknown): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
}
