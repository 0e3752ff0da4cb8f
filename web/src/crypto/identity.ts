/**
 * Member identity: an Ed25519 signing key and an X25519 key-agreement key. The public identity
 * is both public keys; its fingerprint covers both, so comparing safety words checks the pair
 * (a directory cannot pair someone's signing key with an attacker's encryption key).
 */
import { assertBytes, concatBytes, utf8 } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import { ALG, ByteReader, checkHeader, header } from './envelope.ts';
import { LABEL } from './labels.ts';
import {
  ed25519PublicKey, isValidEd25519Public, isValidX25519Public, randomBytes, sha256, x25519PublicKey,
} from './primitives.ts';
import { bytesToWords } from './words.ts';

export interface PublicIdentity {
  /** Ed25519 public key (32 bytes): verifies ops and the member's signatures. */
  signPublic: Uint8Array;
  /** X25519 public key (32 bytes): album keys are sealed to it. */
  boxPublic: Uint8Array;
}
export interface Identity extends PublicIdentity {
  /** Ed25519 seed (32 bytes). */
  signSecret: Uint8Array;
  /** X25519 scalar (32 bytes). */
  boxSecret: Uint8Array;
}

export const SAFETY_WORD_COUNT = 8; // 88 bits: a second-preimage search costs ~2^88
export const PUBLIC_IDENTITY_LENGTH = 66;

export function identityFromSecrets(signSecret: Uint8Array, boxSecret: Uint8Array): Identity {
  assertBytes(signSecret, 32, 'signSecret');
  assertBytes(boxSecret, 32, 'boxSecret');
  return {
    signSecret: signSecret.slice(),
    boxSecret: boxSecret.slice(),
    signPublic: ed25519PublicKey(signSecret),
    boxPublic: x25519PublicKey(boxSecret),
  };
}

export function createIdentity(): Identity {
  return identityFromSecrets(randomBytes(32), randomBytes(32));
}

export function publicOf(id: PublicIdentity): PublicIdentity {
  return { signPublic: id.signPublic.slice(), boxPublic: id.boxPublic.slice() };
}

/** [ver][alg][signPublic 32][boxPublic 32] */
export function encodePublicIdentity(id: PublicIdentity): Uint8Array {
  assertBytes(id.signPublic, 32, 'signPublic');
  assertBytes(id.boxPublic, 32, 'boxPublic');
  return concatBytes(header(ALG.publicIdentity), id.signPublic, id.boxPublic);
}

/** Parses and validates both keys (canonical, not small order). */
export function decodePublicIdentity(bytes: Uint8Array): PublicIdentity {
  assertBytes(bytes, undefined, 'public identity');
  checkHeader(bytes, ALG.publicIdentity, PUBLIC_IDENTITY_LENGTH, 'public identity');
  const r = new ByteReader(bytes, 'public identity');
  r.bytes(2);
  const signPublic = r.bytes(32).slice();
  const boxPublic = r.bytes(32).slice();
  r.end();
  if (!isValidEd25519Public(signPublic)) throw new IntegrityError('public identity: invalid Ed25519 key');
  if (!isValidX25519Public(boxPublic)) throw new IntegrityError('public identity: invalid X25519 key');
  return { signPublic, boxPublic };
}

/** SHA-256(label ‖ encoded public identity): 32 bytes. */
export function fingerprint(id: PublicIdentity): Uint8Array {
  return sha256(concatBytes(utf8(LABEL.fingerprint), encodePublicIdentity(id)));
}

/** Eight BIP39 words from the fingerprint's first 88 bits, for two people to compare aloud. */
export function safetyWords(id: PublicIdentity): string[] {
  return bytesToWords(fingerprint(id), SAFETY_WORD_COUNT);
}
