/**
 * Crypto ingest benchmark, for a browser page (the Chromium driver imports this and calls it
 * in-page; the parallel bound starts Workers).
 *   F = the full ingest path: encryptStream from a Blob (read, encrypt, address) of `mib` MiB,
 *       through `api` (the app's comlink crypto worker and its sealing helpers)
 *   P = the parallel bound: as many bare workers (bench-worker.ts) as F seals with, each
 *       reading its share of the same Blob and doing only AES-256-GCM + BLAKE3 per chunk,
 *       all at once: what these threads can do on this machine with no pipeline around them
 * baseline = P; ratio = F / P (goal ≥ 0.8). Reported beside them: A = bare AES-256-GCM and
 * B = bare BLAKE3 on one thread, their serial bound 1/(1/A + 1/B) (the old baseline), and R =
 * reading the Blob alone. F and P run back to back in each round (order alternating) and count by
 * their medians over the rounds; A, B and R by their best.
 */
import { wrap } from 'comlink';
import { directApi } from './api.ts';
import type { CryptoApi } from './api-types.ts';
import { ARGON2_DEFAULT } from './argon2-params.ts';
import { CHUNK_SIZE } from './chunk.ts';
import { readChunks } from './chunker.ts';
import { aesGcmEncrypt, aesGcmKey, argon2id, blake3Fn, randomBytes } from './primitives.ts';
import type { BenchWorker } from './bench-worker.ts';

export interface CryptoIngestResult {
  name: 'crypto-ingest';
  unit: 'MB/s';
  goal: string;
  /** F: full ingest path, plaintext MB/s (1 MB = 10^6 bytes). */
  figure: number;
  /** 1 / (1/A + 1/B). */
  baseline: number;
  ratio: number;
  /** One Argon2id derivation at ARGON2_DEFAULT, in ms. */
  argon2Ms: number;
  /** sealAlbumKey per second (ephemeral X25519 + HKDF + AES-GCM). */
  x25519SealsPerSec: number;
  /** openAlbumKey per second. */
  opensPerSec: number;
  notes: {
    workers: number; ratioPerRound: number[]; aesMBps: number; blake3MBps: number; serialBoundMBps: number; readMBps: number;
    mib: number; rounds: number; argon2: typeof ARGON2_DEFAULT; userAgent: string; cores: number;
  };
}

export interface CryptoIngestOptions {
  /** Input size for A, B and F (default 256). */
  mib?: number;
  /** Run F and the seal/open rates through this API (e.g. the worker client); default in-thread. */
  api?: CryptoApi;
  /** Rounds of A, B, F, P, R, interleaved (default 5): F and P count by their median, the others by their best. */
  rounds?: number;
  /** Threads that seal in F (the crypto worker + its helpers), so P uses as many (default 1). */
  workers?: number;
}

const now = (): number => performance.now();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** A few distinct 1 MiB blocks, so inputs are not one repeated buffer. */
function blocks(): Uint8Array[] {
  return [0, 1, 2, 3].map(() => randomBytes(CHUNK_SIZE));
}

async function aesRate(mib: number, data: Uint8Array[]): Promise<number> {
  const key = await aesGcmKey(randomBytes(32));
  const nonce = new Uint8Array(12);
  const aad = new Uint8Array(21);
  const t = now();
  for (let i = 0; i < mib; i++) {
    new DataView(nonce.buffer).setUint32(8, i);
    await aesGcmEncrypt(key, nonce, data[i % data.length]!, aad);
  }
  return mbps(mib * CHUNK_SIZE, now() - t);
}

async function blake3Rate(mib: number, data: Uint8Array[]): Promise<number> {
  const hash = await blake3Fn();
  const t = now();
  for (let i = 0; i < mib; i++) hash(data[i % data.length]!);
  return mbps(mib * CHUNK_SIZE, now() - t);
}

/** One Blob of `mib` MiB for F and R (a browser keeps only so much Blob data in memory). */
function inputBlob(mib: number, data: Uint8Array[]): Blob {
  return new Blob(Array.from({ length: mib }, (_, i) => data[i % data.length]! as Uint8Array<ArrayBuffer>));
}

async function ingestRate(api: CryptoApi, blob: Blob): Promise<number> {
  const mib = blob.size / CHUNK_SIZE;
  const fileKey = await api.newFileKey();
  const fileId = await api.newFileId();
  let n = 0;
  const t = now();
  for await (const c of api.encryptStream(fileKey, fileId, blob)) n += c.ciphertext.length > 0 ? 1 : 0;
  const ms = now() - t;
  if (n !== mib + 1) throw new Error(`ingest bench: expected ${mib + 1} chunks, got ${n}`);
  return mbps(blob.size, ms);
}

