/** The index schema and its queries, in Node over fake-indexeddb. */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlbumId, MemberId, ObjectHash, PeerId, PhotoId } from '../core/ids.ts';
import { openIndex, type VaultIndex } from './index-db.ts';
import { INDEX_VERSION, type OpRecord } from './index-schema.ts';
import { storageNames } from './layout.ts';

let n = 0;
const open: VaultIndex[] = [];
async function fresh(): Promise<{ index: VaultIndex; name: string }> {
  const name = `idx-test-${++n}`;
  const index = await openIndex(name);
  open.push(index);
  return { index, name };
}
afterEach(() => open.splice(0).forEach((i) => i.close()));

const h = (c: string) => c.repeat(64) as ObjectHash;
const album = 'album-1' as AlbumId;
const alice = 'alice' as MemberId;
const bob = 'bob' as MemberId;
const op = (author: MemberId, seq: number, a: AlbumId = album): OpRecord =>
  ({ album: a, author, seq, ciphertext: new Uint8Array([seq]), signature: new Uint8Array(64), receivedAt: 0 });

describe('index schema', () => {
  it('version 1 has every store and index', async () => {
    const { index } = await fresh();
    expect(index.db.version).toBe(INDEX_VERSION);
    expect([...index.db.objectStoreNames].sort()).toEqual(
      ['acks', 'albums', 'jobs', 'members', 'meta', 'objects', 'ops', 'peers', 'photos', 'vault'],
    );
    const tx = index.db.transaction(['photos', 'jobs', 'acks', 'objects']);
    expect([...tx.objectStore('photos').indexNames]).toEqual(['byAlbum']);
    expect([...tx.objectStore('jobs').indexNames]).toEqual(['due']);
    expect([...tx.objectStore('acks').indexNames]).toEqual(['byPeer']);
    expect([...tx.objectStore('objects').indexNames]).toEqual(['byState']);
  });

  it('reopening keeps the data and refuses a database from a newer version', async () => {
    const { index, name } = await fresh();
    await index.setSetting('theme', { dark: true });
    index.close();
    const again = await openIndex(name);
    open.push(again);
    expect(await again.getSetting('theme')).toEqual({ dark: true });
    again.close();
    // A newer app upgraded it: this (older) code must fail clearly rather than misread it.
    const newer = await openDB(storageNames(name).indexDb, INDEX_VERSION + 1);
    newer.close();
    await expect(openIndex(name)).rejects.toMatchObject({ name: 'StorageError' });
  });
});

describe('index queries', () => {
  it('ops: what a peer is missing, and the version vector entry', async () => {
    const { index } = await fresh();
    for (const seq of [1, 2, 3, 10]) await index.put('ops', op(alice, seq));
    await index.put('ops', op(bob, 7));
    await index.put('ops', op(alice, 99, 'album-2' as AlbumId));
    expect((await index.opsAfter(album, alice, 2)).map((o) => o.seq)).toEqual([3, 10]);
    expect((await index.opsAfter(album, alice, 0, 2)).map((o) => o.seq)).toEqual([1, 2]);
    expect(await index.lastSeq(album, alice)).toBe(10);
    expect(await index.lastSeq(album, bob)).toBe(7);
    expect(await index.lastSeq(album, 'carol' as MemberId)).toBe(0);
  });

  it('jobs: due ones for a peer, oldest first, backoff respected', async () => {
    const { index } = await fresh();
    const peer = 'peer-aaaa' as PeerId;
    const job = (c: string, state: 'queued' | 'sending' | 'done' | 'failed', nextAttemptAt: number, p = peer) =>
      index.put('jobs', { peer: p, hash: h(c), state, attempts: 0, nextAttemptAt, updatedAt: 0 });
    await job('1', 'queued', 50);
    await job('2', 'failed', 10);
    await job('3', 'failed', 500);
    await job('4', 'done', 0);
    await job('5', 'sending', 0);
    await job('6', 'queued', 0, 'peer-bbbb' as PeerId);
    expect((await index.dueJobs(peer, 100)).map((j) => j.hash)).toEqual([h('2'), h('1')]);
    expect((await index.dueJobs(peer, 1000, 1)).map((j) => j.hash)).toEqual([h('2')]);
  });

  it('acks and photos by album', async () => {
    const { index } = await fresh();
    await index.put('acks', { hash: h('a'), peer: 'relay-home1' as PeerId, at: 1 });
    await index.put('acks', { hash: h('a'), peer: 'relay-home2' as PeerId, at: 2 });
    await index.put('acks', { hash: h('b'), peer: 'relay-home1' as PeerId, at: 3 });
    expect((await index.acksFor(h('a'))).map((a) => a.peer)).toEqual(['relay-home1', 'relay-home2']);
    await index.delete('acks', [h('a'), 'relay-home1' as PeerId]);
    expect(await index.acksFor(h('a'))).toHaveLength(1);
    expect(await index.photosInAlbum(album)).toEqual([]);
    expect(await index.setPhotoState('nope' as PhotoId, 'removed')).toBe(false);
  });
});
