/**
 * What the crypto worker exposes: the direct API's calls, with large results transferred
 * (not copied) back, and the encrypt stream as sessions, because an async generator cannot
 * cross postMessage. The client (client.ts) turns sessions back into an async generator.
 */
import { transfer } from 'comlink';
import { directApi } from './api.ts';
import type { ByteSource, CallMethod, CryptoApi, EncryptedChunk, EncryptOptions } from './api-types.ts';

// The streams are left out: generators cannot be cloned (decryption is driven by the client).
const { encryptStream, decryptStream: _notExposed, ...rest } = directApi;
const calls: Pick<CryptoApi, CallMethod> = rest;
const sessions = new Map<number, AsyncGenerator<EncryptedChunk>>();
let nextSession = 1;

export type EncryptStep = { done: true } | { done: false; value: EncryptedChunk };

export const workerApi = {
  ...calls,
  async encryptChunk(...args: Parameters<CryptoApi['encryptChunk']>): Promise<EncryptedChunk> {
    const c = await calls.encryptChunk(...args);
    return transfer(c, [c.ciphertext.buffer]);
  },
  async decryptChunk(...args: Parameters<CryptoApi['decryptChunk']>): Promise<Uint8Array> {
    const pt = await calls.decryptChunk(...args);
    return transfer(pt, [pt.buffer]); // a fresh buffer from WebCrypto: nothing else holds it
  },

  async encryptOpen(fileKey: Uint8Array, fileId: Uint8Array, source: ByteSource, opts?: EncryptOptions): Promise<number> {
    const id = nextSession++;
    sessions.set(id, encryptStream(fileKey, fileId, source, opts) as AsyncGenerator<EncryptedChunk>);
    return id;
  },
  async encryptNext(id: number): Promise<EncryptStep> {
    const it = sessions.get(id);
    if (!it) throw new RangeError('encrypt session: unknown or finished');
    let r: IteratorResult<EncryptedChunk>;
    try {
      r = await it.next();
    } catch (e) {
      sessions.delete(id);
      throw e;
    }
    if (r.done || r.value.last) {
      sessions.delete(id);
      await it.return(undefined); // lets the generator release its source
    }
    if (r.done) return { done: true };
    return transfer({ done: false, value: r.value }, [r.value.ciphertext.buffer]);
  },
  async encryptClose(id: number): Promise<void> {
    const it = sessions.get(id);
    sessions.delete(id);
    await it?.return(undefined);
  },
};
export type WorkerApi = typeof workerApi;
