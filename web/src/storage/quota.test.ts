/** The persistence request (asked without waiting, its late answer recorded) and usage's store kind. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { hashObject } from '../crypto/stream.ts';
import { openObjectStore } from './open-store.ts';
import { PersistenceRequest, usage, type PersistenceState } from './quota.ts';

/** A browser whose prompt stays open until `answer` is called (Firefox's behaviour). */
function promptingStorage() {
  let answer: (granted: boolean) => void = () => {};
  let asked = 0;
  const storage = {
    persisted: () => Promise.resolve(false),
    persist: () => {
      asked++;
      return new Promise<boolean>((r) => (answer = r));
    },
  };
  return { storage, answer: (g: boolean) => answer(g), asked: () => asked };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('PersistenceRequest', () => {
  it('returns at once while the prompt is open, then records the late answer', async () => {
    const b = promptingStorage();
    const p = new PersistenceRequest(() => b.storage);
    const seen: PersistenceState[] = [];
    p.on('change', (s) => seen.push(s));
    p.ask();
    await settle();
    expect(p.state).toBe('asking');
    p.ask(); // a second open (unlock) while the prompt is still open asks no second time
    await settle();
    expect(b.asked()).toBe(1);
    b.answer(true);
    await settle();
    expect(p.state).toBe('granted');
    expect(seen).toEqual(['asking', 'granted']);
  });

  it('records a refusal, and asks again at the next open', async () => {
    const b = promptingStorage();
    const p = new PersistenceRequest(() => b.storage);
    p.ask();
    await settle();
    b.answer(false);
    await settle();
    expect(p.state).toBe('declined');
    p.ask();
    await settle();
    expect(b.asked()).toBe(2);
  });

  it('already persistent: granted without a prompt; no API: unavailable', async () => {
    let prompted = false;
    const granted = new PersistenceRequest(() => ({ persisted: () => Promise.resolve(true), persist: () => ((prompted = true), Promise.resolve(true)) }));
    granted.ask();
    await settle();
    expect(granted.state).toBe('granted');
    expect(prompted).toBe(false);
    const missing = new PersistenceRequest(() => undefined);
    missing.ask();
    expect(missing.state).toBe('unavailable');
  });

  it('a failing API is unavailable, not an unhandled rejection', async () => {
    const p = new PersistenceRequest(() => ({ persisted: () => Promise.reject(new Error('no')), persist: () => Promise.resolve(true) }));
    p.ask();
    await settle();
    expect(p.state).toBe('unavailable');
  });
});

describe('usage', () => {
  it("names the store's kind, so the Storage page can say where photos live", async () => {
    // In Node OPFS is missing, so the store falls back to IndexedDB, as WebKitGTK's does.
    const store = await openObjectStore({ name: 'usage-kind-1', hash: hashObject });
    expect((await usage(store)).kind).toBe('idb');
    await store.close();
    const mem = await openObjectStore({ name: 'usage-kind-2', hash: hashObject, preferred: 'memory' });
    expect((await usage(mem)).kind).toBe('memory');
    await mem.close();
    expect((await usage()).kind).toBeUndefined();
  });
});
