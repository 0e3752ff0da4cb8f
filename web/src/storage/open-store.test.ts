/** The factory's choices and the mapping of browser storage errors, in Node. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { ObjectHash } from '../core/ids.ts';
import { hashObject } from '../crypto/stream.ts';
import { MemoryBackend } from './backend-memory.ts';
import { MemoryCatalog } from './catalog-memory.ts';
import { randomBytes } from './object-store.suite.ts';
import { openObjectStore } from './open-store.ts';
import { openSession } from './session.ts';
import { VerifiedObjectStore } from './verified-store.ts';

describe('openObjectStore', () => {
  it('falls back to IndexedDB where OPFS is missing, says why, and keeps that choice', async () => {
    const reasons: string[] = [];
    const store = await openObjectStore({ name: 'factory-1', hash: hashObject, onFallback: (e) => reasons.push(e.name) });
    expect(store.kind).toBe('idb');
    expect(reasons).toEqual(['StorageError']);
    const bytes = randomBytes(100);
    const hash = await hashObject(bytes);
    await store.put(hash, bytes);
    await store.close();
    const again = await openObjectStore({ name: 'factory-1', hash: hashObject, preferred: 'opfs' });
    expect(again.kind).toBe('idb');
    expect(await again.get(hash)).toEqual(bytes);
    await again.close();
  });

  it('memory without an index keeps nothing across opens', async () => {
    const store = await openObjectStore({ name: 'factory-2', hash: hashObject, preferred: 'memory' });
    expect(store.kind).toBe('memory');
    await store.close();
  });
});

describe('backend failures', () => {
  class FailingBackend extends MemoryBackend {
    constructor(private readonly error: unknown) {
      super();
    }
    override write(): Promise<void> {
      return Promise.reject(this.error);
    }
  }
  const storeWith = async (error: unknown) =>
    new VerifiedObjectStore({ backend: new FailingBackend(error), catalog: new MemoryCatalog(), hash: hashObject, session: await openSession() });

  it("the browser's QuotaExceededError becomes QuotaError and leaves no reservation", async () => {
    const store = await storeWith(new DOMException('full', 'QuotaExceededError'));
    const bytes = randomBytes(10);
    await expect(store.put(await hashObject(bytes), bytes)).rejects.toMatchObject({ name: 'QuotaError' });
    expect(await store.stat()).toMatchObject({ count: 0, pendingCount: 0, pendingBytes: 0 });
    await store.close();
  });

  it('other write failures become retryable StorageErrors', async () => {
    const store = await storeWith(new DOMException('disk went away', 'UnknownError'));
    const bytes = randomBytes(10);
    await expect(store.put(await hashObject(bytes), bytes)).rejects.toMatchObject({ name: 'StorageError', retryable: true });
    await store.close();
  });

  it('refuses work after close', async () => {
    const store = await storeWith(new Error('unused'));
    await store.close();
    await expect(store.has('0'.repeat(64) as ObjectHash)).rejects.toMatchObject({ name: 'StorageError' });
  });
});
