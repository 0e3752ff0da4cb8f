/**
 * Fault rounds (docs/operations.md "Fault rounds"): every fault test runs a small count by
 * default and the full count with FV_FAULTS=full, and prints one line of figures saying which ran.
 */

export const FAULTS_ENV = 'FV_FAULTS';

/** True when FV_FAULTS=full asks for the full counts. */
export const fullFaults = (): boolean => process.env[FAULTS_ENV] === 'full';

/** The count to run: `small` by default, `full` with FV_FAULTS=full. */
export function faultCount(small: number, full: number): { n: number; of: number; full: boolean } {
  const isFull = fullFaults();
  return { n: isFull ? full : small, of: full, full: isFull };
}

/** `rounds=3/20 (FV_FAULTS=full for 20)` or `rounds=20/20 (full)`. */
export function countLabel(name: string, c: { n: number; of: number; full: boolean }): string {
  return `${name}=${c.n}/${c.of} (${c.full ? 'full' : `${FAULTS_ENV}=full for ${c.of}`})`;
}

/** One line of figures: `faults <test>: rounds=3/20 (…) lost=0 corrupt=0`. Printed and returned. */
export function faultLine(test: string, count: string, figures: Record<string, string | number>): string {
  const line = `faults ${test}: ${count} ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  console.log(line);
  return line;
}

/** A distribution as `a:3,b:1` (sorted by key), for figure lines. */
export function histogram(counts: Record<string, number>): string {
  return Object.entries(counts).filter(([, v]) => v > 0).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}:${v}`).join(',') || '-';
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)}MiB`;
