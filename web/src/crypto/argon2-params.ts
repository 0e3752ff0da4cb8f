/**
 * Argon2id parameters for the passphrase keystore (docs/crypto.md "Passphrase keystore").
 * DEFAULT is sized for a phone: 64 MiB fits a phone's worker comfortably, and 7 passes take
 * about 0.5–0.6 s in V8 on the reference machine (hash-wasm is single-threaded, so p = 1).
 * FALLBACKS trade memory for passes when a device cannot allocate the default.
 * FLOOR is the OWASP minimum for Argon2id (19 MiB, t = 2, p = 1): nothing below it is ever created.
 * LIMIT bounds what a stored bundle may ask for, so a tampered bundle cannot demand gigabytes.
 */
import { IntegrityError } from '../core/errors.ts';
import type { Argon2Params } from './primitives.ts';

export type { Argon2Params };

export const ARGON2_DEFAULT: Readonly<Argon2Params> = Object.freeze({ memory: 64 * 1024, iterations: 7, parallelism: 1 });
export const ARGON2_FALLBACKS: ReadonlyArray<Readonly<Argon2Params>> = Object.freeze([
  Object.freeze({ memory: 32 * 1024, iterations: 12, parallelism: 1 }),
  Object.freeze({ memory: 19 * 1024, iterations: 20, parallelism: 1 }),
]);
export const ARGON2_FLOOR: Readonly<Argon2Params> = Object.freeze({ memory: 19 * 1024, iterations: 2, parallelism: 1 });
export const ARGON2_LIMIT: Readonly<Argon2Params> = Object.freeze({ memory: 256 * 1024, iterations: 32, parallelism: 4 });

export function meetsFloor(p: Argon2Params): boolean {
  return p.memory >= ARGON2_FLOOR.memory && p.iterations >= ARGON2_FLOOR.iterations && p.parallelism >= 1;
}

function inBounds(p: Argon2Params): boolean {
  const int = (n: number, lo: number, hi: number): boolean => Number.isInteger(n) && n >= lo && n <= hi;
  return (
    int(p.parallelism, 1, ARGON2_LIMIT.parallelism) &&
    int(p.iterations, 1, ARGON2_LIMIT.iterations) &&
    int(p.memory, 8 * p.parallelism, ARGON2_LIMIT.memory)
  );
}

/** For caller-chosen parameters: RangeError when out of bounds or (unless allowed) below the floor. */
export function assertUsableParams(p: Argon2Params, allowBelowFloor: boolean): void {
  if (typeof p !== 'object' || p === null) throw new TypeError('argon2 params: expected an object');
  if (!inBounds(p)) throw new RangeError('argon2 params: out of bounds');
  if (!allowBelowFloor && !meetsFloor(p)) throw new RangeError('argon2 params: below the floor');
}

/** For parameters read from a stored bundle: out of bounds means tampered or corrupt. */
export function assertStoredParams(p: Argon2Params): void {
  if (!inBounds(p)) throw new IntegrityError('key bundle: argon2 parameters out of bounds');
}
