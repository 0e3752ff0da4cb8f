/**
 * OPFS file operations. Runs inside the dedicated worker (opfs-worker.ts) because
 * createSyncAccessHandle, the fast write path, exists only in dedicated workers.
 * Layout under the store's directory: objects/<2 hex>/<hash> and tmp/<session>.<hash>.<random>.
 * A write goes to tmp/, is flushed, then moved to its final name, so a crash never leaves a
 * file under objects/ that looks complete but is not. Errors are thrown as they come (as
 * DOMExceptions); the main side maps them (quota.ts).
 */
import { transfer } from 'comlink';
import { toBase64Url } from '../core/bytes.ts';
import type { ObjectHash } from '../core/ids.ts';
import { shardOf, tempName } from './layout.ts';

// `move` is in every engine with sync access handles, but not yet in TypeScript's DOM types;
// nor is the `mode` option of createSyncAccessHandle (Chromium 121+: several 'read-only' handles may be open at once).
type MovableFile = FileSystemFileHandle & {
  move(parent: FileSystemDirectoryHandle, name: string): Promise<void>;
  createSyncAccessHandle(options?: { mode?: 'readwrite' | 'read-only' | 'readwrite-unsafe' }): Promise<FileSystemSyncAccessHandle>;
};
type ListableDir = FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };

const isNotFound = (e: unknown): boolean => e instanceof DOMException && e.name === 'NotFoundError';

/**
 * Runs a change to an object's file, trying again for a moment while a reader's handle holds
 * the file (NoModificationAllowedError): reads through handles are short.
 */
async function pastReaders<T>(change: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await change();
    } catch (e) {
      if (attempt >= 20 || !(e instanceof DOMException && e.name === 'NoModificationAllowedError')) throw e;
      await new Promise((r) => setTimeout(r, 10 + attempt * 10));
    }
  }
}

const PROBE_BYTES = new Uint8Array([0x66, 0x76, 0x21, 0x0a]);

/**
 * Opens a sync access handle on a probe file, writes a few bytes, reads them back, closes it
 * and removes the file. WebKitGTK has createSyncAccessHandle, but it throws NotSupportedError:
 * the method's presence proves nothing. Any failure rejects with NotSupportedError (the store
 * then falls back to IndexedDB); the cause is kept for the log.
 */
export async function probeSyncAccess(dir: FileSystemDirectoryHandle): Promise<void> {
  const name = `probe.${toBase64Url(crypto.getRandomValues(new Uint8Array(6)))}`;
  let created = false;
  try {
    const file = await dir.getFileHandle(name, { create: true });
    created = true;
    const handle = await file.createSyncAccessHandle();
    try {
      if (handle.write(PROBE_BYTES, { at: 0 }) !== PROBE_BYTES.length) throw new Error('short write');
      handle.flush();
      const back = new Uint8Array(PROBE_BYTES.length);
      const n = handle.read(back, { at: 0 });
      if (n !== back.length || back.some((b, i) => b !== PROBE_BYTES[i])) throw new Error('the bytes read back differ');
    } finally {
      handle.close();
    }
  } catch (e) {
    const detail = e instanceof Error || e instanceof DOMException ? `${e.name}: ${e.message}` : String(e);
    throw Object.assign(new DOMException(`OPFS sync access handles do not work here (${detail})`, 'NotSupportedError'), { probeError: e });
  } finally {
    if (created) await dir.removeEntry(name).catch((e: unknown) => console.warn('OPFS probe file left behind', e));
  }
}

/**
 * Whether this engine lets several readers hold 'read-only' sync access handles on one file at
 * once: two are opened on a probe file. Where the mode is unknown the option is ignored, the
 * first handle is exclusive and the second fails: reads then keep to File snapshots.
 */
export async function probeSharedReads(dir: FileSystemDirectoryHandle): Promise<boolean> {
  const name = `probe.${toBase64Url(crypto.getRandomValues(new Uint8Array(6)))}`;
  const open: FileSystemSyncAccessHandle[] = [];
  try {
    const file = (await dir.getFileHandle(name, { create: true })) as MovableFile;
    open.push(await file.createSyncAccessHandle({ mode: 'read-only' }));
    open.push(await file.createSyncAccessHandle({ mode: 'read-only' }));
    return true;
  } catch {
    return false;
  } finally {
    for (const h of open) h.close();
    await dir.removeEntry(name).catch(() => undefined);
  }
}

export class OpfsFiles {
  /**
   * Reads through shared read-only sync access handles (a read straight into this worker's
   * buffer) rather than a File snapshot (whose bytes come from the browser process through a
   * data pipe): replication serves every object it sends with a read.
   */
  private sharedReads = false;
  private objects: FileSystemDirectoryHandle | undefined;
  private tmp: FileSystemDirectoryHandle | undefined;
  private readonly shards = new Map<string, FileSystemDirectoryHandle>();

