/**
 * Main-thread side of the crypto worker (ente-style trampoline): every call is forwarded through
 * comlink and only awaited here, so Argon2, X25519, AES-GCM and BLAKE3 never block the UI.
 * Imports no crypto library: the types come from api-types.ts, order checks from stream-order.ts.
 * Errors are revived into their classes (DecryptError …) so callers branch as with the direct API.
 */
import { releaseProxy, transfer, wrap, type Endpoint } from 'comlink';
import { reviveError } from '../core/revive-error.ts';
import type { ByteSource, CallMethod, CryptoApi, EncryptedChunk, EncryptOptions } from './api-types.ts';
import { decryptOrdered, type ChunkSource, type DecryptOptions } from './stream-order.ts';
import type { EncryptStep, WorkerApi } from './worker-api.ts';

export interface CryptoClient extends CryptoApi {
  /** Releases the proxy and, for startCryptoWorker, terminates the worker. */
  close(): void;
}

// Listing every call once lets TypeScript check the client is complete (a missing key fails to compile).
const CALLS: Record<CallMethod, true> = {
  createIdentity: true, encodePublicIdentity: true, decodePublicIdentity: true, fingerprint: true, safetyWords: true,
  createKeyBundle: true, unlockWithPassphrase: true, unlockWithRecovery: true, changePassphrase: true, readKeyBundle: true,
  newVaultSecret: true, newMemberSecret: true, deriveVaultKeys: true, deriveMemberKeys: true, signJoin: true,
  verifyJoin: true, sealSignal: true, openSignal: true, encodeInvite: true, parseInvite: true, handshakeMac: true,
  verifyHandshakeMac: true, newSigningKey: true, signDetached: true, verifyDetached: true,
  newAlbumId: true, newAlbumKey: true, sealAlbumKey: true, openAlbumKey: true, readSealedAlbumKey: true,
  startEpoch: true, resealAlbumKey: true,
  newFileId: true, newFileKey: true, wrapFileKey: true, unwrapFileKey: true, readWrappedFileKey: true,
  sealObject: true, openObject: true, sealMetadata: true, openMetadata: true, sealManifest: true, openManifest: true,
  encryptChunk: true, decryptChunk: true, hashObject: true, contentTag: true,
  sealOp: true, parseOp: true, verifyOp: true, openOp: true,
};

async function call<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw reviveError(e);
  }
}

const isStream = (x: unknown): x is ReadableStream<Uint8Array> =>
  typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';

/** Wraps any comlink endpoint that exposes worker-api.ts (a Worker, a MessagePort). */
export function createCryptoClient(endpoint: Endpoint, onClose?: () => void): CryptoClient {
  const remote = wrap<WorkerApi>(endpoint);
  const client = {} as Record<string, unknown>;
  for (const name of Object.keys(CALLS) as CallMethod[]) {
    const fn = remote[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    client[name] = (...args: unknown[]) => call(fn(...args));
  }

  async function* encryptStream(fileKey: Uint8Array, fileId: Uint8Array, source: ByteSource, opts?: EncryptOptions): AsyncGenerator<EncryptedChunk> {
    // A stream moves into the worker (transferable streams); a Blob is cloned by reference.
    const src = isStream(source) ? transfer(source, [source]) : source;
    const id = await call(remote.encryptOpen(fileKey, fileId, src, opts));
    const next = (): Promise<EncryptStep> => call(remote.encryptNext(id) as Promise<EncryptStep>);
    let finished = false;
    let pending = next(); // one request ahead hides the round trip
    try {
      for (;;) {
        const r = await pending;
        if (r.done) {
          finished = true;
          return;
        }
        if (r.value.last) finished = true;
        else pending = next();
        pending.catch(() => undefined); // observed on the next turn; avoid an early "unhandled" report
        yield r.value;
        if (r.value.last) return;
      }
    } finally {
      if (!finished) {
        await pending.catch(() => undefined); // its error, if any, is superseded by the one unwinding us
        await call(remote.encryptClose(id));
      }
    }
  }

  function decryptStream(fileKey: Uint8Array, fileId: Uint8Array, chunks: ChunkSource, opts?: DecryptOptions): AsyncGenerator<Uint8Array> {
    return decryptOrdered(chunks, opts, (index, last, ct, hash) =>
      call(remote.decryptChunk(fileKey, fileId, index, last, ct, hash)),
    );
  }

  client.encryptStream = encryptStream;
  client.decryptStream = decryptStream;
  client.close = () => {
    remote[releaseProxy]();
    onClose?.();
  };
  return client as unknown as CryptoClient;
}

/** Starts the dedicated crypto worker (Vite bundles worker.ts from this URL pattern). */
export function startCryptoWorker(): CryptoClient {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'crypto' });
  return createCryptoClient(worker, () => worker.terminate());
}
