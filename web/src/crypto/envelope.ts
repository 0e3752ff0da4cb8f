/**
 * Envelope headers and a bounds-checked reader. Every envelope starts with
 * [version u8][algorithm u8]; anything unknown fails closed with VersionError
 * (docs/crypto.md "Envelopes"). Algorithm ids are unique across envelope types, so one kind
 * of envelope can never be parsed as another.
 */
import { IntegrityError, VersionError } from '../core/errors.ts';

export const VERSION = 1;

export const ALG = {
  publicIdentity: 0x01, // Ed25519 + X25519 public keys
  keyBundle: 0x02, // Argon2id / recovery slots → AES-256-GCM
  signal: 0x03, // AES-256-GCM under the room key
  invite: 0x04,
  albumKeySeal: 0x05, // X25519 ephemeral → HKDF-SHA-256 → AES-256-GCM
  fileKeyWrap: 0x06, // AES-256-GCM under HKDF(album key)
  object: 0x07, // AES-256-GCM under HKDF(key, kind), padded
  chunk: 0x08, // AES-256-GCM STREAM, 1 MiB segments, last one padded
  op: 0x09, // AES-256-GCM + Ed25519 over header and ciphertext
  manifest: 0x0a, // plaintext format inside a sealed 'manifest' object
} as const;
export type AlgId = (typeof ALG)[keyof typeof ALG];

export function header(alg: AlgId): Uint8Array {
  return Uint8Array.of(VERSION, alg);
}

/** Checks [version][alg] and a minimum length. `what` names the envelope in errors. */
export function checkHeader(bytes: Uint8Array, alg: AlgId, minLength: number, what: string): void {
  if (bytes.length < 2) throw new IntegrityError(`${what}: too short`);
  if (bytes[0] !== VERSION) throw new VersionError(`${what}: unknown version ${bytes[0]}`);
  if (bytes[1] !== alg) throw new VersionError(`${what}: unknown algorithm ${bytes[1]}`);
  if (bytes.length < minLength) throw new IntegrityError(`${what}: too short`);
}

/** Reads fields front to back; any overrun or trailing byte is an IntegrityError. */
export class ByteReader {
  #o = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly what: string,
  ) {}
  get offset(): number {
    return this.#o;
  }
  get remaining(): number {
    return this.b.length - this.#o;
  }
  bytes(n: number): Uint8Array {
    if (n < 0 || this.#o + n > this.b.length) throw new IntegrityError(`${this.what}: truncated`);
    const out = this.b.subarray(this.#o, this.#o + n);
    this.#o += n;
    return out;
  }
  u8(): number {
    return this.bytes(1)[0]!;
  }
  u32(): number {
    const b = this.bytes(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }
  /** u64 big-endian, limited to safe integers (2^53 − 1). */
  u64(): number {
    const hi = this.u32();
    const lo = this.u32();
    if (hi >= 2 ** 21) throw new IntegrityError(`${this.what}: counter out of range`);
    return hi * 2 ** 32 + lo;
  }
  end(): void {
    if (this.#o !== this.b.length) throw new IntegrityError(`${this.what}: trailing bytes`);
  }
}
