/**
 * The OPFS check in OpfsFiles.init, with fake FileSystem handles: the method's presence is not
 * enough (WebKitGTK has createSyncAccessHandle, and it throws NotSupportedError); the store is
 * used only if a sync access handle really writes and reads back, and a failure becomes the
 * StorageError on which openObjectStore falls back to IndexedDB.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isStorageError } from '../core/errors.ts';
import { OpfsFiles } from './opfs-files.ts';
import { toStorageError } from './quota.ts';

type SyncBehaviour = 'works' | 'throws' | 'reads-zeros';

/** A directory of in-memory files whose sync access handles behave as told. */
class FakeDir {
  readonly files = new Map<string, Uint8Array>();
  readonly dirs = new Map<string, FakeDir>();
  constructor(private readonly sync: SyncBehaviour) {}

  getDirectoryHandle(name: string, o?: { create?: boolean }) {
    let d = this.dirs.get(name);
    if (!d && o?.create) this.dirs.set(name, (d = new FakeDir(this.sync)));
    if (!d) return Promise.reject(new DOMException('no such directory', 'NotFoundError'));
    return Promise.resolve(d);
  }

  getFileHandle(name: string, o?: { create?: boolean }) {
    if (!this.files.has(name) && o?.create) this.files.set(name, new Uint8Array());
    if (!this.files.has(name)) return Promise.reject(new DOMException('no such file', 'NotFoundError'));
    const files = this.files;
    const sync = this.sync;
    return Promise.resolve({
      createSyncAccessHandle() {
        if (sync === 'throws') return Promise.reject(new DOMException('The operation is not supported.', 'NotSupportedError'));
        return Promise.resolve({
          write(b: Uint8Array) {
            files.set(name, b.slice());
            return b.length;
          },
          read(into: Uint8Array) {
            if (sync === 'works') into.set(files.get(name)!);
            return into.length;
          },
          flush() {},
          close() {},
        });
      },
    });
  }

  removeEntry(name: string) {
    this.files.delete(name);
    return Promise.resolve();
  }
}

const root = (d: FakeDir) => d as unknown as FileSystemDirectoryHandle;

describe('OpfsFiles.init', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  // Every engine under test has both methods on the prototype; the probe must decide.
  const engineWithTheMethods = () => {
    class FileSystemFileHandle {}
    Object.assign(FileSystemFileHandle.prototype, { createSyncAccessHandle() {}, move() {} });
    vi.stubGlobal('FileSystemFileHandle', FileSystemFileHandle);
  };

  it('rejects with NotSupportedError where createSyncAccessHandle throws (WebKitGTK), leaving no probe file', async () => {
    engineWithTheMethods();
    const opfs = new FakeDir('throws');
    const e = await new OpfsFiles().init('vault-1', root(opfs)).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(DOMException);
    expect((e as DOMException).name).toBe('NotSupportedError');
    expect((e as DOMException).message).toContain('NotSupportedError');
    expect([...opfs.dirs.get('vault-1')!.files.keys()]).toEqual([]);
    // The page side maps it to the StorageError on which openObjectStore uses IndexedDB instead.
    expect(isStorageError(toStorageError(e, 'opening OPFS'))).toBe(true);
  });

  it('rejects where the bytes read back differ', async () => {
    engineWithTheMethods();
    const opfs = new FakeDir('reads-zeros');
    await expect(new OpfsFiles().init('vault-2', root(opfs))).rejects.toMatchObject({ name: 'NotSupportedError' });
    expect([...opfs.dirs.get('vault-2')!.files.keys()]).toEqual([]);
  });

  it('opens where a sync access handle writes and reads back, and removes the probe file', async () => {
    engineWithTheMethods();
    const opfs = new FakeDir('works');
    await new OpfsFiles().init('vault-3', root(opfs));
    const dir = opfs.dirs.get('vault-3')!;
    expect([...dir.dirs.keys()].sort()).toEqual(['objects', 'tmp']);
    expect([...dir.files.keys()]).toEqual([]);
  });
});
