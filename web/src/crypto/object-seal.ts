/**
 * Small encrypted objects: thumbnails, photo metadata (name, mime, size, date, dimensions, EXIF
 * incl. GPS), file manifests, album info (name). One key per kind is derived from the given key,
 * so an object of one kind never opens as another. Plaintexts are padded (padding.ts).
 * [ver][alg][kind u8][nonce 12][ciphertext ‖ tag]; AAD = the first 15 bytes.
 */
import { assertBytes, concatBytes } from '../core/bytes.ts';
import { IntegrityError, VersionError } from '../core/errors.ts';
import { ALG, checkHeader, header } from './envelope.ts';
import { LABEL } from './labels.ts';
import { paddedObjectLength, pad, unpad } from './padding.ts';
import { aesGcmDecrypt, aesGcmEncrypt, hkdfSha256, randomBytes } from './primitives.ts';

export const OBJECT_KINDS = { thumbnail: 1, metadata: 2, manifest: 3, 'album-info': 4 } as const;
export type ObjectKind = keyof typeof OBJECT_KINDS;
const OBJECT_HEAD = 15;

function kindByte(kind: ObjectKind): number {
  if (typeof kind !== 'string' || !Object.hasOwn(OBJECT_KINDS, kind)) throw new RangeError('object kind: unknown');
  return OBJECT_KINDS[kind];
}
const objectKey = (key: Uint8Array, kind: ObjectKind): Uint8Array => hkdfSha256(key, LABEL.objectKey + kind);

export async function sealObjectWith(key: Uint8Array, kind: ObjectKind, bytes: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
  assertBytes(key, 32, 'objectKey');
  assertBytes(bytes, undefined, 'object plaintext');
  const head = concatBytes(header(ALG.object), Uint8Array.of(kindByte(kind)), nonce);
  const ct = await aesGcmEncrypt(objectKey(key, kind), nonce, pad(bytes, paddedObjectLength(bytes.length)), head);
  return concatBytes(head, ct);
}

/** `key` is the file key for a photo's objects, the album key for album info. */
export function sealObject(key: Uint8Array, kind: ObjectKind, bytes: Uint8Array): Promise<Uint8Array> {
  return sealObjectWith(key, kind, bytes, randomBytes(12));
}

export async function openObject(key: Uint8Array, kind: ObjectKind, envelope: Uint8Array): Promise<Uint8Array> {
  assertBytes(key, 32, 'objectKey');
  assertBytes(envelope, undefined, 'object');
  const want = kindByte(kind);
  checkHeader(envelope, ALG.object, OBJECT_HEAD + 16, 'object');
  const got = envelope[2]!;
  if (got !== want) {
    if (!Object.values(OBJECT_KINDS).includes(got as never)) throw new VersionError(`object: unknown kind ${got}`);
    throw new IntegrityError(`object: kind ${got}, expected ${want}`);
  }
  const padded = await aesGcmDecrypt(objectKey(key, kind), envelope.subarray(3, OBJECT_HEAD), envelope.subarray(OBJECT_HEAD), envelope.subarray(0, OBJECT_HEAD), `object (${kind})`);
  return unpad(padded, `object (${kind})`).slice();
}
