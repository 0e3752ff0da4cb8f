/**
 * Object bytes in OPFS, written through createSyncAccessHandle in a dedicated worker (several
 * times faster than createWritable from the page; see TESTING.md). This is the page side: it
 * starts the worker, talks to it over comlink and maps its errors. Layout: docs/storage.md.
 */
import { releaseProxy, transfer, wrap, type Remote } from 'comlink';
import { StorageError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { ByteBackend } from './byte-backend.ts';
import { sessionOfTemp, storageNames } from './layout.ts';
import type { OpfsFiles } from './opfs-files.ts';
import { toStorageError } from './quota.ts';

const START_TIMEOUT_MS = 15_000;

/** Resolves with `p`, or rejects if the worker fails to load or does not answer in time. */
function guardStart<T>(worker: Worker, p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StorageError('OPFS worker did not start')), START_TIMEOUT_MS);
    const onError = (e: ErrorEvent) => reject(new StorageError(`OPFS worker failed to load (${e.message})`));
    worker.addEventListener('error', onError, { once: true });
    void p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      worker.removeEventListener('error', onError);
    });
  });
}

export class OpfsBackend implements ByteBackend {
  readonly kind = 'opfs' as const;

  private constructor(
    private readonly worker: Worker,
    private readonly files: Remote<OpfsFiles>,
  ) {}

  /** Rejects with StorageError where OPFS with sync access handles is not available. */
  static async open(name: string): Promise<OpfsBackend> {
    const { opfsDir } = storageNames(name);
    if (typeof Worker === 'undefined' || typeof navigator === 'undefined' || !navigator.storage?.getDirectory) {
      throw new StorageError('OPFS is not available in this environment');
    }
    const worker = new Worker(new URL('./opfs-worker.ts', import.meta.url), { type: 'module', name: 'fv-opfs' });
    const files = wrap<OpfsFiles>(worker);
    try {
      await guardStart(worker, files.init(opfsDir));
    } catch (e) {
      files[releaseProxy]();
      worker.terminate();
      throw toStorageError(e, 'opening OPFS');
    }
    return new OpfsBackend(worker, files);
  }

  write(hash: ObjectHash, bytes: Uint8Array, session: string, handOver?: boolean): Promise<void> {
    // Structured clone copies the bytes; transferring detaches the caller's buffer, so only
    // what the caller hands over is transferred.
    const arg = handOver && bytes.buffer instanceof ArrayBuffer ? transfer(bytes, [bytes.buffer]) : bytes;
    return this.call('writing an object', () => this.files.write(hash, arg, session));
  }

  read(hash: ObjectHash): Promise<Uint8Array | undefined> {
    return this.call('reading an object', () => this.files.read(hash));
  }

  readRange(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined> {
    return this.call('reading an object', () => this.files.readRange(hash, offset, length));
  }

  remove(hash: ObjectHash): Promise<void> {
    return this.call('deleting an object', () => this.files.remove(hash));
  }

  async sweepTemp(isAlive: (session: string) => Promise<boolean>): Promise<number> {
    const names = await this.call('listing temp files', () => this.files.tempNames());
    let removed = 0;
    for (const name of names) {
      const session = sessionOfTemp(name);
      // A name this code did not make is not ours to judge: leave it.
      if (session === undefined || (await isAlive(session))) continue;
      await this.call('deleting a temp file', () => this.files.removeTemp(name));
      removed += 1;
    }
    return removed;
  }

  close(): Promise<void> {
    this.files[releaseProxy]();
    this.worker.terminate();
    return Promise.resolve();
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      // Errors cross comlink as plain Errors that keep their name (e.g. QuotaExceededError).
      throw toStorageError(e, what);
    }
  }
}
