/**
 * The object store acceptance suite in Node: the memory store, and the IndexedDB store over
 * fake-indexeddb (fast, for the logic; real IndexedDB and OPFS run in e2e/storage.spec.ts).
 */
import 'fake-indexeddb/auto';
import { describe, it } from 'vitest';
import type { ObjectHash } from '../core/ids.ts';
import { hashObject } from '../crypto/stream.ts';
import { MemoryBackend, type MemoryDisk } from './backend-memory.ts';
import { MemoryCatalog, type MemoryCatalogDisk } from './catalog-memory.ts';
import { runObjectStoreTests } from './object-store.suite.ts';
import { openObjectStore } from './open-store.ts';
import { openSession } from './session.ts';
import { tamperIdbObject } from './test-hooks.ts';
import { VerifiedObjectStore } from './verified-store.ts';

const disks = new Map<string, { bytes: MemoryDisk; catalog: MemoryCatalogDisk }>();
const disk = (name: string) => {
  let d = disks.get(name);
  if (!d) disks.set(name, (d = { bytes: new Map(), catalog: new Map() }));
  return d;
};

describe('memory object store', () => {
  const cases = runObjectStoreTests({
    label: 'memory',
    hash: hashObject,
    async open(name, options) {
      const d = disk(name);
      return new VerifiedObjectStore({
        backend: new MemoryBackend(d.bytes), catalog: new MemoryCatalog(d.catalog),
        hash: hashObject, session: await openSession(), quotaBytes: options?.quotaBytes,
      });
    },
    tamper(name, hash: ObjectHash) {
      const bytes = disk(name).bytes.get(hash)!;
      bytes[0] = bytes[0]! ^ 0xff;
      return Promise.resolve();
    },
  });
  for (const c of cases) it(c.name, c.run);
});

describe('IndexedDB object store (fake-indexeddb)', () => {
  const cases = runObjectStoreTests({
    label: 'idb',
    hash: hashObject,
    open: (name, options) => openObjectStore({ name, hash: hashObject, preferred: 'idb', quotaBytes: options?.quotaBytes }),
    tamper: tamperIdbObject,
  });
  for (const c of cases) it(c.name, c.run);
});