/** R: reading the Blob into chunks alone (the source side of F). */
async function readRate(blob: Blob): Promise<number> {
  const t = now();
  let n = 0;
  for await (const c of readChunks(blob)) n += c.data.length;
  if (n !== blob.size) throw new Error('read bench: short read');
  return mbps(blob.size, now() - t);
}

interface BareWorker { api: ReturnType<typeof wrap<BenchWorker>>; worker: Worker }

function startBareWorkers(n: number): BareWorker[] {
  return Array.from({ length: n }, (_, i) => {
    const worker = new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module', name: `bench-bare-${i + 1}` });
    return { worker, api: wrap<BenchWorker>(worker) };
  });
}

/** P: the workers seal contiguous shares of `blob`'s chunks in parallel. */
async function parallelRate(workers: BareWorker[], blob: Blob): Promise<number> {
  const chunks = Math.ceil(blob.size / CHUNK_SIZE);
  const share = Math.ceil(chunks / workers.length);
  const t = now();
  const read = await Promise.all(workers.map((w, k) => w.api.bare(blob, k * share, Math.min(chunks, (k + 1) * share))));
  const ms = now() - t;
  if (read.reduce((a, b) => a + b, 0) !== blob.size) throw new Error('parallel bound: short read');
  return mbps(blob.size, ms);
}

async function perSecond(count: number, f: (i: number) => Promise<unknown>): Promise<number> {
  const t = now();
  for (let i = 0; i < count; i++) await f(i);
  return count / ((now() - t) / 1000);
}

export async function runCryptoIngestBench(opts?: CryptoIngestOptions): Promise<CryptoIngestResult> {
  const mib = opts?.mib ?? 256;
  const api = opts?.api ?? directApi;
  const rounds = opts?.rounds ?? 5;
  const bare = startBareWorkers(opts?.workers ?? 1);
  const data = blocks();
  let A = 0;
  let B = 0;
  const Fs: number[] = [];
  const Ps: number[] = [];
  let R = 0;
  try {
    // Warm up: wasm instantiation, JIT, WebCrypto key paths, the helpers' start.
    await aesRate(8, data);
    await blake3Rate(8, data);
    await ingestRate(api, inputBlob(8, data));
    await parallelRate(bare, inputBlob(8 * bare.length, data));

    const input = inputBlob(mib, data);
    for (let r = 0; r < rounds; r++) {
      A = Math.max(A, await aesRate(mib, data));
      B = Math.max(B, await blake3Rate(mib, data));
      // F and P back to back, in alternating order: other load on the machine hits both alike.
      if (r % 2 === 0) {
        Fs.push(await ingestRate(api, input));
        Ps.push(await parallelRate(bare, input));
      } else {
        Ps.push(await parallelRate(bare, input));
        Fs.push(await ingestRate(api, input));
      }
      R = Math.max(R, await readRate(input));
    }
  } finally {
    for (const w of bare) w.worker.terminate();
  }
  const F = median(Fs);
  const P = median(Ps);
  const baseline = P;

  const t = now();
  await argon2id(randomBytes(16), randomBytes(16), ARGON2_DEFAULT);
  const argon2Ms = now() - t;

  const member = await api.createIdentity();
  const albumKey = await api.newAlbumKey();
  const albumId = await api.newAlbumId();
  const sealed: Uint8Array[] = [];
  const seals = await perSecond(200, async (i) => sealed.push(await api.sealAlbumKey(member.boxPublic, albumKey, albumId, i)));
  const opens = await perSecond(200, (i) => api.openAlbumKey(member.boxSecret, sealed[i]!));

  return {
    name: 'crypto-ingest',
    unit: 'MB/s',
    goal: 'ratio >= 0.8',
    figure: round(F),
    baseline: round(baseline),
    ratio: round(F / baseline, 3),
    argon2Ms: Math.round(argon2Ms),
    x25519SealsPerSec: Math.round(seals),
    opensPerSec: Math.round(opens),
    notes: {
      workers: bare.length,
      ratioPerRound: Fs.map((f, i) => round(f / Ps[i]!, 3)),
      aesMBps: round(A),
      blake3MBps: round(B),
      serialBoundMBps: round(1 / (1 / A + 1 / B)),
      readMBps: round(R),
      mib,
      rounds,
      cores: typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency || 1,
      argon2: ARGON2_DEFAULT,
      userAgent: typeof navigator === 'undefined' ? 'unknown' : navigator.userAgent,
    },
  };
}
