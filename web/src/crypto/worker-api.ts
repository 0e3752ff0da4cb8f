/**
 * What the crypto worker exposes: the direct API's calls, with large results transferred
 * (not copied) back, and encryption as per-file sealer sessions fed chunk by chunk, because an
 * async generator cannot cross postMessage. The client (client.ts) reads and pipelines.
 */
import { transfer } from 'comlink';
import { releaseBytes } from '../core/bytes.ts';
import { directApi } from './api.ts';
import type { CallMethod, CryptoApi, EncryptedChunk, EncryptOptions } from './api-types.ts';
import type { PlainChunk } from './chunker.ts';
import { ChunkSealer } from './stream.ts';

// The streams are left out: generators cannot be cloned (the client drives both directions).
const { encryptStream: _encryptViaSealer, decryptStream: _decryptViaChunks, ...rest } = directApi;
const calls: Pick<CryptoApi, CallMethod> = rest;
const sessions = new Map<number, ChunkSealer>();
let nextSession = 1;

export const workerApi = {
  ...calls,
  // Byte arguments arrive as this worker's own copies (transferred or cloned): the big ones are
  // released once used (docs/performance.md, "Releasing chunk buffers").
  async encryptChunk(...args: Parameters<CryptoApi['encryptChunk']>): Promise<EncryptedChunk> {
    const c = await calls.encryptChunk(...args);
    releaseBytes(args[4]);
    return transfer(c, [c.ciphertext.buffer]);
  },
  async hashObject(bytes: Uint8Array): ReturnType<CryptoApi['hashObject']> {
    const h = await calls.hashObject(bytes);
    releaseBytes(bytes);
    return h;
  },
  /** Bytes moved here and back (transferred both ways, never copied): the caller uses the returned view. */
  async hashObjectBack(bytes: Uint8Array<ArrayBuffer>): Promise<{ hash: Awaited<ReturnType<CryptoApi['hashObject']>>; bytes: Uint8Array<ArrayBuffer> }> {
    const hash = await calls.hashObject(bytes);
    return transfer({ hash, bytes }, [bytes.buffer]);
  },
  async decryptChunk(...args: Parameters<CryptoApi['decryptChunk']>): Promise<Uint8Array> {
    const pt = await calls.decryptChunk(...args);
    releaseBytes(args[4]); // this worker's copy of the envelope, dead now
    return transfer(pt, [pt.buffer]); // a fresh buffer from WebCrypto: nothing else holds it
  },

  /**
   * The client reads the file on its thread and hands each chunk over (transferred, no copy):
   * reading there, hashing here and AES-GCM on WebCrypto's thread then overlap.
   */
  async sealerOpen(fileKey: Uint8Array, fileId: Uint8Array, opts?: EncryptOptions): Promise<number> {
    const id = nextSession++;
    sessions.set(id, await ChunkSealer.open(fileKey, fileId, opts));
    return id;
  },
  /** Chunks must come in file order; comlink delivers calls in the order they were made. */
  async sealerPut(id: number, chunk: PlainChunk): Promise<EncryptedChunk> {
    const sealer = sessions.get(id);
    if (!sealer) throw new RangeError('encrypt session: unknown or finished');
    const sealing = sealer.seal(chunk); // synchronously: the order of calls is the order of chunks
    if (sealer.ended) sessions.delete(id);
    let c: EncryptedChunk;
    try {
      c = await sealing;
    } catch (e) {
      sessions.delete(id);
      throw e;
    } finally {
      releaseBytes(chunk.data);
    }
    return transfer(c, [c.ciphertext.buffer]);
  },
  sealerClose(id: number): void {
    sessions.delete(id);
  },
};
export type WorkerApi = typeof workerApi;
