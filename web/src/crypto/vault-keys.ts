/**
 * Keys derived from the two vault-wide secrets (docs/crypto.md "Vault secrets"):
 * - the vault secret (PSK) is held by every family device AND every relay: it opens the signaling
 *   room and the peer handshake, never a photo;
 * - the member secret travels in member invites only: relays never see it, so keys derived from
 *   it (the content-dedup key) stay away from relays.
 */
import { assertBytes, fromBase64Url, toBase64Url, utf8 } from '../core/bytes.ts';
import type { RoomId, VaultId } from '../core/ids.ts';
import { joinTranscript, vouchTranscript } from '../core/signal-messages.ts';
import { LABEL } from './labels.ts';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, hkdfSha256, randomBytes } from './primitives.ts';

export interface VaultKeys {
  /** A stable, non-secret name for the vault's local storage (base64url of 16 derived bytes). */
  vaultId: VaultId;
  /** Ed25519 seed that proves room membership to the signal server. */
  roomSecretKey: Uint8Array;
  roomPublicKey: Uint8Array;
  /** base64url(roomPublicKey): what the signal server sees as the room. */
  roomId: RoomId;
  /** AES-256-GCM key for signaling payloads (sealSignal/openSignal). */
  roomKey: Uint8Array;
  /** MAC key for the peer handshake. */
  handshakeKey: Uint8Array;
}
export interface MemberKeys {
  /** Keyed-BLAKE3 key for content-dedup tags. */
  dedupKey: Uint8Array;
  /** Seals the members-only parts of the vault log (names, albums, who reads which album). */
  directoryKey: Uint8Array;
}

export const newVaultSecret = (): Uint8Array => randomBytes(32);
export const newMemberSecret = (): Uint8Array => randomBytes(32);

export function deriveVaultKeys(vaultSecret: Uint8Array): VaultKeys {
  assertBytes(vaultSecret, 32, 'vaultSecret');
  const roomSecretKey = hkdfSha256(vaultSecret, LABEL.roomSigning);
  const roomPublicKey = ed25519PublicKey(roomSecretKey);
  return {
    vaultId: toBase64Url(hkdfSha256(vaultSecret, LABEL.vaultId, 16)) as VaultId,
    roomSecretKey,
    roomPublicKey,
    roomId: toBase64Url(roomPublicKey) as RoomId,
    roomKey: hkdfSha256(vaultSecret, LABEL.roomKey),
    handshakeKey: hkdfSha256(vaultSecret, LABEL.handshakeKey),
  };
}

export function deriveMemberKeys(memberSecret: Uint8Array): MemberKeys {
  assertBytes(memberSecret, 32, 'memberSecret');
  return { dedupKey: hkdfSha256(memberSecret, LABEL.dedupKey), directoryKey: hkdfSha256(memberSecret, LABEL.directoryKey) };
}

/** The `sig` of a signal-server `join`: base64url Ed25519 over joinTranscript (core/signal-messages.ts). */
export function signJoin(roomSecretKey: Uint8Array, nonce: string, room: string, peer: string): string {
  assertBytes(roomSecretKey, 32, 'roomSecretKey');
  return toBase64Url(ed25519Sign(roomSecretKey, utf8(joinTranscript(nonce, room, peer))));
}

/**
 * A signal-server vouch (`JoinMsg.vouch`): the room key says `room` belongs to the same family,
 * so a server that enrolled this room enrols `room` too (a new generation's room after a rotation,
 * or an earlier one). `voucher` is this key's room id.
 */
export function signRoomVouch(roomSecretKey: Uint8Array, room: string): { room: string; sig: string } {
  assertBytes(roomSecretKey, 32, 'roomSecretKey');
  const voucher = toBase64Url(ed25519PublicKey(roomSecretKey));
  return { room: voucher, sig: toBase64Url(ed25519Sign(roomSecretKey, utf8(vouchTranscript(voucher, room)))) };
}

/** What the signal server checks: the room id is the public key, so no key lookup is needed. */
export function verifyJoin(room: string, nonce: string, peer: string, sig: string): boolean {
  let pub: Uint8Array;
  let s: Uint8Array;
  try {
    pub = fromBase64Url(room);
    s = fromBase64Url(sig);
  } catch {
    return false; // not base64url: simply not a valid join
  }
  return ed25519Verify(pub, utf8(joinTranscript(nonce, room, peer)), s);
}
