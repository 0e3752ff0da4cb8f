/**
 * Where object bytes physically live (OPFS, IndexedDB, memory). Backends only move bytes:
 * hashing, quota and object states are done once, above them, by VerifiedObjectStore.
 */
import type { ObjectHash } from '../core/ids.ts';
import type { StoreKind } from './object-store.ts';

export interface ByteBackend {
  readonly kind: StoreKind;
  /**
   * Writes the bytes durably and atomically: once this resolves they survive a crash, and a
   * crash before that never leaves a partial object under the final name. `session` names
   * any temporary file, so that sweeping can tell live writers from dead ones. `handOver`: the
   * caller is done with the bytes, so a backend in another thread may take their buffer
   * (transfer, leaving the caller's view detached) instead of copying it.
   */
  write(hash: ObjectHash, bytes: Uint8Array, session: string, handOver?: boolean): Promise<void>;
  /** The stored bytes, or `undefined` if there are none. Not verified here. */
  read(hash: ObjectHash): Promise<Uint8Array | undefined>;
  /** `length` bytes from `offset`, clipped at the end; `undefined` if not stored. */
  readRange(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined>;
  /** Removes the bytes; missing bytes are not an error. */
  remove(hash: ObjectHash): Promise<void>;
  /** Deletes temporary files of writers whose session is dead; returns how many. */
  sweepTemp(isAlive: (session: string) => Promise<boolean>): Promise<number>;
  close(): Promise<void>;
}
