/**
 * The ONLY file that imports @noble/curves, @noble/hashes and hash-wasm, and the only one that
 * calls WebCrypto. Everything else in web/src/crypto calls these named functions, so a library
 * swap or an audit touches one file. No envelope formats here: just primitives with checked inputs.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { argon2id as wasmArgon2id, createBLAKE3, type IHasher } from 'hash-wasm';
import { assertBytes, utf8 } from '../core/bytes.ts';
import { DecryptError } from '../core/errors.ts';

// WebCrypto wants ArrayBuffer-backed views (not SharedArrayBuffer); copy only when needed.
function ab(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u.buffer instanceof ArrayBuffer ? (u as Uint8Array<ArrayBuffer>) : new Uint8Array(u);
}
const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

// ── randomness ────────────────────────────────────────────────────────────────
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  // getRandomValues refuses more than 65536 bytes per call.
  for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

// ── SHA-256, HMAC, HKDF ───────────────────────────────────────────────────────
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, data);
}
/** HKDF-SHA-256 (RFC 5869). `info` strings are UTF-8 labels from labels.ts. */
export function hkdfSha256(ikm: Uint8Array, info: string | Uint8Array, length = 32, salt?: Uint8Array): Uint8Array {
  return hkdf(nobleSha256, ikm, salt, typeof info === 'string' ? utf8(info) : info, length);
}

// ── Ed25519 (RFC 8032) ────────────────────────────────────────────────────────
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  assertBytes(seed, 32, 'ed25519 secret key');
  return ed25519.getPublicKey(seed);
}
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(seed, 32, 'ed25519 secret key');
  return ed25519.sign(message, seed);
}
/** Strict RFC 8032 verification (no ZIP-215 leniency); malformed input is just "false". */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false; // noble throws on undecodable points; for a verifier that is simply "invalid"
  }
}
/**
 * ed25519Verify's answer, from the browser's native Ed25519 (WebCrypto) where it has one: a
 * restore verifies every op of the library, 1.3 ms each in JavaScript against ~0.05 native.
 * The answer is exactly ed25519Verify's on every engine: encodings it refuses (A or R not
 * canonical, S ≥ L) are refused before the native call; a signature the native check accepts
 * satisfies the cofactorless equation and so the cofactored one noble checks; and one it refuses
 * is checked again by noble (honest signatures never get there), so no engine accepts an op
 * another refuses. Keys are imported once each (bounded cache).
 */
