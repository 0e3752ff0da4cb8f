/**
 * One content chunk (STREAM construction, Hoang–Reyhanitabar–Rogaway–Vizár 2015):
 *   chunkKey = HKDF(fileKey, label ‖ fileId)                   — binds the file
 *   nonce    = 0^7 ‖ u32be(index) ‖ last                        — binds position and end
 *   aad      = header ‖ fileId ‖ u32be(index) ‖ last
 * Every chunk carries exactly CHUNK_SIZE plaintext bytes; the last one holds 0..CHUNK_SIZE−1 data
 * bytes padded to CHUNK_SIZE, so all chunk objects have the same size and only the chunk count
 * leaks. Index and last flag are not stored: the reader knows them from position, so
 * reordering, truncation, duplication and splicing all fail authentication.
 * Envelope: [ver][alg][ciphertext CHUNK_SIZE][tag 16].
 */
import { assertBytes, concatBytes, releaseBytes, u32be, utf8 } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import { ALG, checkHeader, header } from './envelope.ts';
import { LABEL } from './labels.ts';
import { CHUNK_SIZE } from './chunk-size.ts';
import { pad, unpad } from './padding.ts';
import { aesGcmDecrypt, aesGcmEncrypt, aesGcmKey, hkdfSha256, type AeadKey } from './primitives.ts';

export { CHUNK_SIZE };
export const CHUNK_ENVELOPE_LENGTH = 2 + CHUNK_SIZE + 16;
const HEAD = header(ALG.chunk);

export async function chunkKey(fileKey: Uint8Array, fileId: Uint8Array): Promise<AeadKey> {
  assertBytes(fileKey, 32, 'fileKey');
  assertBytes(fileId, 16, 'fileId');
  return aesGcmKey(hkdfSha256(fileKey, concatBytes(utf8(LABEL.chunkKey), fileId)));
}

function assertIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new RangeError('chunk index: out of range');
}

function nonce(index: number, last: boolean): Uint8Array {
  const n = new Uint8Array(12);
  n.set(u32be(index), 7);
  n[11] = last ? 1 : 0;
  return n;
}

const aad = (fileId: Uint8Array, index: number, last: boolean): Uint8Array =>
  concatBytes(HEAD, fileId, u32be(index), Uint8Array.of(last ? 1 : 0));

/** `data` is exactly CHUNK_SIZE bytes for a middle chunk, fewer for the last. */
export async function sealChunk(key: AeadKey, fileId: Uint8Array, index: number, last: boolean, data: Uint8Array): Promise<Uint8Array> {
  assertIndex(index);
  if (last ? data.length >= CHUNK_SIZE : data.length !== CHUNK_SIZE) throw new RangeError('chunk: wrong plaintext length');
  const pt = last ? pad(data, CHUNK_SIZE) : data;
  const ct = await aesGcmEncrypt(key, nonce(index, last), pt, aad(fileId, index, last));
  const out = new Uint8Array(2 + ct.length);
  out.set(HEAD);
  out.set(ct, 2);
  // Both are ours alone and dead now (docs/performance.md, "Releasing chunk buffers").
  releaseBytes(ct);
  if (pt !== data) releaseBytes(pt);
  return out;
}

export async function openChunk(key: AeadKey, fileId: Uint8Array, index: number, last: boolean, envelope: Uint8Array): Promise<Uint8Array> {
  assertIndex(index);
  assertBytes(envelope, undefined, 'chunk');
  checkHeader(envelope, ALG.chunk, CHUNK_ENVELOPE_LENGTH, 'chunk');
  if (envelope.length !== CHUNK_ENVELOPE_LENGTH) throw new IntegrityError('chunk: wrong length');
  const pt = await aesGcmDecrypt(key, nonce(index, last), envelope.subarray(2), aad(fileId, index, last), `chunk ${index}`);
  return last ? unpad(pt, `chunk ${index}`) : pt;
}
