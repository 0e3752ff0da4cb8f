/**
 * Cuts a Blob/File or a ReadableStream into CHUNK_SIZE pieces without ever holding the whole
 * input: a Blob is sliced, a stream is re-chunked into fresh buffers. The last piece is always
 * shorter than CHUNK_SIZE (possibly empty), matching chunk.ts's padding rule, so a stream needs
 * no look-ahead: a full buffer is never the last chunk.
 */
import { releaseBytes } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import { CHUNK_SIZE } from './chunk-size.ts';

/** Chunks in flight in an encrypt pipeline: reading, encrypting and hashing overlap. */
export const PIPELINE_DEPTH = 3;

export type ByteSource = Blob | ReadableStream<Uint8Array>;
export interface PlainChunk {
  index: number;
  last: boolean;
  data: Uint8Array;
}

export function isReadableStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';
}
function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

export function readChunks(source: ByteSource, size = CHUNK_SIZE): AsyncGenerator<PlainChunk> {
  // Blob.stream() reads about 4x faster in Chromium than slice().arrayBuffer() per chunk
  // (one pipe instead of a round trip to the blob registry per MiB): measured 1.2 GB/s vs 0.3 GB/s.
  // A Blob's stream is ours alone, so its pieces are released once copied; a caller's stream may share them.
  if (isBlob(source)) return streamChunks(source.stream() as ReadableStream<Uint8Array>, size, true);
  if (isReadableStream(source)) return streamChunks(source, size, false);
  throw new TypeError('source: expected a Blob, File or ReadableStream<Uint8Array>');
}

async function* streamChunks(stream: ReadableStream<Uint8Array>, size: number, ownPieces: boolean): AsyncGenerator<PlainChunk> {
  const reader = stream.getReader();
  let done = false;
  try {
    let buf = new Uint8Array(size);
    let fill = 0;
    let index = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      const v: unknown = r.value;
      if (!(v instanceof Uint8Array)) throw new TypeError('source stream: expected Uint8Array chunks');
      let o = 0;
      while (o < v.length) {
        const n = Math.min(size - fill, v.length - o);
        buf.set(v.subarray(o, o + n), fill);
        fill += n;
        o += n;
        if (fill === size) {
          yield { index: index++, last: false, data: buf };
          buf = new Uint8Array(size); // fresh: the consumer may still hold the previous one
          fill = 0;
        }
      }
      if (ownPieces) releaseBytes(v);
    }
    done = true;
    yield { index, last: true, data: buf.subarray(0, fill) };
  } finally {
    // Stopped early (consumer break or error): tell the producer; otherwise just let go.
    if (!done) await reader.cancel().catch(() => undefined); // cancel failing changes nothing for us
    reader.releaseLock();
  }
}

/**
 * Reads `chunks` in order and runs `work` on up to `depth` of them at once (while one is hashed,
 * the next is read and encrypted); yields the results in order and stops after the last chunk.
 * `work` is called in chunk order, each call after the previous one started.
 */
export async function* pipeline<T>(
  chunks: AsyncGenerator<PlainChunk>, work: (c: PlainChunk) => Promise<T>, depth: number,
): AsyncGenerator<T> {
  let reading: Promise<unknown> = Promise.resolve();
  let ended = false;
  const launch = (): Promise<{ last: boolean; out: T } | undefined> => {
    const read = reading.then(async () => {
      if (ended) return undefined;
      const r = await chunks.next();
      if (r.done) return undefined;
      ended = r.value.last;
      return r.value;
    });
    reading = read;
    // Registered on `read` before the next read is: work on chunk i starts before chunk i+1 is read.
    const p = read.then(async (c) => (c === undefined ? undefined : { last: c.last, out: await work(c) }));
    p.catch(() => undefined); // awaited below in order; this only stops an early "unhandled" report
    return p;
  };
  const queue = Array.from({ length: depth }, launch);
  try {
    for (;;) {
      const cur = await queue.shift()!;
      if (cur === undefined) throw new IntegrityError('chunker ended without a last chunk'); // a bug, not input
      if (!cur.last) queue.push(launch());
      yield cur.out;
      if (cur.last) return;
    }
  } finally {
    await Promise.allSettled(queue);
    await chunks.return(undefined);
  }
}
