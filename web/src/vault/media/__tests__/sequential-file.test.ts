import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../../crypto/chunk-size.ts';
import { sequentialFile } from '../media-stream.ts';
import { uniqueNames } from '../zip-download.ts';

/** A stream of `total` bytes (byte i = i mod 251) cut into pieces of the given sizes, in turn. */
function source(total: number, sizes: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let k = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= total) return c.close();
      const n = Math.min(sizes[k++ % sizes.length]!, total - at);
      c.enqueue(Uint8Array.from({ length: n }, (_, i) => (at + i) % 251));
      at += n;
    },
  });
}

describe('a stream served as a file read once from its start', () => {
  it('cuts pieces of any size into exact CHUNK_SIZE chunks, the last one short; ends once at the end', async () => {
    const total = 2 * CHUNK_SIZE + 12_345;
    let ends = 0;
    const f = sequentialFile('x.zip', 'application/zip', total, source(total, [30, CHUNK_SIZE + 7, 100_000, 1]), () => ends++);
    const got = [await f.chunk(0), await f.chunk(1), await f.chunk(2)];
    expect(got.map((c) => c.length)).toEqual([CHUNK_SIZE, CHUNK_SIZE, 12_345]);
    for (const [i, c] of got.entries()) for (const j of [0, 1, c.length - 1]) expect(c[j]).toBe((i * CHUNK_SIZE + j) % 251);
    expect(ends).toBe(1);
  });

  it('refuses a chunk out of order (a resumed download) and a stream shorter than its size', async () => {
    const f = sequentialFile('x.zip', 'application/zip', CHUNK_SIZE + 10, source(CHUNK_SIZE + 10, [4096]), () => undefined);
    await expect(f.chunk(1)).rejects.toThrow(/from its start/);
    const short = sequentialFile('x.zip', 'application/zip', 5000, source(4000, [4096]), () => undefined);
    await expect(short.chunk(0)).rejects.toThrow(/ended at 4000 of 5000/);
  });

  it('a cancelled download cancels the stream and ends the file', async () => {
    let cancelled = false;
    let ends = 0;
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(10)), cancel: () => { cancelled = true; } });
    const f = sequentialFile('x.zip', 'application/zip', 3 * CHUNK_SIZE, stream, () => ends++);
    await f.chunk(0);
    f.cancelled!();
    await new Promise((r) => setTimeout(r, 0));
    expect([cancelled, ends]).toEqual([true, 1]);
  });

  it('names in a zip are made unique', () => {
    const u = uniqueNames();
    expect(['IMG_1.jpg', 'IMG_1.jpg', 'notes', 'notes', 'IMG_1.jpg'].map(u)).toEqual(['IMG_1.jpg', 'IMG_1 (2).jpg', 'notes', 'notes (2)', 'IMG_1 (3).jpg']);
  });
});