export async function ed25519VerifyFast(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (!canonicalPoint(publicKey) || !canonicalPoint(signature.subarray(0, 32)) || !scalarBelowL(signature.subarray(32))) return false;
  const key = await nativeKey(publicKey);
  if (key) {
    try {
      if (await crypto.subtle.verify('Ed25519', key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>)) return true;
    } catch {
      // fall through to the JavaScript check
    }
  }
  return ed25519Verify(publicKey, message, signature);
}

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function littleEndian(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** An encoding a strict decoder takes: y < p, and no "negative" x = 0 (y = ±1 with the sign bit). */
function canonicalPoint(b: Uint8Array): boolean {
  const sign = b[31]! >> 7;
  const y = littleEndian(b) & (2n ** 255n - 1n);
  if (y >= P) return false;
  return !(sign === 1 && (y === 1n || y === P - 1n));
}

const scalarBelowL = (b: Uint8Array): boolean => littleEndian(b) < L;

/** RFC 8032 test 1's public key: if the engine imports it, it has native Ed25519. */
const PROBE_KEY = Uint8Array.from([
  0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
  0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
]);
let nativeEd25519: Promise<boolean> | undefined;
const nativeKeys = new Map<string, Promise<CryptoKey | undefined>>();

const importEd25519 = (publicKey: Uint8Array) => crypto.subtle.importKey('raw', publicKey.slice(), 'Ed25519', false, ['verify']);

async function nativeKey(publicKey: Uint8Array): Promise<CryptoKey | undefined> {
  if (typeof crypto === 'undefined' || !crypto.subtle) return undefined;
  nativeEd25519 ??= importEd25519(PROBE_KEY).then(() => true, () => false);
  if (!(await nativeEd25519)) return undefined;
  const id = String.fromCharCode(...publicKey);
  let k = nativeKeys.get(id);
  if (!k) {
    // A key the engine refuses (not a point) is left to noble, which refuses it too.
    k = importEd25519(publicKey).catch(() => undefined);
    if (nativeKeys.size >= 1024) nativeKeys.delete(nativeKeys.keys().next().value!);
    nativeKeys.set(id, k);
  }
  return k;
}

/** A canonical point that is not of small order (those verify forged signatures). */
export function isValidEd25519Public(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  try {
    const p = ed25519.Point.fromBytes(publicKey, false);
    return !p.isSmallOrder();
  } catch {
    return false; // not a point
  }
}

// ── X25519 (RFC 7748) ─────────────────────────────────────────────────────────
export function x25519PublicKey(secret: Uint8Array): Uint8Array {
  assertBytes(secret, 32, 'x25519 secret key');
  return x25519.getPublicKey(secret);
}
/**
 * X25519 with low-order rejection: noble refuses the known low-order u values before the
 * ladder, and we also refuse an all-zero result (RFC 7748 §6.1). Throws RangeError.
 */
export function x25519Shared(secret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  assertBytes(secret, 32, 'x25519 secret key');
  assertBytes(peerPublic, 32, 'x25519 public key');
  let out: Uint8Array;
  try {
    out = x25519.getSharedSecret(secret, peerPublic);
  } catch {
    throw new RangeError('x25519: low-order or invalid public key');
  }
  let acc = 0;
  for (const b of out) acc |= b;
  if (acc === 0) throw new RangeError('x25519: all-zero shared secret');
  return out;
}
const PROBE_SCALAR = new Uint8Array(32).fill(0x42);
export function isValidX25519Public(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  try {
    x25519Shared(PROBE_SCALAR, publicKey);
    return true;
  } catch {
    return false;
  }
}

// ── BLAKE3 (hash-wasm) ────────────────────────────────────────────────────────
let shared: Promise<IHasher> | undefined;
/**
 * A synchronous BLAKE3-256 over the concatenation of `parts`, after one async wasm load.
 * The hasher is shared: safe because init→update→digest runs without yielding.
 */
export async function blake3Fn(): Promise<(...parts: Uint8Array[]) => Uint8Array> {
  const h = await (shared ??= createBLAKE3(256));
  return (...parts) => {
    h.init();
    for (const p of parts) h.update(p);
    return h.digest('binary');
  };
}
export async function blake3(data: Uint8Array): Promise<Uint8Array> {
  return (await blake3Fn())(data);
}
export interface IncrementalHash {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}
/** Keyed BLAKE3 (its MAC mode) as an incremental hasher with its own state. */
export async function keyedBlake3(key: Uint8Array): Promise<IncrementalHash> {
  assertBytes(key, 32, 'blake3 key');
  const h = await createBLAKE3(256, key);
  h.init();
  return { update: (d) => void h.update(d), digest: () => h.digest('binary') };
}

// ── AES-256-GCM (WebCrypto) ───────────────────────────────────────────────────
export type AeadKey = CryptoKey;
export async function aesGcmKey(raw: Uint8Array): Promise<AeadKey> {
  assertBytes(raw, 32, 'aes-256-gcm key');
  return subtle().importKey('raw', ab(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}
/** Returns ciphertext ‖ 16-byte tag. `key` may be raw bytes (imported per call) or a CryptoKey. */
export async function aesGcmEncrypt(
  key: AeadKey | Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  assertBytes(nonce, 12, 'aes-gcm nonce');
  const k = key instanceof Uint8Array ? await aesGcmKey(key) : key;
  const params = { name: 'AES-GCM', iv: ab(nonce), additionalData: ab(aad), tagLength: 128 };
  return new Uint8Array(await subtle().encrypt(params, k, ab(plaintext)));
}
/** Throws DecryptError(`what`: authentication failed) on any tag mismatch. */
export async function aesGcmDecrypt(
  key: AeadKey | Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  what: string,
): Promise<Uint8Array> {
  assertBytes(nonce, 12, 'aes-gcm nonce');
  const k = key instanceof Uint8Array ? await aesGcmKey(key) : key;
  if (ciphertext.length < 16) throw new DecryptError(`${what}: too short`);
  const params = { name: 'AES-GCM', iv: ab(nonce), additionalData: ab(aad), tagLength: 128 };
  try {
    return new Uint8Array(await subtle().decrypt(params, k, ab(ciphertext)));
  } catch (e) {
    throw new DecryptError(`${what}: authentication failed`, { cause: e });
  }
}

// ── Argon2id (hash-wasm) ──────────────────────────────────────────────────────
export interface Argon2Params {
  /** KiB */
  memory: number;
  iterations: number;
  parallelism: number;
}
export async function argon2id(password: Uint8Array, salt: Uint8Array, p: Argon2Params): Promise<Uint8Array> {
  return wasmArgon2id({
    password,
    salt,
    memorySize: p.memory,
    iterations: p.iterations,
    parallelism: p.parallelism,
    hashLength: 32,
    outputType: 'binary',
  });
}
