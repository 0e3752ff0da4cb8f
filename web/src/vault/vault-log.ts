/**
 * The vault-level log ('vault'): the member directory (public identities and their encrypted key
 * bundles, so a member can restore on a new device) and album keys sealed to members. Entries are
 * sealed under a key derived from the vault secret: relays, which hold it, can read public keys
 * and that an album exists, never an album key (sealed to members' X25519 keys) or a name.
 */
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../core/bytes.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { CryptoApi } from '../crypto/api-types.ts';

export type VaultLogEntry =
  | { t: 'member'; identity: string; bundle: ObjectHash; name: string }
  | { t: 'album.key'; album: string; epoch: number; to: string; sealed: string };

const LOG_KEY_LABEL = utf8('family-vault/vault-log-key/v1');

/** A PRF of the handshake key with its own label: the vault log's AEAD key. */
export function vaultLogKey(crypto: CryptoApi, handshakeKey: Uint8Array): Promise<Uint8Array> {
  return crypto.handshakeMac(handshakeKey, LOG_KEY_LABEL);
}

export function sealEntry(crypto: CryptoApi, key: Uint8Array, e: VaultLogEntry): Promise<Uint8Array> {
  return crypto.sealObject(key, 'album-info', utf8(JSON.stringify(e)));
}

export async function openEntry(crypto: CryptoApi, key: Uint8Array, ciphertext: Uint8Array): Promise<VaultLogEntry | undefined> {
  const x = JSON.parse(fromUtf8(await crypto.openObject(key, 'album-info', ciphertext))) as Partial<VaultLogEntry>;
  if (x.t === 'member' && typeof x.identity === 'string' && typeof x.bundle === 'string') return x as VaultLogEntry;
  if (x.t === 'album.key' && typeof x.album === 'string' && typeof x.to === 'string' && typeof x.sealed === 'string') return x as VaultLogEntry;
  return undefined;
}

export const b64 = toBase64Url;
export const unb64 = fromBase64Url;
