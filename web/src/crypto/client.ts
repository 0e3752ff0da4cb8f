/**
 * Main-thread side of the crypto worker (ente-style trampoline): every call is forwarded through
 * comlink and only awaited here, so Argon2, X25519, AES-GCM and BLAKE3 never block the UI.
 * Imports no crypto library: the types come from api-types.ts, order checks from stream-order.ts,
 * reading and pipelining from chunker.ts.
 * Errors are revived into their classes (DecryptError …) so callers branch as with the direct API.
 */
import { releaseProxy, transfer, wrap, type Endpoint } from 'comlink';
import { reviveError } from '../core/revive-error.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { ByteSource, CallMethod, CryptoApi, EncryptedChunk, EncryptOptions } from './api-types.ts';
import { PIPELINE_DEPTH, pipeline, readChunks, type PlainChunk } from './chunker.ts';
import { decryptOrdered, type ChunkSource, type DecryptOptions } from './stream-order.ts';
import type { WorkerApi } from './worker-api.ts';

export interface CryptoClient extends CryptoApi {
  /**
   * hashObject of bytes the caller hands over: their buffer moves to the worker and back instead
   * of being copied there, so the caller's view is detached and the returned one holds the bytes.
   */
  hashHandedOver(bytes: Uint8Array): Promise<{ hash: ObjectHash; bytes: Uint8Array }>;
  /** Releases the proxy and, for startCryptoWorker, terminates the worker. */
  close(): void;
}

