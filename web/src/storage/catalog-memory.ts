/**
 * The catalog in memory, for protocol tests and the memory store. `MemoryCatalogDisk` plays
 * the part of the disk: a new catalog over the same disk sees what an earlier one recorded.
 */
import type { ObjectHash } from '../core/ids.ts';
import { checkQuota } from './quota.ts';
import {
  emptyTotals, pendingRecord, removable, retally, withState,
  type CatalogTotals, type ObjectCatalog, type ObjectRecord, type ObjectState,
} from './object-catalog.ts';

export type MemoryCatalogDisk = Map<ObjectHash, ObjectRecord>;

export class MemoryCatalog implements ObjectCatalog {
  private tally: CatalogTotals;

  constructor(private readonly disk: MemoryCatalogDisk = new Map()) {
    this.tally = emptyTotals();
    for (const r of disk.values()) this.tally = retally(this.tally, undefined, r);
  }

  get(hash: ObjectHash): Promise<ObjectRecord | undefined> {
    const r = this.disk.get(hash);
    return Promise.resolve(r && { ...r });
  }

  // Synchronous bodies: nothing can interleave, so check and record are atomic.
  reserve(hash: ObjectHash, size: number, session: string, limitBytes: number | undefined): Promise<ObjectRecord> {
    const before = this.disk.get(hash);
    if (before?.state === 'complete') return Promise.resolve({ ...before });
    try {
      checkQuota(this.tally, before, size, limitBytes);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const after = pendingRecord(hash, size, session, before, Date.now());
    this.write(before, after);
    return Promise.resolve({ ...after });
  }

  setState(hash: ObjectHash, state: ObjectState, session?: string): Promise<ObjectRecord | undefined> {
    const before = this.disk.get(hash);
    if (!before) return Promise.resolve(undefined);
    const after = withState(before, state, session);
    this.write(before, after);
    return Promise.resolve({ ...after });
  }

  remove(hash: ObjectHash, ifPendingFor?: string): Promise<ObjectRecord | undefined> {
    const before = this.disk.get(hash);
    if (!before || !removable(before, ifPendingFor)) return Promise.resolve(undefined);
    this.disk.delete(hash);
    this.tally = retally(this.tally, before, undefined);
    return Promise.resolve(before);
  }

  totals(): Promise<CatalogTotals> {
    return Promise.resolve(retally(this.tally, undefined, undefined));
  }

  async *inState(state: ObjectState): AsyncIterable<ObjectRecord> {
    const matching = [...this.disk.values()].filter((r) => r.state === state).sort((a, b) => (a.hash < b.hash ? -1 : 1));
    for (const r of matching) yield { ...r };
  }

  private write(before: ObjectRecord | undefined, after: ObjectRecord): void {
    this.disk.set(after.hash, after);
    this.tally = retally(this.tally, before, after);
  }
}
