import { describe, expect, it } from 'vitest';
import type { ObjectHash, PhotoId } from '../../core/ids.ts';
import { countNotBackedUp, type BackupCountSource } from '../backup-count.ts';

const h = (s: string) => s as ObjectHash;
const small = (p: string) => [h(`${p}.manifest`), h(`${p}.thumb`), h(`${p}.meta`)];
const all = (p: string) => [...small(p), h(`${p}.chunk0`), h(`${p}.chunk1`)];

/** Albums by photo ids; 'kite' is in both (added to Alps from Family: the same photo). */
function source(): BackupCountSource & { chunkListsRead: string[] } {
  const albums: Record<string, string[]> = { fam: ['beach', 'kite', 'dog'], alps: ['kite', 'snow'] };
  const chunkListsRead: string[] = [];
  return {
    chunkListsRead,
    photos: (album) => (albums[album] ?? []).map((p) => ({ photo: p as PhotoId })),
    smallHashes: (_album, photo) => small(photo),
    allHashes: async (_album, photo) => {
      chunkListsRead.push(photo);
      return all(photo);
    },
  };
}

describe('countNotBackedUp', () => {
  it('with no home, counts every photo of every album given, a photo in two albums once', async () => {
    expect(await countNotBackedUp(['fam', 'alps'], [], source())).toBe(4);
    // One album alone is only its own photos.
    expect(await countNotBackedUp(['alps'], [], source())).toBe(2);
  });

  it('counts the photos no single home holds whole, across albums, and reads chunk lists only where a home holds the small objects', async () => {
    const src = source();
    const oak = new Set([...all('beach'), ...all('kite'), ...small('dog')]); // the dog's chunks have not arrived
    const pine = new Set([h('dog.chunk0'), h('dog.chunk1'), ...all('snow').slice(1)]); // the snow's manifest is missing
    // beach and kite: whole on Oak. dog: split over two homes, whole on neither. snow: whole on neither.
    expect(await countNotBackedUp(['fam', 'alps'], [oak, pine], src)).toBe(2);
    expect(src.chunkListsRead.sort()).toEqual(['beach', 'dog', 'kite']);
    // kite, whole on Oak, is backed up in whichever album it is looked at.
    expect(await countNotBackedUp(['alps'], [oak], source())).toBe(1);
  });

  it('reports progress over the distinct photos', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `p${i}` as PhotoId);
    const src: BackupCountSource = {
      photos: (album) => (album === 'a' ? ids : ids.slice(0, 100)).map((photo) => ({ photo })),
      smallHashes: (_a, p) => small(p),
      allHashes: async (_a, p) => all(p),
    };
    const seen: Array<[number, number]> = [];
    expect(await countNotBackedUp(['a', 'b'], [new Set<ObjectHash>()], src, (d, t) => seen.push([d, t]))).toBe(250);
    expect(seen).toEqual([[100, 250], [200, 250]]);
  });
});
