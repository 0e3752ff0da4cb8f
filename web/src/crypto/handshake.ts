/**
 * Small authenticators for the layers above that may not import crypto libraries: the peer
 * handshake MAC (keyed by VaultKeys.handshakeKey) and context-separated Ed25519 signatures for
 * device keys. The transcript formats belong to the replication layer.
 */
import { assertBytes, concatBytes, equalBytes, utf8 } from '../core/bytes.ts';
import { LABEL } from './labels.ts';
import { ed25519PublicKey, ed25519Sign, ed25519VerifyFast, hmacSha256, randomBytes } from './primitives.ts';

export interface SigningKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** HMAC-SHA-256(handshakeKey, label ‖ 0x00 ‖ transcript). */
export function handshakeMac(handshakeKey: Uint8Array, transcript: Uint8Array): Uint8Array {
  assertBytes(handshakeKey, 32, 'handshakeKey');
  assertBytes(transcript, undefined, 'transcript');
  return hmacSha256(handshakeKey, concatBytes(utf8(LABEL.handshakeMac), Uint8Array.of(0), transcript));
}

/** Constant-time comparison. */
export function verifyHandshakeMac(handshakeKey: Uint8Array, transcript: Uint8Array, mac: Uint8Array): boolean {
  assertBytes(mac, undefined, 'mac');
  return equalBytes(handshakeMac(handshakeKey, transcript), mac);
}

/** The key pair of an Ed25519 seed (an invite key travels as its seed). */
export function signingKeyFromSeed(seed: Uint8Array): SigningKeyPair {
  assertBytes(seed, 32, 'seed');
  return { secretKey: seed.slice(), publicKey: ed25519PublicKey(seed) };
}

export function newSigningKey(): SigningKeyPair {
  const secretKey = randomBytes(32);
  return { secretKey, publicKey: ed25519PublicKey(secretKey) };
}

function contextMessage(context: string, message: Uint8Array): Uint8Array {
  if (typeof context !== 'string' || context.length === 0 || context.includes('\0')) throw new RangeError('context: a non-empty label');
  assertBytes(message, undefined, 'message');
  return concatBytes(utf8(LABEL.detachedSig + context), Uint8Array.of(0), message);
}

/** Ed25519 over (label ‖ context ‖ 0x00 ‖ message): a signature for one context never verifies in another. */
export function signDetached(secretKey: Uint8Array, context: string, message: Uint8Array): Uint8Array {
  assertBytes(secretKey, 32, 'secretKey');
  return ed25519Sign(secretKey, contextMessage(context, message));
}

/**
 * Native Ed25519 where the engine has it, with exactly the JavaScript check's answer
 * (ed25519VerifyFast): every op a restore takes in is verified here once, 1.4 ms each in
 * JavaScript (10,000 ops: 14 s of the crypto worker).
 */
export function verifyDetached(publicKey: Uint8Array, context: string, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  assertBytes(publicKey, 32, 'publicKey');
  assertBytes(signature, undefined, 'signature');
  return ed25519VerifyFast(publicKey, contextMessage(context, message), signature);
}
