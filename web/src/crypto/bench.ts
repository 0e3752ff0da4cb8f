/**
 * Crypto ingest benchmark, runnable in any JS environment with WebCrypto (a browser page, a
 * worker, Node). No Node-only code: the Chromium driver imports this and calls it in-page.
 *   A = bare AES-256-GCM (WebCrypto) on 1 MiB chunks, one at a time
 *   B = bare BLAKE3 (hash-wasm) on 1 MiB chunks
 *   F = the full ingest path: encryptStream from a Blob (read, encrypt, address) of `mib` MiB
 * baseline = 1 / (1/A + 1/B): doing both serially; ratio = F / baseline (goal ≥ 0.8).
 * Each rate is the best of `rounds` interleaved runs.
 */
import { directApi } from './api.ts';
import type { CryptoApi } from './api-types.ts';
import { ARGON2_DEFAULT } from './argon2-params.ts';
import { CHUNK_SIZE } from './chunk.ts';
import { readChunks } from './chunker.ts';
import { aesGcmEncrypt, aesGcmKey, argon2id, blake3Fn, randomBytes } from './primitives.ts';

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
  notes: { aesMBps: number; blake3MBps: number; readMBps: number; mib: number; rounds: number; argon2: typeof ARGON2_DEFAULT; userAgent: string };
}

export interface CryptoIngestOptions {
  /** Input size for A, B and F (default 256). */
  mib?: number;
  /** Run F and the seal/open rates through this API (e.g. the worker client); default in-thread. */
  api?: CryptoApi;
  /** Rounds of A, B, F, interleaved; the best of each counts, which damps noise from other load (default 3). */
  rounds?: number;
}

const now = (): number => performance.now();
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

async function perSecond(count: number, f: (i: number) => Promise<unknown>): Promise<number> {
  const t = now();
  for (let i = 0; i < count; i++) await f(i);
  return count / ((now() - t) / 1000);
}

export async function runCryptoIngestBench(opts?: CryptoIngestOptions): Promise<CryptoIngestResult> {
  const mib = opts?.mib ?? 256;
  const api = opts?.api ?? directApi;
  const data = blocks();
  // Warm up: wasm instantiation, JIT, WebCrypto key paths.
  await aesRate(8, data);
  await blake3Rate(8, data);
  await ingestRate(api, inputBlob(8, data));

  let A = 0;
  let B = 0;
  let F = 0;
  let R = 0;
  const input = inputBlob(mib, data);
  for (let r = 0; r < (opts?.rounds ?? 3); r++) {
    A = Math.max(A, await aesRate(mib, data));
    B = Math.max(B, await blake3Rate(mib, data));
    F = Math.max(F, await ingestRate(api, input));
    R = Math.max(R, await readRate(input));
  }
  const baseline = 1 / (1 / A + 1 / B);

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
      aesMBps: round(A),
      blake3MBps: round(B),
      readMBps: round(R),
      mib,
      rounds: opts?.rounds ?? 3,
      argon2: ARGON2_DEFAULT,
      userAgent: typeof navigator === 'undefined' ? 'unknown' : navigator.userAgent,
    },
  };
}
