/**
 * Join authentication. The room id IS an Ed25519 public key (derived by clients from the vault
 * secret), so a client proves it may enter a room by signing the server's fresh nonce with the
 * matching private key. The server holds no secret: it only verifies.
 *
 * A low-order public key would let someone "join" without a private key, but only a room of
 * their own making that nobody else's key maps to, so it is harmless and not checked here.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { joinTranscript, vouchTranscript } from '../../web/src/core/signal-messages.ts';

/** 32 random bytes, base64url: a nonce used for exactly one connection. */
export function makeNonce(): string {
  return randomBytes(32).toString('base64url');
}

/** The room's public key, or undefined if `room` is not 32 bytes of base64url. */
export function roomPublicKey(room: string): KeyObject | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(room)) return undefined;
  // 43 chars carry 258 bits: the last 2 must be zero, or two spellings would name one key.
  if (Buffer.from(room, 'base64url').toString('base64url') !== room) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: room }, format: 'jwk' });
  } catch {
    return undefined; // not a valid point encoding: the caller refuses the join with a reason
  }
}

/** Verifies `sig` (base64url of a 64-byte Ed25519 signature) over the join transcript. */
export function verifyJoin(key: KeyObject, nonce: string, room: string, peer: string, sig: string): boolean {
  return verifySig(key, joinTranscript(nonce, room, peer), sig);
}

/** Verifies a vouch: `sig` by `voucherKey` (the room `voucher`) over vouchTranscript(voucher, room). */
export function verifyVouch(voucherKey: KeyObject, voucher: string, room: string, sig: string): boolean {
  return verifySig(voucherKey, vouchTranscript(voucher, room), sig);
}

function verifySig(key: KeyObject, transcript: string, sig: string): boolean {
  if (!/^[A-Za-z0-9_-]{86}$/.test(sig)) return false;
  const sigBytes = Buffer.from(sig, 'base64url');
  if (sigBytes.length !== 64) return false;
  try {
    return verify(null, Buffer.from(transcript, 'utf8'), key, sigBytes);
  } catch {
    return false; // OpenSSL rejected the input outright: same outcome as a bad signature
  }
}
