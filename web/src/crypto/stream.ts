/**
 * Streaming photo encryption: chunk by chunk from a Blob/File or ReadableStream, never the whole
 * file in memory. Each encrypted chunk is addressed by BLAKE3 of its ciphertext (any peer can
 * verify it without keys). Reads and AES-GCM (WebCrypto, asynchronous and off-thread in most
 * engines) run up to PIPELINE_DEPTH chunks ahead of the BLAKE3 hashing on this thread.
 */
import { assertBytes, equalBytes, fromHex, toHex } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import { chunkKey, openChunk, sealChunk } from './chunk.ts';
import { readChunks, type ByteSource, type PlainChunk } from './chunker.ts';
import { blake3Fn, keyedBlake3 } from './primitives.ts';
import { decryptOrdered, type ChunkSource, type DecryptOptions } from './stream-order.ts';

export interface EncryptedChunk {
  index: number;
  last: boolean;
  /** BLAKE3-256 of `ciphertext`: the object's address. */
  hash: ObjectHash;
  /** The chunk envelope to store (CHUNK_ENVELOPE_LENGTH bytes). */
  ciphertext: Uint8Array;
  /** On the last chunk: plaintext size in bytes. */
  size?: number;
  /** On the last chunk, when `dedupKey` was given: keyed BLAKE3 of the whole plaintext. */
  contentTag?: Uint8Array;
}
export interface EncryptOptions {
  /** MemberKeys.dedupKey: also compute the content-dedup tag in the same pass. */
  dedupKey?: Uint8Array;
}

const PIPELINE_DEPTH = 3;

export async function hashObject(bytes: Uint8Array): Promise<ObjectHash> {
  assertBytes(bytes, undefined, 'object');
  return toHex((await blake3Fn())(bytes)) as ObjectHash;
}

async function checkHash(bytes: Uint8Array, expected: ObjectHash, what: string): Promise<void> {
  const h = (await blake3Fn())(bytes);
  if (!/^[0-9a-f]{64}$/.test(expected) || !equalBytes(h, fromHex(expected))) {
    throw new IntegrityError(`${what}: does not match its address`);
  }
}

export async function* encryptStream(
  fileKey: Uint8Array, fileId: Uint8Array, source: ByteSource, opts?: EncryptOptions,
): AsyncGenerator<EncryptedChunk> {
  const key = await chunkKey(fileKey, fileId);
  const hash = await blake3Fn();
  const tagger = opts?.dedupKey === undefined ? undefined : await keyedBlake3(opts.dedupKey);
  const chunks = readChunks(source);
  let size = 0;
  let reading: Promise<unknown> = Promise.resolve();
  // Reads stay sequential (one source); each read's encryption starts as soon as it lands.
  const launch = (): Promise<{ c: PlainChunk; env: Uint8Array } | undefined> => {
    const read = reading.then(async () => {
      const r = await chunks.next();
      if (r.done) return undefined;
      tagger?.update(r.value.data); // in order: reads are chained
      size += r.value.data.length;
      return r.value;
    });
    reading = read;
    const p = read.then(async (c) => (c === undefined ? undefined : { c, env: await sealChunk(key, fileId, c.index, c.last, c.data) }));
    p.catch(() => undefined); // awaited below in order; this only stops an early "unhandled" report
    return p;
  };
  const queue = Array.from({ length: PIPELINE_DEPTH }, launch);
  try {
    for (;;) {
      const cur = await queue.shift()!;
      if (cur === undefined) throw new IntegrityError('chunker ended without a last chunk'); // a bug, not input
      if (!cur.c.last) queue.push(launch());
      const out: EncryptedChunk = { index: cur.c.index, last: cur.c.last, hash: toHex(hash(cur.env)) as ObjectHash, ciphertext: cur.env };
      if (cur.c.last) {
        out.size = size;
        if (tagger) out.contentTag = tagger.digest();
      }
      yield out;
      if (cur.c.last) return;
    }
  } finally {
    await Promise.allSettled(queue);
    await chunks.return(undefined);
  }
}

/**
 * Decrypts chunk envelopes given in file order; yields plaintext pieces. Reordered, duplicated,
 * spliced, truncated or extended input fails (DecryptError; IntegrityError with `hashes`).
 */
export async function* decryptStream(
  fileKey: Uint8Array, fileId: Uint8Array, chunks: ChunkSource, opts?: DecryptOptions,
): AsyncGenerator<Uint8Array> {
  const key = await chunkKey(fileKey, fileId);
  yield* decryptOrdered(chunks, opts, async (index, last, ct, expected) => {
    if (expected !== undefined) await checkHash(ct, expected, `chunk ${index}`);
    return openChunk(key, fileId, index, last, ct);
  });
}

/** One chunk on its own (random access, resumable work); `data` as in sealChunk. */
export async function encryptChunk(fileKey: Uint8Array, fileId: Uint8Array, index: number, last: boolean, data: Uint8Array): Promise<EncryptedChunk> {
  assertBytes(data, undefined, 'chunk plaintext');
  const env = await sealChunk(await chunkKey(fileKey, fileId), fileId, index, last, data);
  return { index, last, hash: await hashObject(env), ciphertext: env };
}

export async function decryptChunk(
  fileKey: Uint8Array, fileId: Uint8Array, index: number, last: boolean, ciphertext: Uint8Array, expectedHash?: ObjectHash,
): Promise<Uint8Array> {
  assertBytes(ciphertext, undefined, 'chunk');
  if (expectedHash !== undefined) await checkHash(ciphertext, expectedHash, `chunk ${index}`);
  return openChunk(await chunkKey(fileKey, fileId), fileId, index, last, ciphertext);
}

/** The dedup tag alone (same value encryptStream returns with `dedupKey`). */
export async function contentTag(dedupKey: Uint8Array, source: ByteSource): Promise<Uint8Array> {
  const t = await keyedBlake3(dedupKey);
  for await (const c of readChunks(source)) t.update(c.data);
  return t.digest();
}
