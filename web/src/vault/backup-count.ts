/**
 * How many photos no home holds whole ("N photos exist only on this device"), over any set of
 * albums. A photo added to a second album is the same photo (same id, same objects), so it is
 * counted once. Pure over its source, so the rule is unit-tested; vault-session.ts feeds it.
 */
import type { ObjectHash, PhotoId } from '../core/ids.ts';

export interface BackupCountSource {
  /** The album's photos, out of the trash. */
  photos(album: string): ReadonlyArray<{ photo: PhotoId }>;
  /** The objects the album op names (manifest, thumbnail, metadata): known without reading anything. */
  smallHashes(album: string, photo: PhotoId): readonly ObjectHash[];
  /** Every object of the photo (its chunk list read from the manifest when it is here). */
  allHashes(album: string, photo: PhotoId): Promise<readonly ObjectHash[]>;
}

/**
 * Counts the distinct photos of `albums` that none of `homes` (each home's held objects) holds
 * whole. A photo's chunk list is read only when some home holds its small objects.
 * `onProgress(done, total)` every 100 photos.
 */
export async function countNotBackedUp(
  albums: readonly string[],
  homes: ReadonlyArray<ReadonlySet<ObjectHash>>,
  src: BackupCountSource,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const photos = new Map<PhotoId, string>(); // photo → the first album that has it
  for (const album of albums) {
    for (const { photo } of src.photos(album)) if (!photos.has(photo)) photos.set(photo, album);
  }
  if (homes.length === 0) return photos.size;
  let only = 0;
  let done = 0;
  for (const [photo, album] of photos) {
    const small = src.smallHashes(album, photo);
    let holders = homes.filter((h) => small.every((x) => h.has(x)));
    if (holders.length > 0) {
      const all = await src.allHashes(album, photo);
      holders = holders.filter((h) => all.every((x) => h.has(x)));
    }
    if (holders.length === 0) only++;
    if (++done % 100 === 0) onProgress?.(done, photos.size);
  }
  return only;
}
