import { describe, expect, it } from 'vitest';
import type { ObjectHash, PhotoId } from '../../core/ids.ts';
import { AlbumState, PHOTOS, type AlbumOpPayload } from '../album-state.ts';
import { daysLeft, expired, mayRemove, TRASH_MS, trashRegister } from '../trash.ts';

const P = 'P' as PhotoId;
const add = (id: string): AlbumOpPayload => ({
  body: { kind: 'add', set: PHOTOS, element: id },
  photo: { t: 'photo.add', photo: id as PhotoId, fileId: id, key: id, epoch: 0, manifest: `m${id}` as ObjectHash, thumb: `t${id}` as ObjectHash, meta: `x${id}` as ObjectHash },
});
const mark = (id: string, at: number | null): AlbumOpPayload => ({ body: { kind: 'set', register: trashRegister(id), value: at } });

/** Devices and their members: aunt (contributor, added P), uncle (contributor), gran (admin). */
const roster: Record<string, { sign: string; role: 'admin' | 'contributor' }> = {
  'aunt-phone': { sign: 'aunt', role: 'contributor' },
  'uncle-phone': { sign: 'uncle', role: 'contributor' },
  'gran-tablet': { sign: 'gran', role: 'admin' },
};
const writerOf = (device: string) => roster[device];
const T0 = Date.UTC(2026, 2, 1);

describe('trash', () => {
  it('a photo trashed by its adder is in the trash until restored, in every order of arrival', () => {
    const ops: Array<[string, number, number, AlbumOpPayload, string]> = [
      ['aunt-phone', 1, 1, add('P'), 'aunt'],
      ['aunt-phone', 2, 2, mark('P', T0), 'aunt'],
      ['aunt-phone', 3, 3, mark('P', null), 'aunt'],
    ];
    for (const order of [ops, [...ops].reverse(), [ops[2]!, ops[0]!, ops[1]!]]) {
      const a = new AlbumState();
      for (const [author, seq, lamport, p, by] of order) a.apply(author, seq, lamport, p, by);
      expect([...a.trashed(writerOf)]).toEqual([]);
    }
    const a = new AlbumState();
    for (const [author, seq, lamport, p, by] of ops.slice(0, 2)) a.apply(author, seq, lamport, p, by);
    expect([...a.trashed(writerOf)]).toEqual([[P, T0]]);
  });

  it('a mark by a member who may not remove the photo counts for nothing; an admin may', () => {
    const a = new AlbumState();
    a.apply('aunt-phone', 1, 1, add('P'), 'aunt');
    a.apply('uncle-phone', 1, 2, mark('P', T0), 'uncle');
    expect(a.trashed(writerOf).size).toBe(0);
    expect(a.mayApply(mark('P', T0).body, roster['uncle-phone']!)).toBe(false);
    expect(a.mayApply(mark('P', T0).body, roster['gran-tablet']!)).toBe(true);
    expect(a.mayApply({ kind: 'remove', set: PHOTOS, element: 'P', observed: [] }, roster['uncle-phone']!)).toBe(false);
    expect(a.mayApply({ kind: 'set', register: 'name', value: 'Hols' }, roster['uncle-phone']!)).toBe(true);
    a.apply('gran-tablet', 1, 3, mark('P', T0 + 5), 'gran');
    expect([...a.trashed(writerOf)]).toEqual([[P, T0 + 5]]);
    // A device the family does not know (revoked, or never a writer): ignored.
    a.apply('stranger', 1, 4, mark('P', T0 + 9), 'stranger');
    expect([...a.trashed(writerOf)]).toEqual([]);
  });

  it('a photo removed for good is no longer listed, and a value that is not a time is no mark', () => {
    const a = new AlbumState();
    a.apply('aunt-phone', 1, 1, add('P'), 'aunt');
    a.apply('aunt-phone', 2, 2, add('Q'), 'aunt');
    a.apply('aunt-phone', 3, 3, mark('P', T0), 'aunt');
    a.apply('aunt-phone', 4, 4, { body: { kind: 'set', register: trashRegister('Q'), value: 'soon' } }, 'aunt');
    expect([...a.trashed(writerOf).keys()]).toEqual([P]);
    a.apply('aunt-phone', 5, 5, { body: { kind: 'remove', set: PHOTOS, element: 'P', observed: ['aunt-phone:1'] } }, 'aunt');
    expect(a.trashed(writerOf).size).toBe(0);
  });

  it('expires 30 days after it was trashed, by the clock it is given', () => {
    expect(expired(T0, T0 + TRASH_MS - 1)).toBe(false);
    expect(expired(T0, T0 + TRASH_MS)).toBe(true);
    expect(daysLeft(T0, T0)).toBe(30);
    expect(daysLeft(T0, T0 + 1)).toBe(30);
    expect(daysLeft(T0, T0 + 29.5 * 86_400_000)).toBe(1);
    expect(daysLeft(T0, T0 + 31 * 86_400_000)).toBe(0);
  });

  it('who may: the adder or an admin, never a viewer', () => {
    expect(mayRemove({ sign: 'aunt', role: 'contributor' }, 'aunt')).toBe(true);
    expect(mayRemove({ sign: 'uncle', role: 'contributor' }, 'aunt')).toBe(false);
    expect(mayRemove({ sign: 'gran', role: 'admin' }, 'aunt')).toBe(true);
    expect(mayRemove({ sign: 'aunt', role: 'viewer' }, 'aunt')).toBe(false);
    expect(mayRemove(undefined, 'aunt')).toBe(false);
    expect(mayRemove({ sign: 'uncle', role: 'contributor' }, undefined)).toBe(true);
  });
});
