/** Branded ids, so a hash cannot be passed where a peer id is expected. */

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** 64 lowercase hex chars: BLAKE3-256 of an object's ciphertext. */
export type ObjectHash = Brand<string, 'ObjectHash'>;
/** base64url of 16 random bytes, chosen per device/relay at first start. */
export type PeerId = Brand<string, 'PeerId'>;
/** base64url of the room's Ed25519 public key (derived from the vault secret). */
export type RoomId = Brand<string, 'RoomId'>;
export type VaultId = Brand<string, 'VaultId'>;
export type AlbumId = Brand<string, 'AlbumId'>;
export type PhotoId = Brand<string, 'PhotoId'>;
export type MemberId = Brand<string, 'MemberId'>;

const HASH_RE = /^[0-9a-f]{64}$/;
const B64URL_RE = /^[A-Za-z0-9_-]+$/;

export function isObjectHash(x: unknown): x is ObjectHash {
  return typeof x === 'string' && HASH_RE.test(x);
}
export function asObjectHash(x: string): ObjectHash {
  if (!isObjectHash(x)) throw new RangeError('not an object hash');
  return x;
}
export function isPeerId(x: unknown): x is PeerId {
  return typeof x === 'string' && x.length >= 8 && x.length <= 64 && B64URL_RE.test(x);
}
export function isRoomId(x: unknown): x is RoomId {
  // base64url of a 32-byte Ed25519 public key is 43 chars.
  return typeof x === 'string' && x.length === 43 && B64URL_RE.test(x);
}
