/**
 * One-time enrolment codes (docs/signal-server.md "Enrolment"): 12 symbols of Crockford's
 * base32 (60 random bits), shown as `XXXX-XXXX-XXXX`. Stores keep only a hash, so whoever reads
 * the enrolment file or Redis cannot use a code that is still waiting for its family.
 *
 * People type these: case, dashes and spaces do not matter, and O/I/L read as 0/1/1.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 12;
/** Default lifetime of a code that nobody used. */
export const CODE_TTL_MS = 7 * 86_400_000;

/** A fresh code, grouped for reading aloud: `7KQ2-MX9D-4TNB`. */
export function newEnrolCode(): string {
  const bits = randomBytes(8).readBigUInt64BE();
  let out = '';
  for (let i = 0; i < CODE_LENGTH; i++) out += ALPHABET[Number((bits >> BigInt(5 * i)) & 31n)];
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8)}`;
}

/** The code as stored and compared, or undefined when it cannot be a code at all. */
export function normalizeEnrolCode(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== CODE_LENGTH) return undefined;
  for (const ch of s) if (!ALPHABET.includes(ch)) return undefined;
  return s;
}

/** What a store keeps instead of the code (hex). */
export function hashEnrolCode(normalized: string): string {
  return createHash('sha256').update(`family-vault/enrol-code/v1\n${normalized}`, 'utf8').digest('hex');
}
