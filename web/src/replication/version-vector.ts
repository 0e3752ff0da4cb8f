/** Version vectors: per log, per author, the highest contiguous seq held (docs/replication.md). */
import type { VersionVector } from './ports.ts';

export interface VectorEntry {
  log: string;
  author: string;
  seq: number;
}

export function vvGet(vv: VersionVector, log: string, author: string): number {
  return vv.get(log)?.get(author) ?? 0;
}

export function vvSet(vv: VersionVector, log: string, author: string, seq: number): void {
  let m = vv.get(log);
  if (!m) vv.set(log, (m = new Map()));
  m.set(author, seq);
}

export function vvCopy(vv: VersionVector): VersionVector {
  return new Map([...vv].map(([log, m]) => [log, new Map(m)]));
}

export function vvEntries(vv: VersionVector): VectorEntry[] {
  const out: VectorEntry[] = [];
  for (const [log, m] of vv) for (const [author, seq] of m) if (seq > 0) out.push({ log, author, seq });
  return out;
}

/** Builds a vector from wire entries; a repeated (log, author) keeps the highest seq. */
export function vvFromEntries(entries: VectorEntry[]): VersionVector {
  const vv: VersionVector = new Map();
  for (const e of entries) if (e.seq > vvGet(vv, e.log, e.author)) vvSet(vv, e.log, e.author, e.seq);
  return vv;
}

/** The (log, author) streams where `local` is ahead of `remote`: send seq in (after, upTo]. */
export function vvMissing(local: VersionVector, remote: VersionVector): Array<{ log: string; author: string; after: number; upTo: number }> {
  const out: Array<{ log: string; author: string; after: number; upTo: number }> = [];
  for (const [log, m] of local) {
    for (const [author, upTo] of m) {
      const after = vvGet(remote, log, author);
      if (upTo > after) out.push({ log, author, after, upTo });
    }
  }
  return out;
}
