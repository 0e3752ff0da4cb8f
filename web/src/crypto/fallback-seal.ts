/**
 * Keys and frames of one WebSocket-fallback session (docs/crypto.md "Signaling"). The two sides
 * exchange 32-byte key shares inside their 'fb' open/ack signals, which are sealed under the room
 * key, so the signal server relaying the frames never sees them. Each direction has its own key:
 * HKDF-SHA-256 over both shares, salted with both session ids. A frame is
 * `[number u64][AES-GCM ciphertext ‖ tag]`, base64url; the number is the nonce (unique per key:
 * one key per direction per session) and is bound in the AAD with both session ids, so a frame
 * opens only in its session, in its direction, at its number.
 */
import { concatBytes, fromBase64Url, toBase64Url, u32be, utf8 } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import { LABEL } from './labels.ts';
import { aesGcmDecrypt, aesGcmEncrypt, aesGcmKey, hkdfSha256, randomBytes, type AeadKey } from './primitives.ts';

/** This side's keys for one session: `send` seals what we send, `recv` opens what we get. */
export interface FallbackKeys {
  send: AeadKey;
  recv: AeadKey;
  /** AADs' session part: ours then theirs (send), theirs then ours (recv). */
  sendAad: Uint8Array;
  recvAad: Uint8Array;
}

/** A fresh key share (32 random bytes, base64url) for an 'fb' open or ack. */
export const newKeyShare = (): string => toBase64Url(randomBytes(32));

const sessionAad = (from: string, to: string): Uint8Array => {
  const f = utf8(from);
  const t = utf8(to);
  return concatBytes(utf8(LABEL.fallbackFrame), u32be(f.length), f, u32be(t.length), t);
};

export async function deriveFallbackKeys(o: {
  /** We sent the 'open' (the dialer). */
  dialer: boolean;
  dialerSession: string; dialerShare: string;
  responderSession: string; responderShare: string;
}): Promise<FallbackKeys> {
  const d = fromBase64Url(o.dialerShare);
  const r = fromBase64Url(o.responderShare);
  if (d.length !== 32 || r.length !== 32) throw new IntegrityError('fallback: a key share must be 32 bytes');
  const ikm = concatBytes(d, r);
  const salt = concatBytes(u32be(utf8(o.dialerSession).length), utf8(o.dialerSession), utf8(o.responderSession));
  const [d2r, r2d] = await Promise.all([
    aesGcmKey(hkdfSha256(ikm, LABEL.fallbackD2R, 32, salt)),
    aesGcmKey(hkdfSha256(ikm, LABEL.fallbackR2D, 32, salt)),
  ]);
  const dAad = sessionAad(o.dialerSession, o.responderSession);
  const rAad = sessionAad(o.responderSession, o.dialerSession);
  return o.dialer ? { send: d2r, recv: r2d, sendAad: dAad, recvAad: rAad } : { send: r2d, recv: d2r, sendAad: rAad, recvAad: dAad };
}

const nonce = (n: number): Uint8Array => {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, BigInt(n));
  return iv;
};
const aad = (base: Uint8Array, n: number): Uint8Array => concatBytes(base, nonce(n));

export async function sealFallbackFrame(keys: FallbackKeys, n: number, frame: Uint8Array): Promise<string> {
  const ct = await aesGcmEncrypt(keys.send, nonce(n), frame, aad(keys.sendAad, n));
  const out = new Uint8Array(8 + ct.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  out.set(ct, 8);
  return toBase64Url(out);
}

/** The frame's number, readable before opening (to tell a replay from a gap). */
export function fallbackFrameNumber(data: string): { n: number; bytes: Uint8Array } {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(data);
  } catch {
    throw new IntegrityError('fallback frame: not base64url');
  }
  if (bytes.length < 8 + 16) throw new IntegrityError('fallback frame: too short');
  return { n: Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)), bytes };
}

export function openFallbackFrame(keys: FallbackKeys, n: number, bytes: Uint8Array): Promise<Uint8Array> {
  return aesGcmDecrypt(keys.recv, nonce(n), bytes.subarray(8), aad(keys.recvAad, n), 'fallback frame');
}

/**
 * What the transport layer needs (it may import only core; the vault passes this in, see
 * DialerOptions.fallbackCrypto): fresh shares, and a session's sealing and opening.
 */
export const fallbackCrypto = {
  newShare: newKeyShare,
  async session(o: Parameters<typeof deriveFallbackKeys>[0]) {
    const keys = await deriveFallbackKeys(o);
    return {
      seal: (n: number, frame: Uint8Array) => sealFallbackFrame(keys, n, frame),
      async open(data: string): Promise<{ n: number; frame: Uint8Array }> {
        const { n, bytes } = fallbackFrameNumber(data);
        return { n, frame: await openFallbackFrame(keys, n, bytes) };
      },
    };
  },
};
