import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../core/bytes.ts';
import { computeRoster } from '../roster.ts';
import { computeAccess, openBody, sealBody, type SealedBody } from '../sealed.ts';
import { readStatement } from '../statement.ts';
import { crypto, Log, person, type Person } from './family.ts';

/** Grants and epochs are members-only: these are the rules a member's device applies. */
describe('album keys in the sealed part of the vault log', () => {
  it('only a writer of the album grants, only for an announced epoch; a viewer grants nothing', async () => {
    const dirKey = (await crypto.deriveMemberKeys(await crypto.newMemberSecret())).directoryKey;
    const log = new Log();
    const [mom, aunt, uncle, cousin] = await Promise.all(['Mom', 'Aunt', 'Uncle', 'Cousin'].map(person));
    await log.genesis(mom!);
    for (const [p, role] of [[aunt, 'contributor'], [uncle, 'viewer'], [cousin, 'contributor']] as const) await log.join(p!, await log.invite(mom!, role));
    const album = toBase64Url(await crypto.newAlbumId());
    const box = (p: Person) => toBase64Url(p.id.boxPublic);
    const seal = async (p: Person, b: SealedBody) => log.publish(p, { t: 'sealed', p: await sealBody(crypto, dirKey, b) });
    const grant = (p: Person, to: Person, epoch: number) => seal(p, { k: 'grant', album, epoch, to: box(to), key: 'AA' });
    await seal(mom!, { k: 'album', album });
    await grant(mom!, aunt!, 0); // valid
    await grant(mom!, uncle!, 0); // valid: a viewer may read
    await grant(cousin!, cousin!, 0); // refused: Cousin does not hold the album
    await grant(uncle!, cousin!, 0); // refused: a viewer grants nothing
    await grant(aunt!, mom!, 5); // refused: nobody announced epoch 5
    await seal(aunt!, { k: 'epoch', album, epoch: 1 }); // Aunt is a writer of the album
    await grant(aunt!, mom!, 1); // valid now

    const entries = await Promise.all(log.ops.map(async (op) => ({ st: await readStatement(crypto, op.ciphertext), author: op.author, seq: op.seq, lamport: op.lamport })));
    const roster = computeRoster(log.g, entries);
    const opened = new Map<string, SealedBody | undefined>();
    for (const e of roster.sealed) opened.set(e.id, await openBody(crypto, dirKey, e.p));
    const a = computeAccess(roster, opened, box(mom!));
    expect([...a.albums.get(album)!.readers.get(0)!].sort()).toEqual([box(mom!), box(aunt!), box(uncle!)].sort());
    expect(a.albums.get(album)!.epoch).toBe(1);
    expect(a.mine.map((g) => g.epoch)).toEqual([1]);
    expect(a.refused.map((r) => r.why)).toEqual([
      'key grant not signed by a writer of the album', 'key grant not signed by a writer of the album', 'key grant for an epoch nobody announced',
    ]);
    expect(a.refused.filter((r) => r.toMe)).toHaveLength(1); // the epoch-5 grant to Mom: her screen says so
    // Without the directory key (a relay), the sealed entries open as nothing.
    const other = (await crypto.deriveMemberKeys(await crypto.newMemberSecret())).directoryKey;
    expect(await openBody(crypto, other, roster.sealed[0]!.p)).toBeUndefined();
  });

  it('a member who leaves an album is no longer a writer of it until a grant brings them back', async () => {
    const dirKey = (await crypto.deriveMemberKeys(await crypto.newMemberSecret())).directoryKey;
    const log = new Log();
    const [mom, aunt, cousin] = await Promise.all(['Mom', 'Aunt', 'Cousin'].map(person));
    await log.genesis(mom!);
    for (const p of [aunt, cousin]) await log.join(p!, await log.invite(mom!, 'contributor'));
    const album = toBase64Url(await crypto.newAlbumId());
    const box = (p: Person) => toBase64Url(p.id.boxPublic);
    const seal = async (p: Person, b: SealedBody) => log.publish(p, { t: 'sealed', p: await sealBody(crypto, dirKey, b) });
    const access = async () => {
      const entries = await Promise.all(log.ops.map(async (op) => ({ st: await readStatement(crypto, op.ciphertext), author: op.author, seq: op.seq, lamport: op.lamport })));
      const roster = computeRoster(log.g, entries);
      const opened = new Map<string, SealedBody | undefined>();
      for (const e of roster.sealed) opened.set(e.id, await openBody(crypto, dirKey, e.p));
      return computeAccess(roster, opened, box(mom!));
    };
    await seal(mom!, { k: 'album', album });
    await seal(mom!, { k: 'grant', album, epoch: 0, to: box(aunt!), key: 'AA' });
    await seal(aunt!, { k: 'leave', album });
    await seal(aunt!, { k: 'grant', album, epoch: 0, to: box(cousin!), key: 'AA' }); // refused: Aunt left
    await seal(cousin!, { k: 'leave', album }); // refused: Cousin never held it
    let a = await access();
    const aunts = aunt!.sign;
    expect(a.albums.get(album)!.left.has(aunts)).toBe(true);
    expect(a.albums.get(album)!.holders.has(aunts)).toBe(true); // her photos' ops stay valid
    expect(a.refused.map((r) => r.why)).toEqual(['key grant not signed by a writer of the album', 'left an album they do not hold']);
    await seal(mom!, { k: 'grant', album, epoch: 0, to: box(aunt!), key: 'AA' }); // shared with her again
    a = await access();
    expect(a.albums.get(album)!.left.has(aunts)).toBe(false);
  });
});
