/**
 * Test hooks: damage stored bytes behind the store's back, the way a failing disk or a
 * meddling extension would. Used by the acceptance suite's setups (vitest and the browser
 * harness); nothing in the app imports this file.
 */
import { openDB } from 'idb';
import type { ObjectHash } from '../core/ids.ts';
import type { ObjectBytesSchema } from './backend-idb.ts';
import { shardOf, storageNames } from './layout.ts';

/** Flips every bit of the first byte of an object kept by the IndexedDB backend. */
export async function tamperIdbObject(name: string, hash: ObjectHash): Promise<void> {
  const db = await openDB<ObjectBytesSchema>(storageNames(name).objectsDb);
  try {
    const buf = await db.get('bytes', hash);
    if (!buf) throw new Error(`tamper: no bytes stored for ${hash}`);
    const bytes = new Uint8Array(buf);
    bytes[0] = bytes[0]! ^ 0xff;
    await db.put('bytes', buf, hash);
  } finally {
    db.close();
  }
}

/** Flips every bit of the first byte of an OPFS object file (from the page, via createWritable). */
export async function tamperOpfsObject(name: string, hash: ObjectHash): Promise<void> {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle(storageNames(name).opfsDir);
  const shard = await (await dir.getDirectoryHandle('objects')).getDirectoryHandle(shardOf(hash));
  const file = await shard.getFileHandle(hash);
  const first = new Uint8Array(await (await file.getFile()).slice(0, 1).arrayBuffer());
  const writable = await file.createWritable({ keepExistingData: true });
  await writable.write({ type: 'write', position: 0, data: new Uint8Array([first[0]! ^ 0xff]) });
  await writable.close();
}

/** Whether an OPFS object file exists under its final name. */
export async function opfsObjectExists(name: string, hash: ObjectHash): Promise<boolean> {
  const root = await navigator.storage.getDirectory();
  try {
    const dir = await root.getDirectoryHandle(storageNames(name).opfsDir);
    const shard = await (await dir.getDirectoryHandle('objects')).getDirectoryHandle(shardOf(hash));
    await shard.getFileHandle(hash);
    return true;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'NotFoundError') return false;
    throw e;
  }
}

/** Names in the store's OPFS tmp/ directory (writes in progress or interrupted). */
export async function opfsTempNames(name: string): Promise<string[]> {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle(storageNames(name).opfsDir);
  const tmp = (await dir.getDirectoryHandle('tmp')) as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };
  const names: string[] = [];
  for await (const n of tmp.keys()) names.push(n);
  return names;
}
