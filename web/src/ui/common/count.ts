/**
 * A number with its noun, plural right: "1 photo", "0 photos", "3 homes". Every count the
 * family sees goes through here, so no screen says "1 photos". English only for now: the plural
 * is the noun plus "s" unless `plural` names another.
 */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? noun : plural}`;
}

/** The verb that agrees with a count: `agree(n, 'exists', 'exist')`. */
export const agree = (n: number, one: string, many: string): string => (n === 1 ? one : many);
