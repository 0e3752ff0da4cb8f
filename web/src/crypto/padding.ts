/**
 * Length hiding. Plaintexts are padded with 0x80 then zeros (ISO/IEC 7816-4), which is
 * unambiguous and needs no length field. Objects pad to a Padmé length (Nikitin et al., 2019:
 * at most ~12% overhead, leaks O(log log n) bits of the size), never below 256 bytes.
 */
import { IntegrityError } from '../core/errors.ts';

export const MIN_PADDED = 256;

/** Padmé: round L up so only the top ~log2(log2 L) + 1 bits of the length remain. */
export function padme(length: number): number {
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const step = 2 ** (e - s);
  return Math.ceil(length / step) * step;
}

export function paddedObjectLength(n: number): number {
  return Math.max(MIN_PADDED, padme(n + 1));
}

/** data ‖ 0x80 ‖ 0x00… to exactly `total` bytes (total > data.length). */
export function pad(data: Uint8Array, total: number): Uint8Array {
  if (total <= data.length) throw new RangeError('pad: no room for the padding marker');
  const out = new Uint8Array(total);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Inverse of pad; a missing marker means the sender was not this code: IntegrityError. */
export function unpad(padded: Uint8Array, what: string): Uint8Array {
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  if (i < 0 || padded[i] !== 0x80) throw new IntegrityError(`${what}: bad padding`);
  return padded.subarray(0, i);
}
