/**
 * The ingest pipeline (real Ingest, real crypto API, a real store and index over fake-indexeddb)
 * starts the next file's thumbnail and EXIF while the file before it is still being encrypted,
 * stored and recorded: the media worker's decode, most of a photo's cost, overlaps the rest
 * (bench ingest-photos). Each file's media work is done exactly once, and a file the policy
 * refuses is never decoded.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../core/bytes.ts';
import type { AlbumId } from '../../core/ids.ts';
import { directApi as crypto } from '../../crypto/api.ts';
import { openIndex } from '../../storage/index-db.ts';
import { openObjectStore } from '../../storage/open-store.ts';
import { Ingest, type IngestAlbum, type MediaPort } from '../ingest.ts';

const JPEG_START = [0xff, 0xd8, 0xff, 0xe0];
function jpeg(i: number): File {
  const b = new Uint8Array(5000);
  b.set(JPEG_START);
  for (let k = 4; k < b.length; k++) b[k] = (k * 13 + i * 101) & 255;
  return new File([b], `IMG_${i}.jpg`, { type: 'image/jpeg', lastModified: Date.UTC(2024, 5, 1) + i });
}

describe('ingest prepares the next file', () => {
  it("the next file's thumbnail is under way before the file before it is recorded, each file decoded once, a refused one never", async () => {
    const name = `ingest-prepare-${Date.now()}`;
    const index = await openIndex(name);
    const store = await openObjectStore({ name, hash: (b) => crypto.hashObject(b), preferred: 'idb', index });
    const events: string[] = [];
    const media: MediaPort = {
      async thumbnail(blob) {
        events.push(`thumb ${(blob as File).name}`);
        await new Promise((r) => setTimeout(r, 5));
        return { bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), mime: 'image/jpeg', width: 4, height: 3, sourceWidth: 4032, sourceHeight: 3024, placeholder: '' };
      },
      async exif() {
        return {};
      },
    };
    const rawId = await crypto.newAlbumId();
    const album: IngestAlbum = { id: toBase64Url(rawId) as AlbumId, rawId, key: await crypto.newAlbumKey(), epoch: 0 };
    const ingest = new Ingest({
      crypto, store, index, media, dedupKey: new Uint8Array(32).fill(7),
      recordOp: async (_a, op) => void events.push(`op ${op.photo}`),
    });
    const refused = new File([new Uint8Array([1, 2, 3])], 'notes.txt', { type: 'text/plain' });
    const out = await ingest.addFiles(album, [jpeg(0), refused, jpeg(1), jpeg(2)]);
    await store.close();
    index.close();
    expect(out.map((o) => o.status)).toEqual(['added', 'refused', 'added', 'added']);
    const opOf = (i: number) => events.indexOf(`op ${(out[i] as { photo: string }).photo}`);
    // Decoded once each, in order; the refused file never reached the media worker.
    expect(events.filter((e) => e.startsWith('thumb'))).toEqual(['thumb IMG_0.jpg', 'thumb IMG_1.jpg', 'thumb IMG_2.jpg']);
    // IMG_2's decode began before IMG_1 was recorded (prepared while IMG_1 was encrypted and stored).
    expect(events.indexOf('thumb IMG_2.jpg')).toBeLessThan(opOf(2 /* IMG_1 */));
    expect(events.indexOf('thumb IMG_2.jpg')).toBeGreaterThan(opOf(0));
  });
});
