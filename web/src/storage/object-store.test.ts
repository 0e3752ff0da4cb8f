/**
 * The object store acceptance suite in Node: the memory store, and the IndexedDB store over
 * fake-indexeddb (fast, for the logic; real IndexedDB and OPFS run in e2e/storage.spec.ts).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
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

describe('sweeping orphans at open', () => {
  it('reads no pending records when the totals count none, and still sweeps a dead session\'s', async () => {
    const d = { bytes: new Map(), catalog: new Map() } as { bytes: MemoryDisk; catalog: MemoryCatalogDisk };
    let scans = 0;
    const catalogOf = () => {
      const c = new MemoryCatalog(d.catalog);
      const inState = c.inState.bind(c);
      c.inState = (state) => {
        scans++;
        return inState(state);
      };
      return c;
    };
    const open = async () => new VerifiedObjectStore({ backend: new MemoryBackend(d.bytes), catalog: catalogOf(), hash: hashObject, session: await openSession() });
    const bytes = new Uint8Array([1, 2, 3]);
    const hash = await hashObject(bytes);
    const first = await open();
    await first.put(hash, bytes);
    expect(await first.sweepOrphans()).toEqual({ objects: 0, bytes: 0, tempFiles: 0 });
    expect(scans).toBe(0); // an unlock after a clean lock: nothing to scan
    // A staged object of a session that then ended (a crash mid-ingest): the next open sweeps it.
    const staged = new Uint8Array([4, 5, 6, 7]);
    await first.put(await hashObject(staged), staged, { stage: true });
    await first.close();
    const second = await open();
    expect(await second.sweepOrphans()).toMatchObject({ objects: 1, bytes: 4 });
    expect(scans).toBe(1);
    expect(await second.has(hash)).toBe(true);
    await second.close();
  });
});
