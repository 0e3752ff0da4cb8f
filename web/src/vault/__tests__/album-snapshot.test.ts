/**
 * The album snapshot (album-snapshot.ts) with the real crypto API and an index over
 * fake-indexeddb: what it saves is sealed (no descriptor readable at rest), what it covers is each
 * author's contiguous prefix of settled seqs, and a snapshot that does not belong to its album (one
 * album's copied over another's, tampered bytes, or opened with another member's identity) is not
 * used.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { directApi as crypto } from '../../crypto/api.ts';
import { openIndex } from '../../storage/index-db.ts';
import { AlbumSnapshots, type OpenedOp } from '../album-snapshot.ts';

let n = 0;
async function setup() {
  const index = await openIndex(`snapshot-test-${++n}`);
  const identity = await crypto.createIdentity();
  const logs: string[] = [];
  const snaps = new AlbumSnapshots({ crypto, identity, index, log: (l) => logs.push(l), delayMs: 60_000 });
  return { index, identity, snaps, logs };
}

const op = (a: string, s: number, photo = `p-${a}-${s}`): OpenedOp => ({
  a, s, l: s, e: 0,
  p: { body: { kind: 'add', set: 'photos', element: photo }, photo: { t: 'photo.add', photo: photo as never, fileId: 'f', key: 'k', epoch: 0, manifest: 'm' as never, thumb: 't' as never, meta: 'x' as never } },
});

describe('album snapshot', () => {
  it('saves sealed, and loads back what was opened up to each author\'s contiguous prefix', async () => {
    const { index, identity, snaps } = await setup();
    snaps.opened('A', op('alice', 1, 'secret-photo-name'));
    snaps.opened('A', op('alice', 2));
    snaps.opened('A', op('alice', 4)); // 3 not yet: 4 is kept in memory, not saved
    snaps.unusable('A', 'bob', 1);
    snaps.opened('A', op('bob', 2));
    await snaps.flush();

    const sealed = await index.getSetting<Uint8Array>('albums.snapshot.A');
    expect(sealed).toBeInstanceOf(Uint8Array);
    const raw = Buffer.from(sealed!).toString('latin1');
    expect(raw).not.toContain('secret-photo-name');
    expect(raw).not.toContain('alice');

    const again = new AlbumSnapshots({ crypto, identity, index, log: () => undefined });
    const s = await again.load('A');
    expect(s).toBeDefined();
    expect([...s!.covered].sort()).toEqual([['alice', 2], ['bob', 2]]);
    expect(s!.ops.map((o) => `${o.a}#${o.s}`)).toEqual(['alice#1', 'alice#2', 'bob#2']);
    expect(s!.ops[0]!.p.photo?.photo).toBe('secret-photo-name');
  });

  it('an op arriving before its predecessor is covered once the gap is settled', async () => {
    const { identity, index, snaps } = await setup();
    snaps.opened('A', op('alice', 2));
    snaps.opened('A', op('alice', 3));
    snaps.opened('A', op('alice', 1));
    await snaps.flush();
    const s = await new AlbumSnapshots({ crypto, identity, index, log: () => undefined }).load('A');
    expect(s!.covered.get('alice')).toBe(3);
    expect(s!.ops).toHaveLength(3);
  });

  it("one album's snapshot copied over another's is not used", async () => {
    const { index, identity, snaps } = await setup();
    snaps.opened('A', op('alice', 1));
    await snaps.flush();
    await index.setSetting('albums.snapshot.B', await index.getSetting('albums.snapshot.A'));
    const logs: string[] = [];
    const again = new AlbumSnapshots({ crypto, identity, index, log: (l) => logs.push(l) });
    expect(await again.load('B')).toBeUndefined();
    expect(logs.join()).toMatch(/did not fit/);
    expect(await again.load('A')).toBeDefined();
  });

  it('tampered bytes, or another member opening it, get no snapshot', async () => {
    const { index, identity, snaps } = await setup();
    snaps.opened('A', op('alice', 1));
    await snaps.flush();
    const other = await crypto.createIdentity();
    expect(await new AlbumSnapshots({ crypto, identity: other, index, log: () => undefined }).load('A')).toBeUndefined();
    const sealed = (await index.getSetting<Uint8Array>('albums.snapshot.A'))!.slice();
    sealed[sealed.length - 5]! ^= 1;
    await index.setSetting('albums.snapshot.A', sealed);
    expect(await new AlbumSnapshots({ crypto, identity, index, log: () => undefined }).load('A')).toBeUndefined();
  });

  it('a discarded album saves an empty snapshot: its ops are all opened again', async () => {
    const { index, identity, snaps } = await setup();
    snaps.opened('A', op('alice', 1));
    await snaps.flush();
    const again = new AlbumSnapshots({ crypto, identity, index, log: () => undefined });
    again.discard('A');
    await again.flush();
    const s = await new AlbumSnapshots({ crypto, identity, index, log: () => undefined }).load('A');
    expect(s!.covered.size).toBe(0);
    expect(s!.ops).toHaveLength(0);
  });

  it('the timeline head is saved sealed with each flush that saved an album, and loads back', async () => {
    const { index, identity } = await setup();
    const head = [{ album: 'A', op: op('alice', 7, 'newest-photo') }];
    const snaps = new AlbumSnapshots({ crypto, identity, index, log: () => undefined, head: () => head });
    await snaps.flush();
    expect(await index.getSetting('albums.snapshot-head')).toBeUndefined(); // nothing changed: nothing saved
    snaps.opened('A', op('alice', 1));
    await snaps.flush();
    const sealed = await index.getSetting<Uint8Array>('albums.snapshot-head');
    expect(Buffer.from(sealed!).toString('latin1')).not.toContain('newest-photo');
    const loaded = await new AlbumSnapshots({ crypto, identity, index, log: () => undefined }).loadHead();
    expect(loaded?.map((h) => [h.album, h.op.a, h.op.s, h.op.p.photo?.photo])).toEqual([['A', 'alice', 7, 'newest-photo']]);
    const other = await crypto.createIdentity();
    expect(await new AlbumSnapshots({ crypto, identity: other, index, log: () => undefined }).loadHead()).toBeUndefined();
  });
});
