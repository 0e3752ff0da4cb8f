/**
 * Per-photo file keys, wrapped by an album key. Adding a photo to another album re-wraps the
 * 32-byte file key; the chunks are never re-encrypted or re-uploaded.
 * [ver][alg][epoch u32][nonce 12][file key 32 + tag 16] = 66 bytes; AAD = header ‖ fileId, so a
 * wrapped key cannot be moved to another photo.
 */
import { assertBytes, concatBytes, u32be } from '../core/bytes.ts';
import { ALG, ByteReader, checkHeader, header } from './envelope.ts';
import { LABEL } from './labels.ts';
import { aesGcmDecrypt, aesGcmEncrypt, hkdfSha256, randomBytes } from './primitives.ts';

export const WRAPPED_FILE_KEY_LENGTH = 2 + 4 + 12 + 48;

/** A fresh key per encryption: the chunk nonces are counters, so a file key must never encrypt twice. */
export const newFileKey = (): Uint8Array => randomBytes(32);
export const newFileId = (): Uint8Array => randomBytes(16);

const wrapKey = (albumKey: Uint8Array): Uint8Array => hkdfSha256(albumKey, LABEL.fileWrap);

export async function wrapFileKeyWith(albumKey: Uint8Array, epoch: number, fileId: Uint8Array, fileKey: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
  assertBytes(albumKey, 32, 'albumKey');
  assertBytes(fileId, 16, 'fileId');
  assertBytes(fileKey, 32, 'fileKey');
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff) throw new RangeError('epoch: out of range');
  const head = concatBytes(header(ALG.fileKeyWrap), u32be(epoch), nonce);
  const ct = await aesGcmEncrypt(wrapKey(albumKey), nonce, fileKey, concatBytes(head, fileId));
  return concatBytes(head, ct);
}

export function wrapFileKey(albumKey: Uint8Array, epoch: number, fileId: Uint8Array, fileKey: Uint8Array): Promise<Uint8Array> {
  return wrapFileKeyWith(albumKey, epoch, fileId, fileKey, randomBytes(12));
}

/** The album epoch whose key unwraps this (no secret needed). */
export function readWrappedFileKey(wrapped: Uint8Array): { epoch: number } {
  assertBytes(wrapped, undefined, 'wrapped file key');
  checkHeader(wrapped, ALG.fileKeyWrap, WRAPPED_FILE_KEY_LENGTH, 'wrapped file key');
  const r = new ByteReader(wrapped, 'wrapped file key');
  r.bytes(2);
  const epoch = r.u32();
  r.bytes(12 + 48);
  r.end();
  return { epoch };
}

export async function unwrapFileKey(albumKey: Uint8Array, fileId: Uint8Array, wrapped: Uint8Array): Promise<Uint8Array> {
  assertBytes(albumKey, 32, 'albumKey');
  assertBytes(fileId, 16, 'fileId');
  readWrappedFileKey(wrapped);
  const head = wrapped.subarray(0, 18);
  return aesGcmDecrypt(wrapKey(albumKey), wrapped.subarray(6, 18), wrapped.subarray(18), concatBytes(head, fileId), 'wrapped file key');
}
