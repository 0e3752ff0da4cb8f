/**
 * Passphrase keystore: a member's private keys encrypted under a random bundle key, which is
 * wrapped twice: under Argon2id(passphrase) and under the recovery phrase. Changing the
 * passphrase re-wraps the bundle key only; photos are never touched (they are not under it).
 * Byte layout in docs/crypto.md "Key bundle".
 */
import { assertBytes, concatBytes, equalBytes, u32be, utf8 } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import {
  ARGON2_DEFAULT, ARGON2_FALLBACKS, assertStoredParams, assertUsableParams, type Argon2Params,
} from './argon2-params.ts';
import { ALG, ByteReader, checkHeader, header } from './envelope.ts';
import { identityFromSecrets, type Identity, type PublicIdentity } from './identity.ts';
import { LABEL } from './labels.ts';
import { aesGcmDecrypt, aesGcmEncrypt, argon2id, hkdfSha256, randomBytes } from './primitives.ts';
import { entropyToPhrase, phraseToEntropy } from './words.ts';

const PUB_END = 66; // [ver][alg][signPublic][boxPublic]
const PASS_DESC_END = PUB_END + 4 + 4 + 1 + 16; // + params + salt
const PASS_END = PASS_DESC_END + 12 + 48;
const RECOVERY_END = PASS_END + 12 + 48;
export const KEY_BUNDLE_LENGTH = RECOVERY_END + 12 + 64 + 16;

export interface KeyBundleOptions {
  /** Explicit parameters instead of DEFAULT-with-fallbacks. */
  params?: Argon2Params;
  /** Tests only: permit parameters below ARGON2_FLOOR so suites run fast. */
  allowBelowFloor?: boolean;
}
export interface NewKeyBundle {
  bundle: Uint8Array;
  /** 24 BIP39 words; shown once, never stored by the app. */
  recoveryPhrase: string;
  params: Argon2Params;
}
export interface KeyBundleInfo {
  publicIdentity: PublicIdentity;
  params: Argon2Params;
}
/** The random values a bundle needs; injectable so frozen vectors are reproducible. */
export interface BundleRandomness {
  bundleKey: Uint8Array;
  salt: Uint8Array;
  passNonce: Uint8Array;
  recoveryEntropy: Uint8Array;
  recoveryNonce: Uint8Array;
  bodyNonce: Uint8Array;
}

function passphraseBytes(p: string): Uint8Array {
  if (typeof p !== 'string') throw new TypeError('passphrase: expected a string');
  if (p.length === 0) throw new RangeError('passphrase: empty');
  return utf8(p.normalize('NFKC')); // the same passphrase typed on another keyboard must match
}

async function passphraseKey(pw: Uint8Array, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array> {
  return hkdfSha256(await argon2id(pw, salt, params), LABEL.passphraseSlot);
}
const recoveryKey = (entropy: Uint8Array): Uint8Array => hkdfSha256(entropy, LABEL.recoverySlot);

function paramBytes(p: Argon2Params): Uint8Array {
  return concatBytes(u32be(p.memory), u32be(p.iterations), Uint8Array.of(p.parallelism));
}

async function passSlot(pub: Uint8Array, pw: Uint8Array, params: Argon2Params, salt: Uint8Array, nonce: Uint8Array, bundleKey: Uint8Array) {
  const desc = concatBytes(pub, paramBytes(params), salt);
  const wrapped = await aesGcmEncrypt(await passphraseKey(pw, salt, params), nonce, bundleKey, desc);
  return concatBytes(desc.subarray(PUB_END), nonce, wrapped);
}

async function seal(pubPart: Uint8Array, pass: Uint8Array, recovery: Uint8Array, bodyNonce: Uint8Array, bundleKey: Uint8Array, id: Identity) {
  const prefix = concatBytes(pubPart, pass, recovery);
  const body = await aesGcmEncrypt(bundleKey, bodyNonce, concatBytes(id.signSecret, id.boxSecret), prefix);
  return concatBytes(prefix, bodyNonce, body);
}

/** Deterministic core of createKeyBundle (frozen vectors use it with fixed randomness). */
export async function createKeyBundleWith(id: Identity, passphrase: string, params: Argon2Params, r: BundleRandomness): Promise<NewKeyBundle> {
  const pub = concatBytes(header(ALG.keyBundle), id.signPublic, id.boxPublic);
  const pass = await passSlot(pub, passphraseBytes(passphrase), params, r.salt, r.passNonce, r.bundleKey);
  const recWrapped = await aesGcmEncrypt(recoveryKey(r.recoveryEntropy), r.recoveryNonce, r.bundleKey, pub);
  const bundle = await seal(pub, pass, concatBytes(r.recoveryNonce, recWrapped), r.bodyNonce, r.bundleKey, id);
  return { bundle, recoveryPhrase: entropyToPhrase(r.recoveryEntropy), params: { ...params } };
}

function freshRandomness(): BundleRandomness {
  return {
    bundleKey: randomBytes(32), salt: randomBytes(16), passNonce: randomBytes(12),
    recoveryEntropy: randomBytes(32), recoveryNonce: randomBytes(12), bodyNonce: randomBytes(12),
  };
}

/** Tries the candidates in order: a phone that cannot allocate 64 MiB falls back, never below the floor. */
async function withFallback<T>(candidates: Argon2Params[], f: (p: Argon2Params) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const p of candidates) {
    try {
      return await f(p);
    } catch (e) {
      last = e; // most likely a failed wasm memory allocation: try the next, smaller setting
    }
  }
  throw last;
}

