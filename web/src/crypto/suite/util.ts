/** Helpers for the crypto suite: deterministic bytes, bit flips, error predicates. Browser-safe. */
import { anyOf, assert, assertRejects } from '../../core/assert-suite.ts';
import { isDecryptError, isIntegrityError, isVersionError } from '../../core/errors.ts';

/** A typed crypto failure: what every tampered envelope must produce (never garbage, never a crash). */
export const isTyped = anyOf(isDecryptError, isIntegrityError, isVersionError);

/** Deterministic test bytes: start, start+1, … (mod 256). */
export function seq(n: number, start = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}

/** Non-repeating deterministic filler (xorshift), so chunk contents differ everywhere. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/**
 * Flips each listed bit (all bits by default) and requires `open` to reject with a typed error.
 * Reports the first surviving bit, which is what one needs to debug a format.
 */
export async function assertEveryFlipRejected(
  bytes: Uint8Array,
  open: (mutated: Uint8Array) => Promise<unknown>,
  what: string,
  bits: Iterable<number> = range(0, bytes.length * 8),
): Promise<number> {
  let n = 0;
  for (const bit of bits) {
    await assertRejects(() => open(flip(bytes, bit)), isTyped, `${what}: flipped bit ${bit} (byte ${bit >> 3})`);
    n++;
  }
  assert(n > 0, `${what}: no bits tested`);
  return n;
}

export function* range(from: number, to: number, step = 1): Generator<number> {
  for (let i = from; i < to; i += step) yield i;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A ReadableStream that hands out `data` in uneven pieces and counts how much was pulled. */
export function piecewiseStream(data: Uint8Array, piece: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let o = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (o >= data.length) return ctrl.close();
      const n = Math.min(piece + (o % 7), data.length - o);
      ctrl.enqueue(data.slice(o, o + n));
      o += n;
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => o };
}

/** Small Argon2 parameters so the suite is fast; production never goes below ARGON2_FLOOR. */
export const TEST_ARGON2 = { memory: 8 * 1024, iterations: 1, parallelism: 1 } as const;
export const TEST_BUNDLE_OPTS = { params: TEST_ARGON2, allowBelowFloor: true } as const;
