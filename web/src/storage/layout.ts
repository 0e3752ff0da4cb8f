/**
 * Where a named store keeps things on this origin. One name per vault (or "relay"), so two
 * vaults on one origin never share objects, quota or index. Layout: docs/storage.md.
 */
import type { ObjectHash } from '../core/ids.ts';

const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface StorageNames {
  /** IndexedDB database of the index (and the object catalog). */
  indexDb: string;
  /** IndexedDB database of object bytes, used when OPFS is not available. */
  objectsDb: string;
  /** OPFS directory under the origin's root: objects/<2 hex>/<hash> and tmp/. */
  opfsDir: string;
  /** IndexedDB database of files waiting for the ingest pipeline (upload-spool.ts). */
  uploadsDb: string;
}

export function storageNames(name: string): StorageNames {
  if (!NAME_RE.test(name)) throw new RangeError('storage name: 1-64 characters of A-Z a-z 0-9 _ -');
  return { indexDb: `fv-index-${name}`, objectsDb: `fv-objects-${name}`, opfsDir: `fv-${name}`, uploadsDb: `fv-uploads-${name}` };
}

/** OPFS: objects/<first two hex digits>/<hash>. 256 shards keep directories small at 10^6 objects. */
export const shardOf = (hash: ObjectHash): string => hash.slice(0, 2);

/** OPFS temp files are `<session>.<hash>.<random>`: the sweep reads the session back. */
export const tempName = (session: string, hash: ObjectHash, random: string): string => `${session}.${hash}.${random}`;
export const sessionOfTemp = (name: string): string | undefined => {
  const parts = name.split('.');
  return parts.length === 3 ? parts[0] : undefined;
};
