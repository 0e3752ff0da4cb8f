/**
 * Test hooks: damage stored bytes behind the store's back, the way a failing disk or a
 * meddling extension would. Used by the acceptance suite's setups (vitest and the browser
 * harness); nothing in the app imports this file.
 */
import { openDB } from 'idb';
import type { ObjectHash } from '../core/ids.ts';
import type { ObjectBytesSchema } from './backend-idb.ts';
import type { IndexSchema } from './index-schema.ts';
import { shardOf, storageNames } from './layout.ts';

/** Flips the first byte of a small object kept in the index beside its record; false if it is not kept there. */
async function tamperInline(name: string, hash: ObjectHash): Promise<boolean> {
  const db = await openDB<IndexSchema>(storageNames(name).indexDb);
  try {
    if (!db.objectStoreNames.contains('small')) return false;
    const buf = await db.get('small', hash);
    if (!buf) return false;
    const bytes = new Uint8Array(buf);
    bytes[0] = bytes[0]! ^ 0xff;
    await db.put('small', buf, hash);
    return true;
  } finally {
    db.close();
  }
}

/** Flips every bit of the first byte of an object kept by the IndexedDB backend (or inline in the index). */
export async function tamperIdbObject(name: string, hash: ObjectHash): Promise<void> {
  if (await tamperInline(name, hash)) return;
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

/** Flips every bit of the first byte of an OPFS object file (from the page, via createWritable), or of the object inline in the index. */
export async function tamperOpfsObject(name: string, hash: ObjectHash): Promise<void> {
  if (await tamperInline(name, hash)) return;
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
