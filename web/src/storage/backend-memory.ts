/**
 * Object bytes in a Map, for protocol tests. `MemoryDisk` is the "disk": a backend opened
 * again over the same map sees the same objects, and tests can tamper with it directly.
 */
import type { ObjectHash } from '../core/ids.ts';
import type { ByteBackend } from './byte-backend.ts';

export type MemoryDisk = Map<ObjectHash, Uint8Array>;

export class MemoryBackend implements ByteBackend {
  readonly kind = 'memory' as const;

  constructor(private readonly disk: MemoryDisk = new Map()) {}

  write(hash: ObjectHash, bytes: Uint8Array): Promise<void> {
    // A copy: the caller may reuse its buffer, and a real disk would not share it either.
    this.disk.set(hash, bytes.slice());
    return Promise.resolve();
  }

  read(hash: ObjectHash): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.disk.get(hash)?.slice());
  }

  readRange(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.disk.get(hash)?.slice(offset, offset + length));
  }

  remove(hash: ObjectHash): Promise<void> {
    this.disk.delete(hash);
    return Promise.resolve();
  }

  /** Memory writes are atomic: there are never temporary files. */
  sweepTemp(): Promise<number> {
    return Promise.resolve(0);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
