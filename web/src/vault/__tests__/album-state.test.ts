import { describe, expect, it } from 'vitest';
import type { ObjectHash, PhotoId } from '../../core/ids.ts';
import { AlbumState, PHOTOS, type AlbumOpPayload } from '../album-state.ts';

const photo = (id: string, tag: string): AlbumOpPayload => ({
  body: { kind: 'add', set: PHOTOS, element: id },
  photo: { t: 'photo.add', photo: id as PhotoId, fileId: tag, key: tag, epoch: 0, manifest: `m${tag}` as ObjectHash, thumb: `t${tag}` as ObjectHash, meta: `x${tag}` as ObjectHash },
});

describe('album state', () => {
  it('two ops carrying a descriptor for one photo id: every order of arrival keeps the same one', () => {
    // Aunt adds photo P; Rogue (a writer too) later sends an op claiming the same id with its own objects.
    const ops: Array<[string, number, number, AlbumOpPayload, string]> = [
      ['aunt-device', 4, 10, photo('P', 'aunt'), 'aunt'],
      ['rogue-device', 1, 12, photo('P', 'rogue'), 'rogue'],
      ['uncle-device', 2, 11, photo('Q', 'uncle'), 'uncle'],
    ];
    const results = [ops, [...ops].reverse(), [ops[1]!, ops[0]!, ops[2]!]].map((order) => {
      const a = new AlbumState();
      for (const [author, seq, lamport, payload, by] of order) a.apply(author, seq, lamport, payload, by);
      return { p: a.descriptors.get('P' as PhotoId)?.fileId, by: a.addedBy.get('P' as PhotoId), photos: a.photos().map((d) => d.photo).sort() };
    });
    for (const r of results) expect(r).toEqual({ p: 'aunt', by: 'aunt', photos: ['P', 'Q'] });
  });

  it('the cover is the last photo chosen, whatever order the choices arrive in', () => {
    const choose = (id: string): AlbumOpPayload => ({ body: { kind: 'set', register: 'cover', value: id } });
    for (const order of [[1, 2], [2, 1]]) {
      const a = new AlbumState();
      expect(a.cover).toBeUndefined();
      for (const n of order) a.apply('aunt-device', n, n, choose(n === 1 ? 'P' : 'Q'), 'aunt');
      expect(a.cover).toBe('Q');
    }
  });
});
