/**
 * The upload queue over a real spool (fake-indexeddb) and the real crypto API: a queue stopped
 * halfway (the page reloaded) is taken up by the next one, every file comes back exactly as it
 * was picked, none twice, and the spool never holds a file's bytes or its name in the clear.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { directApi as crypto } from '../../crypto/api.ts';
import { storageNames } from '../../storage/layout.ts';
import { UploadSpool } from '../../storage/upload-spool.ts';
import type { FileOutcome } from '../ingest.ts';
import { UploadQueue } from '../upload-queue.ts';

let n = 0;
const spools: UploadSpool[] = [];
afterEach(() => spools.splice(0).forEach((s) => s.close()));

const JPEG_START = [0xff, 0xd8, 0xff, 0xe0];
function photo(i: number, size: number): File {
  const b = new Uint8Array(size);
  b.set(JPEG_START);
  for (let k = 4; k < size; k++) b[k] = (k * 31 + i * 7) & 255;
  return new File([b], `IMG_${i}.jpg`, { type: 'image/jpeg', lastModified: Date.UTC(2024, 5, 1) + i * 1000 });
}

async function bytes(f: Blob): Promise<Uint8Array> {
  return new Uint8Array(await f.arrayBuffer());
}

/** A queue over the named spool whose ingest records what it got; `gate` holds each file until released. */
async function queueOn(name: string, albumKey: Uint8Array, gate?: () => Promise<void>) {
  const spool = await UploadSpool.open(name);
  spools.push(spool);
  const got: File[] = [];
  const lines: string[] = [];
  const q = new UploadQueue({
    crypto, spool, log: (l) => lines.push(l),
    keys: { current: () => ({ key: albumKey, epoch: 1 }), ofEpoch: (_a, e) => (e === 1 ? albumKey : undefined) },
    ingest: async (_album, file): Promise<FileOutcome> => {
      await gate?.();
      got.push(file);
      return { name: file.name, status: 'added', photo: `p-${file.name}` as never };
    },
  });
  return { q, spool, got, lines };
}

describe('upload queue', () => {
  it('a queue cut off halfway is resumed by the next page: every file once, as picked', async () => {
    const name = `uq-${++n}`;
    const albumKey = await crypto.newAlbumKey();
    const files = Array.from({ length: 6 }, (_, i) => photo(i, 1000 + i * 300_000)); // up to 1.5 MB: two chunks
    let release!: () => void;
    let processed = 0;
    const first = await queueOn(name, albumKey, async () => {
      if (++processed > 2) await new Promise<void>((r) => (release = r));
    });
    const done = first.q.add('album-a', files);
    // All six saved before the page starts on the third; then "the page reloads".
    for (let i = 0; i < 200 && !(first.got.length === 2 && first.q.state.waiting === 4); i++) await new Promise((r) => setTimeout(r, 10));
    expect(first.got.map((f) => f.name)).toEqual(['IMG_0.jpg', 'IMG_1.jpg']);
    expect((await first.spool.list()).length).toBe(4);
    const stopped = first.q.stop();
    release(); // the file in progress finishes (the session waits for it), the rest stay
    await stopped;
    const outcomes = await done;
    expect(outcomes.filter((o) => o.status === 'added')).toHaveLength(3);
    expect(outcomes.slice(3).every((o) => o.status === 'failed' && /added when you unlock again/.test(o.reason))).toBe(true);
    first.spool.close();

    // Nothing in the spool is readable: neither a file's bytes nor its name.
    const raw = await openDB(storageNames(name).uploadsDb);
    const dump: Uint8Array[] = [];
    for (const store of ['entries', 'parts'] as const) {
      for (const v of await raw.getAll(store)) dump.push(v instanceof ArrayBuffer ? new Uint8Array(v) : new TextEncoder().encode(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : x))));
    }
    raw.close();
    const hay = dump.map((d) => new TextDecoder('latin1').decode(d)).join('\n');
    expect(hay).not.toContain('IMG_');
    const sample = new TextDecoder('latin1').decode((await bytes(files[4]!)).subarray(100, 164));
    expect(hay).not.toContain(sample);

    // The next page: the three left come out once each, byte for byte, with name, type and date.
    const second = await queueOn(name, albumKey);
    const resumedEvents: string[] = [];
    second.q.on('file', (o) => resumedEvents.push(`${o.name}:${o.status}:${o.resumed}`));
    expect(await second.q.resume()).toBe(3);
    for (let i = 0; i < 500 && resumedEvents.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(second.got.map((f) => f.name)).toEqual(['IMG_3.jpg', 'IMG_4.jpg', 'IMG_5.jpg']);
    for (const [k, f] of second.got.entries()) {
      const src = files[k + 3]!;
      expect(Buffer.from(await bytes(f)).equals(await bytes(src)), `${src.name}: the same bytes`).toBe(true);
      expect([f.type, f.lastModified, f.size]).toEqual([src.type, src.lastModified, src.size]);
    }
    expect(resumedEvents).toEqual(['IMG_3.jpg:added:true', 'IMG_4.jpg:added:true', 'IMG_5.jpg:added:true']);
    expect(await second.spool.list()).toEqual([]);
  });

  it('drops a file whose saving a reload cut short, keeps the complete ones, and saves no refused file', async () => {
    const name = `uq-${++n}`;
    const albumKey = await crypto.newAlbumKey();
    const spool = await UploadSpool.open(name);
    spools.push(spool);
    // A save cut short: an entry whose parts never all arrived.
    async function* cut() {
      yield new Uint8Array(10);
      throw new Error('page went away');
    }
    await expect(spool.add('album-a', new Uint8Array(1), cut())).rejects.toThrow();
    const q = await queueOn(name, albumKey);
    const outcomes = await q.q.add('album-a', [new File(['not a photo'], 'notes.txt', { type: 'text/plain' }), photo(9, 5000)]);
    expect(outcomes.map((o) => o.name)).toEqual(['notes.txt', 'IMG_9.jpg']);
    expect(q.got.map((f) => f.name)).toEqual(['notes.txt', 'IMG_9.jpg']); // the ingest refuses it, in order
    expect(await q.spool.list()).toEqual([]);
    expect(await q.spool.sweep()).toBe(0);
  });
});