function candidates(opts: KeyBundleOptions | undefined): Argon2Params[] {
  if (opts?.params === undefined) return [ARGON2_DEFAULT, ...ARGON2_FALLBACKS];
  assertUsableParams(opts.params, opts.allowBelowFloor === true);
  return [opts.params];
}

export async function createKeyBundle(id: Identity, passphrase: string, opts?: KeyBundleOptions): Promise<NewKeyBundle> {
  const checked = identityFromSecrets(id.signSecret, id.boxSecret);
  passphraseBytes(passphrase);
  const r = freshRandomness();
  return withFallback(candidates(opts), (p) => createKeyBundleWith(checked, passphrase, p, r));
}

interface Parsed {
  pub: Uint8Array;
  publicIdentity: PublicIdentity;
  params: Argon2Params;
  salt: Uint8Array;
  passNonce: Uint8Array;
  passWrapped: Uint8Array;
  recovery: Uint8Array;
  recoveryNonce: Uint8Array;
  recoveryWrapped: Uint8Array;
  bodyNonce: Uint8Array;
  body: Uint8Array;
}

function parse(bundle: Uint8Array): Parsed {
  assertBytes(bundle, undefined, 'key bundle');
  checkHeader(bundle, ALG.keyBundle, KEY_BUNDLE_LENGTH, 'key bundle');
  const r = new ByteReader(bundle, 'key bundle');
  r.bytes(2);
  const publicIdentity = { signPublic: r.bytes(32).slice(), boxPublic: r.bytes(32).slice() };
  const params = { memory: r.u32(), iterations: r.u32(), parallelism: r.u8() };
  assertStoredParams(params);
  const p: Parsed = {
    pub: bundle.subarray(0, PUB_END), publicIdentity, params,
    salt: r.bytes(16), passNonce: r.bytes(12), passWrapped: r.bytes(48),
    recovery: bundle.subarray(PASS_END, RECOVERY_END), recoveryNonce: r.bytes(12), recoveryWrapped: r.bytes(48),
    bodyNonce: r.bytes(12), body: r.bytes(80),
  };
  r.end();
  return p;
}

/** Public part of a bundle, readable without any secret (to show whose bundle it is). */
export function readKeyBundle(bundle: Uint8Array): KeyBundleInfo {
  const p = parse(bundle);
  return { publicIdentity: p.publicIdentity, params: p.params };
}

export type Unlock = { passphrase: string } | { recoveryPhrase: string };

async function openBundleKey(p: Parsed, bundle: Uint8Array, how: Unlock): Promise<Uint8Array> {
  if ('passphrase' in how) {
    const pw = passphraseBytes(how.passphrase);
    const key = await passphraseKey(pw, p.salt, p.params);
    return aesGcmDecrypt(key, p.passNonce, p.passWrapped, bundle.subarray(0, PASS_DESC_END), 'key bundle (wrong passphrase?)');
  }
  const key = recoveryKey(phraseToEntropy(how.recoveryPhrase));
  return aesGcmDecrypt(key, p.recoveryNonce, p.recoveryWrapped, p.pub, 'key bundle (wrong recovery phrase?)');
}

async function openAll(bundle: Uint8Array, how: Unlock): Promise<{ p: Parsed; bundleKey: Uint8Array; id: Identity }> {
  const p = parse(bundle);
  const bundleKey = await openBundleKey(p, bundle, how);
  const secrets = await aesGcmDecrypt(bundleKey, p.bodyNonce, p.body, bundle.subarray(0, RECOVERY_END), 'key bundle body');
  const id = identityFromSecrets(secrets.subarray(0, 32), secrets.subarray(32, 64));
  if (!equalBytes(id.signPublic, p.publicIdentity.signPublic) || !equalBytes(id.boxPublic, p.publicIdentity.boxPublic)) {
    throw new IntegrityError('key bundle: private keys do not match the public keys');
  }
  return { p, bundleKey, id };
}

export async function unlockWithPassphrase(bundle: Uint8Array, passphrase: string): Promise<Identity> {
  return (await openAll(bundle, { passphrase })).id;
}

export async function unlockWithRecovery(bundle: Uint8Array, recoveryPhrase: string): Promise<Identity> {
  return (await openAll(bundle, { recoveryPhrase })).id;
}

/** New passphrase slot and re-sealed body (same bundle key, same recovery slot). */
export async function changePassphrase(bundle: Uint8Array, current: Unlock, newPassphrase: string, opts?: KeyBundleOptions): Promise<Uint8Array> {
  const pw = passphraseBytes(newPassphrase);
  const { p, bundleKey, id } = await openAll(bundle, current);
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const pass = await withFallback(candidates(opts), (params) => passSlot(p.pub, pw, params, salt, nonce, bundleKey));
  return seal(p.pub, pass, p.recovery, randomBytes(12), bundleKey, id);
}
