/**
 * Signed, encrypted album operations. A relay can check who wrote an op (and its album, seq and
 * epoch) without reading it; members decrypt with the album key of that epoch.
 *   [ver][alg][albumId 16][author Ed25519 public 32][seq u64][epoch u32][nonce 12]
 *   [ciphertext ‖ tag][signature 64]
 * ciphertext = AES-256-GCM(HKDF(albumKey, label), nonce, padded payload, aad = the 74-byte header)
 * signature  = Ed25519(author, label ‖ 0x00 ‖ everything before the signature)
 */
import { assertBytes, concatBytes, equalBytes, u32be, u64be, utf8 } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import { ALG, ByteReader, checkHeader, header } from './envelope.ts';
import { LABEL } from './labels.ts';
import { paddedObjectLength, pad, unpad } from './padding.ts';
import { aesGcmDecrypt, aesGcmEncrypt, ed25519PublicKey, ed25519Sign, ed25519VerifyFast, hkdfSha256, randomBytes } from './primitives.ts';

const HEAD = 74;
const SIG = 64;

export interface OpEnvelope {
  version: number;
  alg: number;
  album: Uint8Array;
  /** The author's Ed25519 public key. */
  author: Uint8Array;
  seq: number;
  epoch: number;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}
export interface OpInput {
  albumId: Uint8Array;
  epoch: number;
  albumKey: Uint8Array;
  /** The author's Ed25519 seed (Identity.signSecret). */
  authorSecret: Uint8Array;
  seq: number;
  payload: Uint8Array;
}

const opKey = (albumKey: Uint8Array): Uint8Array => hkdfSha256(albumKey, LABEL.opKey);
const sigMessage = (signed: Uint8Array): Uint8Array => concatBytes(utf8(LABEL.opSig), Uint8Array.of(0), signed);

export async function sealOpWith(op: OpInput, nonce: Uint8Array): Promise<Uint8Array> {
  assertBytes(op.albumId, 16, 'albumId');
  assertBytes(op.albumKey, 32, 'albumKey');
  assertBytes(op.authorSecret, 32, 'authorSecret');
  assertBytes(op.payload, undefined, 'op payload');
  if (!Number.isSafeInteger(op.seq) || op.seq < 0) throw new RangeError('seq: out of range');
  if (!Number.isInteger(op.epoch) || op.epoch < 0 || op.epoch > 0xffffffff) throw new RangeError('epoch: out of range');
  const head = concatBytes(
    header(ALG.op), op.albumId, ed25519PublicKey(op.authorSecret), u64be(op.seq), u32be(op.epoch), nonce,
  );
  const ct = await aesGcmEncrypt(opKey(op.albumKey), nonce, pad(op.payload, paddedObjectLength(op.payload.length)), head);
  const signed = concatBytes(head, ct);
  return concatBytes(signed, ed25519Sign(op.authorSecret, sigMessage(signed)));
}

export function sealOp(op: OpInput): Promise<Uint8Array> {
  return sealOpWith(op, randomBytes(12));
}

/** Structure only: no signature check. Use verifyOp before trusting any field. */
export function parseOp(bytes: Uint8Array): OpEnvelope {
  assertBytes(bytes, undefined, 'op');
  checkHeader(bytes, ALG.op, HEAD + 16 + SIG, 'op');
  const r = new ByteReader(bytes, 'op');
  const version = r.u8();
  const alg = r.u8();
  const album = r.bytes(16).slice();
  const author = r.bytes(32).slice();
  const seq = r.u64();
  const epoch = r.u32();
  const nonce = r.bytes(12).slice();
  const ciphertext = r.bytes(r.remaining - SIG).slice();
  const signature = r.bytes(SIG).slice();
  r.end();
  return { version, alg, album, author, seq, epoch, nonce, ciphertext, signature };
}

/**
 * What a relay can do: check the signature with the author key in the header (IntegrityError
 * if it fails). `expectedAuthor` additionally pins the signer (the caller checks membership).
 */
export async function verifyOp(bytes: Uint8Array, expectedAuthor?: Uint8Array): Promise<OpEnvelope> {
  const op = parseOp(bytes);
  if (expectedAuthor !== undefined && !equalBytes(expectedAuthor, op.author)) throw new IntegrityError('op: signed by someone else');
  if (!(await ed25519VerifyFast(op.author, sigMessage(bytes.subarray(0, bytes.length - SIG)), op.signature))) {
    throw new IntegrityError('op: bad signature');
  }
  return op;
}

/** Verifies, then decrypts with the album key of `op.epoch`. */
export async function openOp(albumKey: Uint8Array, bytes: Uint8Array, expectedAuthor?: Uint8Array): Promise<{ op: OpEnvelope; payload: Uint8Array }> {
  assertBytes(albumKey, 32, 'albumKey');
  const op = await verifyOp(bytes, expectedAuthor);
  const padded = await aesGcmDecrypt(opKey(albumKey), op.nonce, op.ciphertext, bytes.subarray(0, HEAD), 'op');
  return { op, payload: unpad(padded, 'op').slice() };
}
