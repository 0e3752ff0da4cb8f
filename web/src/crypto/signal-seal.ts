/**
 * Signaling payloads (SDP, ICE) sealed under the room key, so the signal server can neither read
 * nor alter them. The AAD binds sender and recipient peer ids: a payload replayed to another
 * peer or with a forged `from` fails. Replays to the same pair are not detected here; the peer
 * handshake's fresh nonces stop them from leading anywhere (docs/crypto.md "Signaling").
 */
import { assertBytes, concatBytes, fromBase64Url, toBase64Url, u32be, utf8 } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import { ALG, checkHeader, header } from './envelope.ts';
import { LABEL } from './labels.ts';
import { aesGcmDecrypt, aesGcmEncrypt, randomBytes } from './primitives.ts';

/** Recipient marker for a room-wide broadcast (no `to`). Peer ids are base64url, so '*' cannot collide. */
export const BROADCAST = '*';

function aad(from: string, to: string | null): Uint8Array {
  if (typeof from !== 'string' || from.length === 0) throw new TypeError('sealSignal: from must be a peer id');
  const t = to ?? BROADCAST;
  if (typeof t !== 'string' || t.length === 0) throw new TypeError('sealSignal: to must be a peer id or null');
  const f = utf8(from);
  const r = utf8(t);
  return concatBytes(header(ALG.signal), utf8(LABEL.signal), u32be(f.length), f, u32be(r.length), r);
}

/** Deterministic core (fixed nonce) for frozen vectors. */
export async function sealSignalWith(roomKey: Uint8Array, from: string, to: string | null, payload: Uint8Array | string, nonce: Uint8Array): Promise<string> {
  assertBytes(roomKey, 32, 'roomKey');
  const pt = typeof payload === 'string' ? utf8(payload) : payload;
  assertBytes(pt, undefined, 'signal payload');
  const ct = await aesGcmEncrypt(roomKey, nonce, pt, aad(from, to));
  return toBase64Url(concatBytes(header(ALG.signal), nonce, ct));
}

/** [ver][alg][nonce 12][ciphertext ‖ tag], base64url. `to` null = broadcast. */
export function sealSignal(roomKey: Uint8Array, from: string, to: string | null, payload: Uint8Array | string): Promise<string> {
  return sealSignalWith(roomKey, from, to, payload, randomBytes(12));
}

export async function openSignal(roomKey: Uint8Array, from: string, to: string | null, data: string): Promise<Uint8Array> {
  assertBytes(roomKey, 32, 'roomKey');
  if (typeof data !== 'string') throw new TypeError('openSignal: data must be a string');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(data);
  } catch {
    throw new IntegrityError('signal: not base64url');
  }
  checkHeader(bytes, ALG.signal, 2 + 12 + 16, 'signal');
  return aesGcmDecrypt(roomKey, bytes.subarray(2, 14), bytes.subarray(14), aad(from, to), 'signal');
}
