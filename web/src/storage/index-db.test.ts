/** The index schema and its queries, in Node over fake-indexeddb. */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlbumId, MemberId, ObjectHash, PeerId, PhotoId } from '../core/ids.ts';
import { IdbReplicationStores } from './replication-stores.ts';
import { openIndex, type VaultIndex } from './index-db.ts';
import { INDEX_VERSION, upgradeIndex, type OpRecord } from './index-schema.ts';
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
  ({ log: a, author, seq, lamport: seq, ciphertext: new Uint8Array([seq]), signature: new Uint8Array(64) });

describe('index schema', () => {
  it('the current version has every store and index', async () => {
    const { index } = await fresh();
    expect(index.db.version).toBe(INDEX_VERSION);
    expect([...index.db.objectStoreNames].sort()).toEqual(
      ['acks', 'albums', 'inventory', 'jobs', 'members', 'meta', 'objects', 'ops', 'peers', 'photos', 'small', 'vault'],
    );
    const tx = index.db.transaction(['photos', 'jobs', 'acks', 'objects']);
    expect([...tx.objectStore('photos').indexNames]).toEqual(['byAlbum']);
    expect([...tx.objectStore('acks').indexNames]).toEqual(['byPeer']);
    expect([...tx.objectStore('objects').indexNames]).toEqual(['byState']);
  });

  it('a version 1 database (before small objects were kept inline) is upgraded with its data', async () => {
    const name = `idx-test-${++n}`;
    const v1 = await openDB(storageNames(name).indexDb, 1, { upgrade: (db, oldVersion, _n, tx) => upgradeIndex(db as never, oldVersion, 1, tx as never) });
    await v1.put('vault', { dark: true }, 'theme');
    v1.close();
    const index = await openIndex(name);
    open.push(index);
    expect(index.db.objectStoreNames.contains('small')).toBe(true);
    expect(await index.getSetting('theme')).toEqual({ dark: true });
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
  it('ops: appends must follow, what a peer is missing, the version vector', async () => {
    const { index } = await fresh();
    const stores = new IdbReplicationStores(index);
    for (const seq of [1, 2, 3]) await stores.opAppend(op(alice, seq));
    await stores.opAppend(op(bob, 1));
    await stores.opAppend(op(alice, 1, 'album-2' as AlbumId));
    await expect(stores.opAppend(op(alice, 5))).rejects.toMatchObject({ name: 'StorageError' });
    await expect(stores.opAppend(op(alice, 3))).rejects.toMatchObject({ name: 'StorageError' });
    expect((await stores.opsSince(album, alice, 1, 10)).map((o) => o.seq)).toEqual([2, 3]);
    expect((await stores.opsSince(album, alice, 0, 2)).map((o) => o.seq)).toEqual([1, 2]);
    expect((await stores.opGet(album, bob, 1))?.seq).toBe(1);
    const v = await stores.opVector();
    expect(v.get(album)?.get(alice)).toBe(3);
    expect(v.get(album)?.get(bob)).toBe(1);
    expect(v.get('album-2')?.get(alice)).toBe(1);
  });

  it('ops in one batch: written all or none, each pair following what is held and then each other', async () => {
    const { index } = await fresh();
    const stores = new IdbReplicationStores(index);
    await stores.opAppend(op(alice, 1));
    await stores.opAppendMany([op(alice, 2), op(bob, 1), op(alice, 3), op(bob, 2)]);
    expect((await stores.opsSince(album, alice, 0, 10)).map((o) => o.seq)).toEqual([1, 2, 3]);
    expect((await stores.opsSince(album, bob, 0, 10)).map((o) => o.seq)).toEqual([1, 2]);
    // A gap (alice #5 after #3) or a rewrite (bob #2 again) anywhere: nothing of the batch is written.
    await expect(stores.opAppendMany([op(bob, 3), op(alice, 5)])).rejects.toMatchObject({ name: 'StorageError' });
    await expect(stores.opAppendMany([op(alice, 4), op(bob, 2)])).rejects.toMatchObject({ name: 'StorageError' });
    const v = await stores.opVector();
    expect([v.get(album)?.get(alice), v.get(album)?.get(bob)]).toEqual([3, 2]);
  });

  it('the version vector holds every (log, author) pair and its highest seq, whatever their interleaving', async () => {
    const { index } = await fresh();
    const stores = new IdbReplicationStores(index);
    const want = new Map<string, Map<string, number>>();
    const logs = ['a-log', 'b-log', 'vault', 'z-log'];
    const authors = [alice, bob, 'carol-device-key', 'zed'];
    for (const [li, log] of logs.entries()) {
      for (const [ai, author] of authors.entries()) {
        const n = (li * 7 + ai * 3) % 5; // 0..4 ops: some pairs have none
        for (let seq = 1; seq <= n; seq++) await stores.opAppend(op(author as never, seq, log as AlbumId));
        if (n) (want.get(log) ?? want.set(log, new Map()).get(log)!).set(author, n);
      }
    }
    const v = await stores.opVector();
    expect([...v].map(([l, m]) => [l, [...m].sort()]).sort()).toEqual([...want].map(([l, m]) => [l, [...m].sort()]).sort());
  });

  it('jobs persist by id; acks answer who holds what', async () => {
    const { index } = await fresh();
    const stores = new IdbReplicationStores(index);
    const peer = 'peer-aaaa' as PeerId;
    await stores.jobPut({ id: `pull:${h('1')}`, peer, hash: h('1'), state: 'queued', attempts: 0 });
    await stores.jobPut({ id: `pull:${h('1')}`, peer, hash: h('1'), state: 'failed', attempts: 1 });
    await stores.jobPut({ id: `push:${peer}:${h('2')}`, peer, hash: h('2'), state: 'done', attempts: 0 });
    expect((await stores.jobsAll()).map((j) => [j.id.slice(0, 4), j.state])).toEqual([['pull', 'failed'], ['push', 'done']]);
    await stores.jobDelete(`pull:${h('1')}`);
    expect(await stores.jobsAll()).toHaveLength(1);
    await stores.ackAdd('relay-home1' as PeerId, [h('a'), h('b')]);
    await stores.ackAdd('relay-home2' as PeerId, [h('a')]);
    expect(await stores.ackPeersWith(h('a'))).toEqual(['relay-home1', 'relay-home2']);
    expect(await stores.ackHas('relay-home2' as PeerId, h('b'))).toBe(false);
    expect((await stores.ackList('relay-home1' as PeerId)).sort()).toEqual([h('a'), h('b')]);
    expect(await stores.ackPeers()).toEqual(['relay-home1', 'relay-home2']); // each once
    await stores.ackRemove('relay-home1' as PeerId, [h('a')]);
    expect(await stores.ackPeersWith(h('a'))).toEqual(['relay-home2']);
    await stores.ackRemove('relay-home2' as PeerId, [h('a')]);
    expect(await stores.ackPeers()).toEqual(['relay-home1']);
  });

  it('an ack this page wrote is not written again (a listing, then the data, prove the same); once removed, it is', async () => {
    const { index } = await fresh();
    const stores = new IdbReplicationStores(index);
    const relay = 'relay-home1' as PeerId;
    await stores.ackAdd(relay, [h('a'), h('b')]);
    // Taken away behind this page's back (so a second write would show): the page does not write it again.
    await index.db.delete('acks', [h('a'), relay]);
    await stores.ackAdd(relay, [h('a'), h('c')]);
    expect((await stores.ackList(relay)).sort()).toEqual([h('b'), h('c')]);
    // Removed by this page: the next add writes it.
    await stores.ackRemove(relay, [h('b')]);
    await stores.ackAdd(relay, [h('b')]);
    expect((await stores.ackList(relay)).sort()).toEqual([h('b'), h('c')]);
    // Another peer's ack of the same object is its own knowledge.
    await stores.ackAdd('relay-home2' as PeerId, [h('c')]);
    expect(await stores.ackPeersWith(h('c'))).toEqual(['relay-home1', 'relay-home2']);
  });

  it("the peers with acks come from every ack's key where the index's key cursor fails (WebKitGTK 2.50)", async () => {
    const { index } = await fresh();
    const stores = new IdbReplicationStores(index);
    await stores.ackAdd('relay-home1' as PeerId, [h('a'), h('b')]);
    await stores.ackAdd('relay-home2' as PeerId, [h('a')]);
    const real = IDBIndex.prototype.openKeyCursor;
    IDBIndex.prototype.openKeyCursor = function () { throw new DOMException('Unable to open cursor', 'UnknownError'); };
    try {
      expect((await stores.ackPeers()).sort()).toEqual(['relay-home1', 'relay-home2']);
    } finally {
      IDBIndex.prototype.openKeyCursor = real;
    }
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
