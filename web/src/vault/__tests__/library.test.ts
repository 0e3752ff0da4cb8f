import { describe, expect, it } from 'vitest';
import type { PhotoId } from '../../core/ids.ts';
import type { AddPhotoOp } from '../ingest.ts';
import { Library, type LibrarySource } from '../library.ts';

const op = (photo: string, taken?: number): AddPhotoOp => ({
  t: 'photo.add', photo: photo as PhotoId, fileId: photo, key: 'k', epoch: 0, manifest: 'm' as never, thumb: 't' as never, meta: 'x' as never,
  ...(taken !== undefined ? { taken } : {}),
});

function source(): LibrarySource & { opened: string[] } {
  const photos: Record<string, AddPhotoOp[]> = {
    fam: [op('a', Date.parse('2026-03-10')), op('old')], // 'old' was written before ops carried a date
    trip: [op('b', Date.parse('2025-12-24'))],
  };
  const opened: string[] = [];
  return {
    opened,
    albumIds: ['fam', 'trip'],
    albums: new Map([['fam', { name: 'Family' }], ['trip', { name: 'Alps' }]]),
    photos: (album) => photos[album] ?? [],
    metadata: async (album, photo) => {
      opened.push(`${album}/${photo}`);
      return { name: `${photo}.jpg`, mime: 'image/jpeg', size: 1, takenAt: '2024-07-01T10:00:00Z' };
    },
  };
}

describe('Library', () => {
  it('reads dates from the ops, and opens the metadata only of photos whose op has none', async () => {
    const src = source();
    const lib = new Library(src);
    const first = lib.items();
    expect(first.map((i) => [i.key, i.taken])).toEqual([
      ['fam/a', Date.parse('2026-03-10')], ['fam/old', 0], ['trip/b', Date.parse('2025-12-24')],
    ]);
    await new Promise<void>((r) => lib.on('dates', () => r()));
    expect(src.opened).toEqual(['fam/old']);
    expect(lib.items().find((i) => i.key === 'fam/old')?.taken).toBe(Date.parse('2024-07-01T10:00:00Z'));
  });

  it('lists a photo added to a second album once in the timeline, and counts it in both albums', () => {
    const src = source();
    const both = { ...src, photos: (album: string) => [...src.photos(album), ...(album === 'trip' ? [op('a', Date.parse('2026-03-10'))] : [])] };
    const lib = new Library(both);
    expect(lib.items().map((i) => i.key)).toEqual(['fam/a', 'fam/old', 'trip/b']);
    expect(lib.albums().map((a) => [a.name, a.count])).toEqual([['Alps', 2], ['Family', 2]]);
    // An album's own list has it too.
    expect(lib.albumItems('trip').map((i) => i.key)).toEqual(['trip/b', 'trip/a']);
  });

  it.each([[8, 2_000], [1, 16_000]])('lists a large library (%i albums of %i photos) in slices, giving the main thread back between them, with the same result', async (n, size) => {
    const albums = Array.from({ length: n }, (_, a) => `album${a}`);
    const photos = new Map(albums.map((a, i) => [a, Array.from({ length: size }, (_, p) => op(`${a}-p${p}`, 1_000_000 + i * 10_000 + p))]));
    const lib = new Library({ albumIds: albums, albums: new Map(), photos: (a) => photos.get(a) ?? [], metadata: async () => undefined });
    let tasks = 0;
    let listing = true;
    const count = () => setTimeout(() => {
      if (!listing) return;
      tasks++;
      count();
    }, 0);
    count();
    const sliced = await lib.itemsInSlices();
    listing = false;
    expect(sliced).toEqual(lib.items());
    expect(sliced).toHaveLength(16_000);
    // 16,000 photos, a slice of at least 5,000: other tasks ran between the slices.
    expect(tasks).toBeGreaterThanOrEqual(2);
  });

  it('lists albums by name with their count and the newest photo as cover', () => {
    const lib = new Library(source());
    expect(lib.albums()).toEqual([
      { id: 'trip', name: 'Alps', count: 1, cover: 'b' },
      { id: 'fam', name: 'Family', count: 2, cover: 'a' },
    ]);
  });
});
