/**
 * Album keys, one per epoch, sealed to each member's X25519 key (an anonymous sealed box):
 *   e = fresh X25519 key; s = X25519(e, recipient); K = HKDF-SHA-256(s, info = label ‖ ePub ‖
 *   recipientPub ‖ header); AES-256-GCM(K, nonce = 0^12, albumKey, aad = header ‖ ePub).
 * A zero nonce is safe because K is used once (e is fresh). The seal does not say who sealed
 * it: authorship comes from the signed op that carries it (docs/crypto.md "Album keys").
 */
import { assertBytes, concatBytes, equalBytes, u32be, utf8 } from '../core/bytes.ts';
import { DecryptError, IntegrityError } from '../core/errors.ts';
import { ALG, ByteReader, checkHeader, header } from './envelope.ts';
import { LABEL } from './labels.ts';
import { aesGcmDecrypt, aesGcmEncrypt, hkdfSha256, randomBytes, x25519PublicKey, x25519Shared } from './primitives.ts';

export const SEALED_ALBUM_KEY_LENGTH = 2 + 16 + 4 + 32 + 48;
const ZERO_NONCE = new Uint8Array(12);

export interface AlbumKeyRef {
  albumId: Uint8Array;
  epoch: number;
}
export interface OpenedAlbumKey extends AlbumKeyRef {
  albumKey: Uint8Array;
}

export const newAlbumKey = (): Uint8Array => randomBytes(32);
export const newAlbumId = (): Uint8Array => randomBytes(16);

function assertEpoch(epoch: number): void {
  if (typeof epoch !== 'number') throw new TypeError('epoch: expected a number');
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff) throw new RangeError('epoch: out of range');
}

const kdf = (shared: Uint8Array, ePub: Uint8Array, rPub: Uint8Array, head: Uint8Array): Uint8Array =>
  hkdfSha256(shared, concatBytes(utf8(LABEL.albumSeal), ePub, rPub, head));

/** Deterministic core: `ephemeralSecret` is fresh randomness in sealAlbumKey, fixed in frozen vectors. */
export async function sealAlbumKeyWith(
  recipientBoxPublic: Uint8Array, albumKey: Uint8Array, albumId: Uint8Array, epoch: number, ephemeralSecret: Uint8Array,
): Promise<Uint8Array> {
  assertBytes(recipientBoxPublic, 32, 'recipientBoxPublic');
  assertBytes(albumKey, 32, 'albumKey');
  assertBytes(albumId, 16, 'albumId');
  assertEpoch(epoch);
  const shared = x25519Shared(ephemeralSecret, recipientBoxPublic); // RangeError on a low-order recipient
  const ePub = x25519PublicKey(ephemeralSecret);
  const head = concatBytes(header(ALG.albumKeySeal), albumId, u32be(epoch));
  const ct = await aesGcmEncrypt(kdf(shared, ePub, recipientBoxPublic, head), ZERO_NONCE, albumKey, concatBytes(head, ePub));
  return concatBytes(head, ePub, ct);
}

/** [ver][alg][albumId 16][epoch u32][ephemeral public 32][sealed key 32 + tag 16] = 102 bytes. */
export function sealAlbumKey(recipientBoxPublic: Uint8Array, albumKey: Uint8Array, albumId: Uint8Array, epoch: number): Promise<Uint8Array> {
  return sealAlbumKeyWith(recipientBoxPublic, albumKey, albumId, epoch, randomBytes(32));
}

/** Which album and epoch a sealed key is for; needs no secret (relays index by it). */
export function readSealedAlbumKey(sealed: Uint8Array): AlbumKeyRef {
  assertBytes(sealed, undefined, 'sealed album key');
  checkHeader(sealed, ALG.albumKeySeal, SEALED_ALBUM_KEY_LENGTH, 'sealed album key');
  const r = new ByteReader(sealed, 'sealed album key');
  r.bytes(2);
  const albumId = r.bytes(16).slice();
  const epoch = r.u32();
  r.bytes(32 + 48);
  r.end();
  return { albumId, epoch };
}

/**
 * Opens with the member's X25519 secret. `expect` pins album and epoch so a valid seal for
 * another album or epoch is refused (IntegrityError). Wrong member or tampering: DecryptError.
 */
export async function openAlbumKey(boxSecret: Uint8Array, sealed: Uint8Array, expect?: Partial<AlbumKeyRef>): Promise<OpenedAlbumKey> {
  assertBytes(boxSecret, 32, 'boxSecret');
  const ref = readSealedAlbumKey(sealed);
  if (expect?.albumId !== undefined && !equalBytes(expect.albumId, ref.albumId)) {
    throw new IntegrityError('sealed album key: for another album');
  }
  if (expect?.epoch !== undefined && expect.epoch !== ref.epoch) throw new IntegrityError('sealed album key: for another epoch');
  const head = sealed.subarray(0, 22);
  const ePub = sealed.subarray(22, 54);
  let shared: Uint8Array;
  try {
    shared = x25519Shared(boxSecret, ePub);
  } catch {
    throw new DecryptError('sealed album key: invalid ephemeral key');
  }
  const key = kdf(shared, ePub, x25519PublicKey(boxSecret), head);
  const albumKey = await aesGcmDecrypt(key, ZERO_NONCE, sealed.subarray(54), sealed.subarray(0, 54), 'sealed album key');
  return { ...ref, albumKey };
}

/** A new epoch: fresh key sealed for every remaining member (removed members get nothing). */
export async function startEpoch(albumId: Uint8Array, epoch: number, recipients: Uint8Array[]): Promise<{ albumKey: Uint8Array; sealed: Uint8Array[] }> {
  if (!Array.isArray(recipients)) throw new TypeError('recipients: expected an array');
  const albumKey = newAlbumKey();
  const sealed = await Promise.all(recipients.map((r) => sealAlbumKey(r, albumKey, albumId, epoch)));
  return { albumKey, sealed };
}

/** Re-wraps a key I hold for another member (adding someone to an album, any epoch). */
export async function resealAlbumKey(boxSecret: Uint8Array, sealed: Uint8Array, recipientBoxPublic: Uint8Array): Promise<Uint8Array> {
  const k = await openAlbumKey(boxSecret, sealed);
  return sealAlbumKey(recipientBoxPublic, k.albumKey, k.albumId, k.epoch);
}
