import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../../crypto/chunk-size.ts';
import { sequentialFile, type RandomAccessFile } from '../media-stream.ts';
import { uniqueNames, zipFile } from '../zip-download.ts';

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

// Browsers free a buffer with ArrayBuffer.prototype.transfer (releaseBytes); Node 20 has none, and
// without it a piece freed too early would go unnoticed here. Detach as a browser would.
const proto = ArrayBuffer.prototype as ArrayBuffer & { transfer?: (n?: number) => ArrayBuffer };
const hadTransfer = 'transfer' in proto;
beforeAll(() => {
  if (!hadTransfer) Object.defineProperty(proto, 'transfer', { configurable: true, value(this: ArrayBuffer) { return structuredClone(this, { transfer: [this] }); } });
});
afterAll(() => {
  if (!hadTransfer) delete (proto as { transfer?: unknown }).transfer;
});

const opts = (onEnd: () => unknown = () => undefined) => ({ onEnd: () => void onEnd(), unreadMs: 5_000 });

describe('a stream served as a file read once from its start', () => {
  it('cuts pieces of any size into exact CHUNK_SIZE chunks, the last one short; ends once at the end', async () => {
    const total = 2 * CHUNK_SIZE + 12_345;
    let ends = 0;
    const f = sequentialFile('x.zip', 'application/zip', total, source(total, [30, CHUNK_SIZE + 7, 100_000, 1]), opts(() => ends++));
    const got = [await f.chunk(0), await f.chunk(1), await f.chunk(2)];
    expect(got.map((c) => c.length)).toEqual([CHUNK_SIZE, CHUNK_SIZE, 12_345]);
    for (const [i, c] of got.entries()) for (const j of [0, 1, c.length - 1]) expect(c[j]).toBe((i * CHUNK_SIZE + j) % 251);
    expect(ends).toBe(1);
  });

  it('refuses a chunk out of order (a resumed download) and a stream shorter than its size, and ends', async () => {
    let ends = 0;
    const f = sequentialFile('x.zip', 'application/zip', CHUNK_SIZE + 10, source(CHUNK_SIZE + 10, [4096]), opts(() => ends++));
    await expect(f.chunk(1)).rejects.toThrow(/from its start/);
    await expect(f.chunk(0)).rejects.toThrow(/was ended/);
    const short = sequentialFile('x.zip', 'application/zip', 5000, source(4000, [4096]), opts(() => ends++));
    await expect(short.chunk(0)).rejects.toThrow(/ended at 4000 of 5000/);
    expect(ends).toBe(2);
  });

  it('a cancelled download, or one nobody starts reading, cancels the stream and ends the file', async () => {
    for (const how of ['cancel', 'unread'] as const) {
      let cancelled = false;
      let ends = 0;
      const stream = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(10)), cancel: () => { cancelled = true; } });
      const f = sequentialFile('x.zip', 'application/zip', 3 * CHUNK_SIZE, stream, { onEnd: () => ends++, unreadMs: 20 });
      if (how === 'cancel') {
        await f.chunk(0);
        f.cancelled!();
      }
      await new Promise((r) => setTimeout(r, 50));
      expect([how, cancelled, ends]).toEqual([how, true, 1]);
    }
  });

  it('names in a zip are made unique, without case, never a folder', () => {
    const u = uniqueNames();
    expect(['IMG_1.jpg', 'IMG_1.jpg', 'IMG_1 (2).jpg', 'img_1.JPG', 'notes', 'notes', 'a/b\\c.jpg', ''].map(u))
      .toEqual(['IMG_1.jpg', 'IMG_1 (2).jpg', 'IMG_1 (2) (2).jpg', 'img_1 (3).JPG', 'notes', 'notes (2)', 'a-b-c.jpg', 'photo']);
  });
});

/** An original of `size` bytes (byte i = (i * 7 + seed) mod 256), as VaultSession.randomAccess gives it. */
function original(name: string, size: number, seed: number): RandomAccessFile & { bytes: Uint8Array } {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) % 256);
  return { name, mime: 'image/jpeg', size, bytes, chunk: async (i) => bytes.slice(i * CHUNK_SIZE, Math.min(size, (i + 1) * CHUNK_SIZE)) };
}

describe('the streamed zip', () => {
  it('is a whole zip: each original stored byte for byte, and a central directory where its end record says', async () => {
    const files = [original('garden.jpg', 2 * CHUNK_SIZE + 333, 1), original('kite.jpg', 10, 2), original('walk.mp4', CHUNK_SIZE, 3)];
    const entries = files.map((file) => ({ file, name: file.name, lastModified: new Date(Date.UTC(2026, 2, 10)) }));
    let ended = 0;
    const zip = zipFile('Family Vault, 3 photos.zip', entries, () => ended++);
    const parts: Uint8Array[] = [];
    for (let i = 0; i * CHUNK_SIZE < zip.size; i++) parts.push(await zip.chunk(i));
    const bytes = Buffer.concat(parts);
    expect(bytes.length).toBe(zip.size);
    expect(ended).toBe(1);
    // The end of central directory record: 22 bytes at the end (no comment).
    const eocd = bytes.length - 22;
    expect(bytes.readUInt32LE(eocd)).toBe(0x06054b50);
    const entriesInDir = bytes.readUInt16LE(eocd + 10);
    const dirSize = bytes.readUInt32LE(eocd + 12);
    const dirAt = bytes.readUInt32LE(eocd + 16);
    expect(entriesInDir).toBe(3);
    expect(dirAt + dirSize).toBe(eocd);
    // Each central directory entry names its file and points at its local header; the data follows it unchanged.
    let at = dirAt;
    for (const f of files) {
      expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
      const nameLen = bytes.readUInt16LE(at + 28);
      const extra = bytes.readUInt16LE(at + 30);
      const comment = bytes.readUInt16LE(at + 32);
      expect(bytes.subarray(at + 46, at + 46 + nameLen).toString()).toBe(f.name);
      const local = bytes.readUInt32LE(at + 42);
      expect(bytes.readUInt32LE(local)).toBe(0x04034b50);
      const dataAt = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
      expect(Buffer.compare(bytes.subarray(dataAt, dataAt + f.size), Buffer.from(f.bytes))).toBe(0);
      at += 46 + nameLen + extra + comment;
    }
    expect(at).toBe(eocd);
  });
});
