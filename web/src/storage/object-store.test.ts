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
import { INLINE_MAX_BYTES, VerifiedObjectStore } from './verified-store.ts';
import { openDB } from 'idb';
import type { ObjectBytesSchema } from './backend-idb.ts';
import type { IndexSchema } from './index-schema.ts';
import { storageNames } from './layout.ts';
import type { ObjectRecord } from './object-catalog.ts';

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
    inlineSmall: true,
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

describe('small objects kept inline in the index (IndexedDB catalog)', () => {
  let n = 0;
  const names = () => `inline-${++n}`;
  const small = (fill: number) => new Uint8Array(INLINE_MAX_BYTES).fill(fill);
  async function where(name: string, hash: ObjectHash): Promise<{ inline: boolean; backend: boolean; record?: ObjectRecord }> {
    const index = await openDB<IndexSchema>(storageNames(name).indexDb);
    const bytesDb = await openDB<ObjectBytesSchema>(storageNames(name).objectsDb);
    try {
      return { inline: (await index.get('small', hash)) !== undefined, backend: (await bytesDb.get('bytes', hash)) !== undefined, record: await index.get('objects', hash) };
    } finally {
      index.close();
      bytesDb.close();
    }
  }

  it('an object up to INLINE_MAX_BYTES lives beside its record, a larger one in the backend; both read back', async () => {
    const name = names();
    const store = await openObjectStore({ name, hash: hashObject, preferred: 'idb' });
    const a = small(1);
    const b = new Uint8Array(INLINE_MAX_BYTES + 1).fill(2);
    const [ha, hb] = [await hashObject(a), await hashObject(b)];
    expect(await store.put(ha, a)).toBe('stored');
    expect(await store.put(ha, a)).toBe('present');
    expect(await store.put(hb, b)).toBe('stored');
    expect(await where(name, ha)).toMatchObject({ inline: true, backend: false, record: { state: 'complete', inline: true } });
    expect(await where(name, hb)).toMatchObject({ inline: false, backend: true });
    expect(await store.get(ha)).toEqual(a);
    expect(await store.getRange(ha, 10, 5)).toEqual(a.slice(10, 15));
    expect(await store.get(hb)).toEqual(b);
    expect(await store.stat()).toMatchObject({ count: 2, bytes: a.length + b.length });
    await store.delete(ha);
    expect(await where(name, ha)).toEqual({ inline: false, backend: false, record: undefined });
    expect(await store.stat()).toMatchObject({ count: 1, bytes: b.length });
    await store.close();
  });

  it('damaged inline bytes are refused, condemned and dropped; a good copy stored again reads', async () => {
    const name = names();
    const store = await openObjectStore({ name, hash: hashObject, preferred: 'idb' });
    const a = small(3);
    const ha = await hashObject(a);
    await store.put(ha, a);
    await tamperIdbObject(name, ha);
    await expect(store.get(ha)).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(await where(name, ha)).toMatchObject({ inline: false, record: { state: 'corrupt' } });
    expect(await store.has(ha)).toBe(false);
    expect(await store.put(ha, a)).toBe('stored');
    expect(await store.get(ha)).toEqual(a);
    await store.close();
  });

  it('a staged inline object is invisible until committed, and swept with its bytes when its session died', async () => {
    const name = names();
    const first = await openObjectStore({ name, hash: hashObject, preferred: 'idb' });
    const a = small(4);
    const ha = await hashObject(a);
    await first.put(ha, a, { stage: true });
    expect(await first.has(ha)).toBe(false);
    expect(await where(name, ha)).toMatchObject({ inline: true, record: { state: 'pending' } });
    await first.close();
    const second = await openObjectStore({ name, hash: hashObject, preferred: 'idb' });
    expect(await where(name, ha)).toEqual({ inline: false, backend: false, record: undefined });
    expect(await second.stat()).toMatchObject({ count: 0, pendingCount: 0, pendingBytes: 0 });
    await second.close();
  });

  it('a small object past the quota is refused and leaves nothing', async () => {
    const name = names();
    const store = await openObjectStore({ name, hash: hashObject, preferred: 'idb', quotaBytes: INLINE_MAX_BYTES + 10 });
    const [a, b] = [small(5), small(6)];
    await store.put(await hashObject(a), a);
    const hb = await hashObject(b);
    await expect(store.put(hb, b)).rejects.toMatchObject({ name: 'QuotaError' });
    expect(await where(name, hb)).toEqual({ inline: false, backend: false, record: undefined });
    expect(await store.stat()).toMatchObject({ count: 1, pendingCount: 0 });
    await store.close();
  });

  it('inlineMaxBytes: 0 keeps every object in the backend', async () => {
    const name = names();
    const store = await openObjectStore({ name, hash: hashObject, preferred: 'idb', inlineMaxBytes: 0 });
    const a = small(7);
    const ha = await hashObject(a);
    await store.put(ha, a);
    expect(await where(name, ha)).toMatchObject({ inline: false, backend: true });
    await store.close();
  });
});