// Listing every call once lets TypeScript check the client is complete (a missing key fails to compile).
const CALLS: Record<CallMethod, true> = {
  createIdentity: true, encodePublicIdentity: true, decodePublicIdentity: true, fingerprint: true, safetyWords: true,
  createKeyBundle: true, unlockWithPassphrase: true, unlockWithRecovery: true, changePassphrase: true, readKeyBundle: true,
  newVaultSecret: true, newMemberSecret: true, deriveVaultKeys: true, deriveMemberKeys: true, signJoin: true,
  verifyJoin: true, signRoomVouch: true, sealSignal: true, openSignal: true, encodeInvite: true, parseInvite: true, handshakeMac: true,
  verifyHandshakeMac: true, newSigningKey: true, signingKeyFromSeed: true, signDetached: true, verifyDetached: true,
  newAlbumId: true, newAlbumKey: true, sealAlbumKey: true, openAlbumKey: true, readSealedAlbumKey: true,
  startEpoch: true, resealAlbumKey: true,
  newFileId: true, newFileKey: true, wrapFileKey: true, unwrapFileKey: true, readWrappedFileKey: true,
  sealObject: true, openObject: true, openObjectAsBlob: true, openWrappedAsBlob: true, sealMetadata: true, openMetadata: true, sealManifest: true, openManifest: true,
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

/** Calls waiting on the main worker past which calls that any worker can answer go to a helper. */
const SPILL_BACKLOG = 32;
/** Calls with no state in the worker (the answer depends on the arguments only): any worker may take them. */
const SPILLABLE: ReadonlySet<CallMethod> = new Set<CallMethod>([
  'hashObject', 'openObject', 'openObjectAsBlob', 'openWrappedAsBlob', 'openMetadata', 'unwrapFileKey', 'verifyDetached', 'openOp', 'parseOp', 'verifyOp',
]);

/** A helper worker: seals chunks, and takes stateless calls when the main worker is backed up; started when first needed. */
export interface SealingHelper {
  endpoint: Endpoint;
  close(): void;
}

/**
 * Wraps any comlink endpoint that exposes worker-api.ts (a Worker, a MessagePort). With
 * `helpers`, chunks of a file are sealed round-robin by the main worker and the helpers, and
 * stateless calls go to the least busy helper while the main worker has a backlog.
 */
export function createCryptoClient(endpoint: Endpoint, onClose?: () => void, helpers?: () => SealingHelper[]): CryptoClient {
  const remote = wrap<WorkerApi>(endpoint);
  const client = {} as Record<string, unknown>;
  let started: SealingHelper[] | undefined;
  let sealers: Array<typeof remote> | undefined;
  /** Calls sent to each worker of `sealers` (0: the main worker) and not yet answered. */
  const load: number[] = [0];
  const pool = (): Array<typeof remote> => {
    if (!sealers) {
      started = helpers?.() ?? [];
      sealers = [remote, ...started.map((h) => wrap<WorkerApi>(h.endpoint))];
      for (let i = 1; i < sealers.length; i++) load[i] = 0;
    }
    return sealers;
  };
  const on = <T>(worker: number, p: Promise<T>): Promise<T> => {
    load[worker]!++;
    return call(p).finally(() => load[worker]!--);
  };
  /**
   * Which worker takes a call that any of them can answer: the main one, unless a backlog has
   * built up there (a restore's op batch, an unlock's album snapshots); then the least busy
   * helper (started on first need), so the screen's thumbnails and file keys are not queued
   * behind bulk work, and the bulk work runs on every core.
   */
  const pick = (): number => {
    if (!helpers || load[0]! < SPILL_BACKLOG) return 0;
    const workers = pool();
    let best = 0;
    for (let i = 1; i < workers.length; i++) if (load[i]! < load[best]!) best = i;
    return best;
  };
  for (const name of Object.keys(CALLS) as CallMethod[]) {
    const spills = SPILLABLE.has(name);
    client[name] = (...args: unknown[]) => {
      const w = spills ? pick() : 0;
      const target = (w === 0 ? remote : sealers![w]!) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      return on(w, target[name]!(...args));
    };
  }
  let turn = 0;

  async function* encryptStream(fileKey: Uint8Array, fileId: Uint8Array, source: ByteSource, opts?: EncryptOptions): AsyncGenerator<EncryptedChunk> {
    // Read here, seal there: each chunk moves into a worker (transferred), its ciphertext back.
    const chunks = readChunks(source);
    if (opts?.dedupKey !== undefined) {
      yield* sealInOrder(chunks, fileKey, fileId, opts);
      return;
    }
    // Chunks are independent: AES-GCM and BLAKE3 of several run in parallel across the workers.
    const workers = pool();
    let size = 0;
    const seal = (p: PlainChunk): Promise<EncryptedChunk> => {
      size += p.data.length;
      const w = turn++ % workers.length;
      return on(w, workers[w]!.encryptChunk(fileKey, fileId, p.index, p.last, transfer(p.data, [p.data.buffer])));
    };
    // Two chunks per worker: one sealing, the next already there, so a worker never idles while
    // this thread reads and posts (crypto-ingest: 0.70–0.78 of the parallel bound with one
    // chunk per worker + 1, 0.84–0.91 with two). Memory: about 2 MiB in and out per worker.
    for await (const c of pipeline(chunks, seal, Math.max(PIPELINE_DEPTH, 2 * workers.length))) {
      if (c.last) c.size = size; // every chunk was handed over by now
      yield c;
    }
  }

  /** With a dedup tag, one worker must see every chunk in order: a sealer session there. */
  async function* sealInOrder(chunks: AsyncGenerator<PlainChunk>, fileKey: Uint8Array, fileId: Uint8Array, opts: EncryptOptions): AsyncGenerator<EncryptedChunk> {
    const id = await on(0, remote.sealerOpen(fileKey, fileId, opts));
    let finished = false;
    try {
      for await (const c of pipeline(chunks, (p) => on(0, remote.sealerPut(id, transfer(p, [p.data.buffer]))), PIPELINE_DEPTH)) {
        finished = c.last;
        yield c;
      }
    } finally {
      if (!finished) await on(0, remote.sealerClose(id));
    }
  }

  function decryptStream(fileKey: Uint8Array, fileId: Uint8Array, chunks: ChunkSource, opts?: DecryptOptions): AsyncGenerator<Uint8Array> {
    return decryptOrdered(chunks, opts, (index, last, ct, hash) =>
      on(0, remote.decryptChunk(fileKey, fileId, index, last, ct, hash)),
    );
  }

  client.hashHandedOver = async (bytes: Uint8Array): Promise<{ hash: ObjectHash; bytes: Uint8Array }> => {
    if (!(bytes.buffer instanceof ArrayBuffer)) return { hash: await (client.hashObject as CryptoApi['hashObject'])(bytes), bytes };
    const own = bytes as Uint8Array<ArrayBuffer>;
    const w = pick();
    return on(w, (w === 0 ? remote : sealers![w]!).hashObjectBack(transfer(own, [own.buffer])));
  };
  client.encryptStream = encryptStream;
  client.decryptStream = decryptStream;
  client.close = () => {
    remote[releaseProxy]();
    for (const s of sealers?.slice(1) ?? []) s[releaseProxy]();
    for (const h of started ?? []) h.close();
    onClose?.();
  };
  return client as unknown as CryptoClient;
}

function spawnWorker(name: string): Worker {
  // The literal `new Worker(new URL(...))` is the pattern Vite bundles.
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
}

/** How many sealing helpers startCryptoWorker starts: one per core, up to 3. */
export function sealingHelperCount(): number {
  const cores = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency || 1;
  return Math.min(3, cores);
}

/**
 * Starts the dedicated crypto worker, and on the first file encryption one sealing helper per
 * core (up to 3): chunk encryption is the one job that scales with cores. (With 2 cores, 3
 * workers beat 2 in crypto-ingest: each waits on WebCrypto's thread part of the time.)
 */
export function startCryptoWorker(): CryptoClient {
  const worker = spawnWorker('crypto');
  const helpers = (): SealingHelper[] => Array.from({ length: sealingHelperCount() }, (_, i) => {
    const w = spawnWorker(`crypto-seal-${i + 1}`);
    return { endpoint: w, close: () => w.terminate() };
  });
  return createCryptoClient(worker, () => worker.terminate(), helpers);
}
