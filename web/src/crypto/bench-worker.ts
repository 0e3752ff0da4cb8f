/**
 * A bare worker for the crypto-ingest benchmark's parallel bound (bench.ts): it reads its slice
 * of a Blob in CHUNK_SIZE chunks (the same reader as the pipeline) and does nothing else but
 * AES-256-GCM of each chunk (one key, imported once) and BLAKE3 of the ciphertext: no comlink
 * per chunk, no transfers, no per-chunk key derivation, no envelopes. The next chunk is read
 * while the current one is sealed, as the pipeline overlaps them. Not part of the app.
 */
import { expose } from 'comlink';
import { CHUNK_SIZE } from './chunk-size.ts';
import { readChunks, type PlainChunk } from './chunker.ts';
import { aesGcmEncrypt, aesGcmKey, blake3Fn, randomBytes } from './primitives.ts';

const bench = {
  /** Seals chunks [from, to) of `blob`; returns the plaintext bytes read. */
  async bare(blob: Blob, from: number, to: number): Promise<number> {
    const key = await aesGcmKey(randomBytes(32));
    const hash = await blake3Fn();
    const nonce = new Uint8Array(12);
    const aad = new Uint8Array(21);
    const chunks = readChunks(blob.slice(from * CHUNK_SIZE, to * CHUNK_SIZE));
    let bytes = 0;
    let next = chunks.next();
    for (let i = 0; ; i++) {
      const r: IteratorResult<PlainChunk> = await next;
      if (r.done) break;
      if (!r.value.last) next = chunks.next();
      bytes += r.value.data.length;
      new DataView(nonce.buffer).setUint32(8, i);
      hash(await aesGcmEncrypt(key, nonce, r.value.data, aad));
      if (r.value.last) break;
    }
    await chunks.return(undefined);
    return bytes;
  },
};
export type BenchWorker = typeof bench;
expose(bench);
