/**
 * Test-only ReplicationCrypto over @noble (BLAKE3, HMAC-SHA-256, Ed25519). Replication source
 * must not import crypto libraries (lint rule, CONVENTIONS.md); this file is test support
 * under __tests__ and is never imported by source. The app composes ReplicationCrypto from
 * web/src/crypto instead.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64Url, toHex, utf8 } from '../../core/bytes.ts';
import type { ObjectHash } from '../../core/ids.ts';
import type { ReplicationCrypto } from '../ports.ts';

export const blake3Hex = (b: Uint8Array): ObjectHash => toHex(blake3(b)) as ObjectHash;
export const deriveKey = (label: string): Uint8Array => sha256(utf8(label));

export class NobleCrypto implements ReplicationCrypto {
  readonly publicKey: Uint8Array;
  readonly publicKeyB64: string;
  readonly #secret: Uint8Array;

  /** Deterministic device key from a name (tests only). */
  constructor(name: string) {
    this.#secret = deriveKey(`device:${name}`);
    this.publicKey = ed25519.getPublicKey(this.#secret);
    this.publicKeyB64 = toBase64Url(this.publicKey);
  }

  async hash(bytes: Uint8Array): Promise<ObjectHash> {
    return blake3Hex(bytes);
  }

  async hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    return hmac(sha256, key, data);
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    return ed25519.sign(data, this.#secret);
  }

  async verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    try {
      return ed25519.verify(signature, data, publicKey);
    } catch (e) {
      // noble throws on malformed keys/signatures; the port promises `false` instead.
      void e;
      return false;
    }
  }

  randomBytes(n: number): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(n));
  }
}