  /**
   * Opens (creating) the store's directories; rejects where sync access handles are missing or
   * do not work (probeSyncAccess). `root` is the OPFS root (tests pass their own).
   */
  async init(dirName: string, root?: FileSystemDirectoryHandle): Promise<void> {
    const proto = globalThis.FileSystemFileHandle?.prototype as Partial<MovableFile> | undefined;
    if (typeof proto?.createSyncAccessHandle !== 'function' || typeof proto.move !== 'function') {
      throw new DOMException('OPFS sync access handles are not available', 'NotSupportedError');
    }
    const dir = await (root ?? (await navigator.storage.getDirectory())).getDirectoryHandle(dirName, { create: true });
    await probeSyncAccess(dir);
    this.sharedReads = await probeSharedReads(dir);
    this.objects = await dir.getDirectoryHandle('objects', { create: true });
    this.tmp = await dir.getDirectoryHandle('tmp', { create: true });
  }

  async write(hash: ObjectHash, bytes: Uint8Array, session: string): Promise<void> {
    const tmp = this.dirs().tmp;
    const name = tempName(session, hash, toBase64Url(crypto.getRandomValues(new Uint8Array(6))));
    const file = (await tmp.getFileHandle(name, { create: true })) as MovableFile;
    try {
      const handle = await file.createSyncAccessHandle();
      try {
        for (let at = 0; at < bytes.length; ) {
          const n = handle.write(bytes.subarray(at), { at });
          if (n <= 0) throw new DOMException('OPFS write made no progress', 'InvalidStateError');
          at += n;
        }
        handle.flush();
      } finally {
        handle.close();
      }
      // The move is the commit point: before it the object does not exist under its name.
      const shard = await this.shard(hash, true);
      await pastReaders(() => file.move(shard, hash));
    } catch (e) {
      await this.removeTempAfterFailure(name, e);
      throw e;
    }
  }

  async read(hash: ObjectHash): Promise<Uint8Array | undefined> {
    const bytes = await this.readFile(hash, 0, undefined);
    return bytes && transfer(bytes, [bytes.buffer]);
  }

  async readRange(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined> {
    const bytes = await this.readFile(hash, offset, length);
    return bytes && transfer(bytes, [bytes.buffer]);
  }

  async remove(hash: ObjectHash): Promise<void> {
    const shard = await this.shard(hash, false);
    if (!shard) return;
    try {
      await pastReaders(() => shard.removeEntry(hash));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Names in tmp/: writes in progress, or left by a crash (the main side decides which). */
  async tempNames(): Promise<string[]> {
    const names: string[] = [];
    for await (const name of (this.dirs().tmp as ListableDir).keys()) names.push(name);
    return names;
  }

  async removeTemp(name: string): Promise<void> {
    try {
      await this.dirs().tmp.removeEntry(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /**
   * Bytes [offset, offset + length) of an object (to its end without a length), in a buffer of
   * their own. Through a shared read-only handle where the engine has them; else, or if the
   * handle cannot be had (a writer elsewhere holds the file), from a File snapshot, which needs
   * no lock, so other tabs and concurrent reads never collide.
   */
  private async readFile(hash: ObjectHash, offset: number, length: number | undefined): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const shard = await this.shard(hash, false);
    if (!shard) return undefined;
    let file: MovableFile;
    try {
      file = (await shard.getFileHandle(hash)) as MovableFile;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    if (this.sharedReads) {
      let handle: FileSystemSyncAccessHandle | undefined;
      try {
        handle = await file.createSyncAccessHandle({ mode: 'read-only' });
      } catch (e) {
        if (isNotFound(e)) return undefined;
      }
      if (handle) {
        try {
          const size = handle.getSize();
          const start = Math.min(offset, size);
          const out = new Uint8Array(length === undefined ? size - start : Math.min(length, size - start));
          let at = 0;
          while (at < out.length) {
            const n = handle.read(out.subarray(at), { at: start + at });
            if (n <= 0) break; // shorter than it said: what was read, as a File snapshot would give
            at += n;
          }
          return at === out.length ? out : out.slice(0, at);
        } finally {
          handle.close();
        }
      }
    }
    try {
      const snapshot = await file.getFile();
      return new Uint8Array(await (length === undefined && offset === 0 ? snapshot : snapshot.slice(offset, length === undefined ? undefined : offset + length)).arrayBuffer());
    } catch (e) {
      // Deleted since its handle was taken (a delete beside the read): not there, as above.
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private shard(hash: ObjectHash, create: true): Promise<FileSystemDirectoryHandle>;
  private shard(hash: ObjectHash, create: false): Promise<FileSystemDirectoryHandle | undefined>;
  private async shard(hash: ObjectHash, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    const name = shardOf(hash);
    const cached = this.shards.get(name);
    if (cached) return cached;
    try {
      const dir = await this.dirs().objects.getDirectoryHandle(name, { create });
      this.shards.set(name, dir);
      return dir;
    } catch (e) {
      if (!create && isNotFound(e)) return undefined;
      throw e;
    }
  }

  private dirs(): { objects: FileSystemDirectoryHandle; tmp: FileSystemDirectoryHandle } {
    if (!this.objects || !this.tmp) throw new DOMException('OPFS store not initialised', 'InvalidStateError');
    return { objects: this.objects, tmp: this.tmp };
  }

  private async removeTempAfterFailure(name: string, cause: unknown): Promise<void> {
    try {
      await this.dirs().tmp.removeEntry(name);
    } catch (e) {
      // The write's own error is what the caller needs; a leftover temp file is swept once
      // this session has ended. Keep the second failure on the first for diagnosis.
      if (typeof cause === 'object' && cause !== null) Object.assign(cause, { undoError: e });
    }
  }
}
