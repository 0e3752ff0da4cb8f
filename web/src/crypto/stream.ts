/**
 * Streaming photo encryption: chunk by chunk from a Blob/File or ReadableStream, never the whole
 * file in memory. Each encrypted chunk is addressed by BLAKE3 of its ciphertext (any peer can
 * verify it without keys). Reads and AES-GCM (WebCrypto, asynchronous and off-thread in most
 * engines) run up to PIPELINE_DEPTH chunks ahead of the BLAKE3 hashing on this thread.
 */
import { assertBytes, equalBytes, fromHex, releaseBytes, toHex } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import { chunkKey, openChunk, sealChunk } from './chunk.ts';
import { PIPELINE_DEPTH, pipeline, readChunks, type ByteSource, type PlainChunk } from './chunker.ts';
import { blake3Fn, keyedBlake3, type AeadKey } from './primitives.ts';
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

/**
 * Seals the chunks of one file, given in file order: the dedup tag and the size see the
 * plaintext at call time (in order), while the AES-GCM of one chunk may overlap the BLAKE3 of
 * the one before. The crypto worker keeps one per file for the client's pipeline.
 */
export class ChunkSealer {
  #next = 0;
  #size = 0;
  #ended = false;

  private constructor(
    private readonly key: AeadKey,
    private readonly fileId: Uint8Array,
    private readonly hash: (b: Uint8Array) => Uint8Array,
    private readonly tagger: { update(b: Uint8Array): void; digest(): Uint8Array } | undefined,
  ) {}

  static async open(fileKey: Uint8Array, fileId: Uint8Array, opts?: EncryptOptions): Promise<ChunkSealer> {
    const tagger = opts?.dedupKey === undefined ? undefined : await keyedBlake3(opts.dedupKey);
    return new ChunkSealer(await chunkKey(fileKey, fileId), fileId, await blake3Fn(), tagger);
  }

  get ended(): boolean {
    return this.#ended;
  }

  seal(c: PlainChunk): Promise<EncryptedChunk> {
    if (this.#ended || c.index !== this.#next) return Promise.reject(new RangeError('chunk sealer: chunks must come once, in order'));
    this.#next++;
    this.#ended = c.last;
    this.tagger?.update(c.data);
    this.#size += c.data.length;
    const size = this.#size;
    const tag = c.last ? this.tagger?.digest() : undefined;
    return sealChunk(this.key, this.fileId, c.index, c.last, c.data).then((env) => {
      const out: EncryptedChunk = { index: c.index, last: c.last, hash: toHex(this.hash(env)) as ObjectHash, ciphertext: env };
      if (c.last) {
        out.size = size;
        if (tag) out.contentTag = tag;
      }
      return out;
    });
  }
}

export async function* encryptStream(
  fileKey: Uint8Array, fileId: Uint8Array, source: ByteSource, opts?: EncryptOptions,
): AsyncGenerator<EncryptedChunk> {
  const sealer = await ChunkSealer.open(fileKey, fileId, opts);
  yield* pipeline(readChunks(source), (c) => sealer.seal(c), PIPELINE_DEPTH);
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
  for await (const c of readChunks(source)) {
    t.update(c.data);
    releaseBytes(c.data); // a fresh buffer from readChunks, hashed: nobody else has it
  }
  return t.digest();
}
