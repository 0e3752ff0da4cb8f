/**
 * A dependency-free assert kit for test suites that must run unchanged in Node (vitest) and in a
 * browser page (the Chromium harness), so no `node:assert` and no test framework here.
 */

export interface SuiteCase {
  name: string;
  run: () => Promise<void> | void;
}

export class AssertionFailed extends Error {
  override readonly name = 'AssertionFailed';
}

export function assert(cond: unknown, message = 'assertion failed'): asserts cond {
  if (!cond) throw new AssertionFailed(message);
}

function show(x: unknown): string {
  if (x instanceof Uint8Array) {
    let s = '';
    for (let i = 0; i < Math.min(x.length, 48); i++) s += x[i]!.toString(16).padStart(2, '0');
    return `Uint8Array(${x.length})[${s}${x.length > 48 ? '…' : ''}]`;
  }
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x); // cyclic or BigInt: a plain string is enough for a failure message
  }
}

/** Deep equality for the values tests compare: primitives, Uint8Array, arrays, plain objects. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (!deepEqual(ka, kb)) return false;
    return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

export function assertEqual<T>(actual: T, expected: T, message = 'values differ'): void {
  if (!deepEqual(actual, expected)) {
    throw new AssertionFailed(`${message}: got ${show(actual)}, expected ${show(expected)}`);
  }
}

export function assertNotEqual<T>(actual: T, other: T, message = 'values are equal'): void {
  if (deepEqual(actual, other)) throw new AssertionFailed(`${message}: ${show(actual)}`);
}

/** Awaits `fn` and requires it to throw something `predicate` accepts; returns the error. */
export async function assertRejects(
  fn: () => unknown,
  predicate: (e: unknown) => boolean,
  message = 'expected a rejection',
): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    if (!predicate(e)) {
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw new AssertionFailed(`${message}: wrong error ${what}`);
    }
    return e;
  }
  throw new AssertionFailed(`${message}: it resolved`);
}

/** Predicates for the built-in error classes; they go by `name` so errors revived from a worker pass. */
export const isTypeError = (e: unknown): boolean => (e as { name?: unknown } | null)?.name === 'TypeError';
export const isRangeError = (e: unknown): boolean => (e as { name?: unknown } | null)?.name === 'RangeError';
export const anyOf =
  (...ps: Array<(e: unknown) => boolean>) =>
  (e: unknown): boolean =>
    ps.some((p) => p(e));
