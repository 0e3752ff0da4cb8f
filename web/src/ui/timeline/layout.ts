/**
 * The timeline's geometry, after Immich's design: photos newest first, in months and days.
 * Every month's height is known from its counts alone (a square grid: rows × cell + headers), so
 * the scroll height is exact without laying anything out, and only the months near the viewport
 * are ever turned into rows and cells. Pure functions: the component (fv-timeline.ts) renders.
 */
import { yieldToMain } from '../../core/yield.ts';

export interface TimelineItem {
  /** Unique key (album/photo). */
  key: string;
  /** When it was taken (or added), ms since the epoch. */
  taken: number;
  /** ThumbHash (base64url) shown until the thumbnail is decrypted. */
  placeholder?: string;
}

export interface Day {
  /** Local calendar day, `YYYY-MM-DD`. */
  day: string;
  /** Index of the day's first item in the sorted list. */
  start: number;
  count: number;
}

export interface Month {
  /** `YYYY-MM`. */
  month: string;
  year: number;
  start: number;
  count: number;
  days: Day[];
  /** Filled by `measure`: offset from the top of the timeline and height, px. */
  top: number;
  height: number;
}

export interface Geometry {
  cols: number;
  cell: number;
  monthHeader: number;
  dayHeader: number;
}

export const MONTH_HEADER = 44;
export const DAY_HEADER = 32;
/** Browsers cap an element's height (Firefox near 17.9 M px): keep well below. */
export const MAX_SCROLL_HEIGHT = 15_000_000;

/**
 * Columns and cell size for a width: never fewer than 3 columns; cells of at least 100 px on a
 * phone, larger on a tablet (140) and a desktop window (180), where 100 px photos look like icons.
 */
export function geometry(width: number, minCell = width >= 900 ? 180 : width >= 600 ? 140 : 100): Geometry {
  const cols = Math.max(3, Math.floor(width / minCell));
  return { cols, cell: Math.floor(width / cols), monthHeader: MONTH_HEADER, dayHeader: DAY_HEADER };
}

const pad = (n: number) => String(n).padStart(2, '0');

const byKey = (a: TimelineItem, b: TimelineItem) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Newest first; ties by key so every device shows the same order. 100,000 items sort in a few
 * milliseconds: second and index are packed into one float (seconds < 2^35, index < 2^18) and
 * sorted natively, without a comparator; only runs of the same second are then sorted by date
 * and key. Falls back to a comparator sort beyond 2^18 items.
 */
export function sortItems<T extends TimelineItem>(items: T[]): T[] {
  const n = items.length;
  const full = (a: T, b: T) => b.taken - a.taken || byKey(a, b);
  if (n > 1 << 18) return items.sort(full);
  const packed = new Float64Array(n);
  const SHIFT = 1 << 18;
  for (let i = 0; i < n; i++) {
    // Newest first = ascending on the negated second; shifted so it stays positive.
    const sec = 2 ** 34 - Math.floor(items[i]!.taken / 1000);
    packed[i] = Math.min(Math.max(sec, 0), 2 ** 35 - 1) * SHIFT + i;
  }
  packed.sort();
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[packed[i]! % SHIFT]!;
  // Within one second: by the exact time, then by key.
  for (let i = 0; i < n;) {
    const sec = Math.floor(packed[i]! / SHIFT);
    let j = i + 1;
    while (j < n && Math.floor(packed[j]! / SHIFT) === sec) j++;
    if (j - i > 1) {
      const run = out.slice(i, j).sort(full);
      for (let k = 0; k < run.length; k++) out[i + k] = run[k]!;
    }
    i = j;
  }
  for (let i = 0; i < n; i++) items[i] = out[i]!;
  return items;
}

/**
 * Whether two sorted lists show the same: the same photos in the same order, with the same dates
 * and placeholders. A screen keeps its list when a re-read finds nothing new, so the viewer open
 * over it (which reloads its photo for another list) and the timeline are left alone.
 */
export function sameItems(a: readonly TimelineItem[], b: readonly TimelineItem[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.key !== y.key || x.taken !== y.taken || x.placeholder !== y.placeholder) return false;
  }
  return true;
}

/** Where the item open at `open` in `before` is in `after` (-1: gone, or none was open). */
export function followOpen(before: readonly TimelineItem[], after: readonly TimelineItem[], open: number): number {
  const key = before[open]?.key;
  return key === undefined ? -1 : after.findIndex((i) => i.key === key);
}

/**
 * Months and days of a sorted list (newest first), in local time. Yields to the main thread
 * every `slice` items, so grouping 100,000 photos is no long task.
 */
export async function groupItems(items: TimelineItem[], slice = 4000, yieldNow: () => Promise<void> = yieldToMain): Promise<Month[]> {
  const months: Month[] = [];
  let month: Month | undefined;
  let day: Day | undefined;
  // A large list starts in a task of its own: whoever sorted it just had the main thread.
  if (items.length > slice) await yieldNow();
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % slice === 0) await yieldNow();
    const d = new Date(items[i]!.taken);
    const y = d.getFullYear();
    const mk = `${y}-${pad(d.getMonth() + 1)}`;
    const dk = `${mk}-${pad(d.getDate())}`;
    if (!month || month.month !== mk) {
      month = { month: mk, year: y, start: i, count: 0, days: [], top: 0, height: 0 };
      months.push(month);
      day = undefined;
    }
    if (!day || day.day !== dk) {
      day = { day: dk, start: i, count: 0 };
      month.days.push(day);
    }
    month.count++;
    day.count++;
  }
  return months;
}


/** Height of one month at this geometry. */
export function monthHeight(m: Month, g: Geometry): number {
  let h = g.monthHeader;
  for (const d of m.days) h += g.dayHeader + Math.ceil(d.count / g.cols) * g.cell;
  return h;
}

/** Sets every month's `top` and `height`; returns the total height. */
export function measure(months: Month[], g: Geometry): number {
  let top = 0;
  for (const m of months) {
    m.top = top;
    m.height = monthHeight(m, g);
    top += m.height;
  }
  return top;
}

/** Months that intersect [from, to] (px), by binary search on `top`. */
export function monthsIn(months: Month[], from: number, to: number): Month[] {
  let lo = 0;
  let hi = months.length - 1;
  let first = months.length;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (months[mid]!.top + months[mid]!.height > from) {
      first = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  const out: Month[] = [];
  for (let i = first; i < months.length && months[i]!.top < to; i++) out.push(months[i]!);
  return out;
}

export interface Cell { index: number; top: number; left: number }
export interface DayHeader { day: string; top: number; count: number }

/**
 * Inside one month: its day headers and the cells whose rows intersect [from, to] (px, in the
 * timeline's coordinates). Positions are relative to the month's top.
 */
export function layoutMonth(m: Month, g: Geometry, from: number, to: number): { days: DayHeader[]; cells: Cell[] } {
  const days: DayHeader[] = [];
  const cells: Cell[] = [];
  let y = g.monthHeader;
  for (const d of m.days) {
    days.push({ day: d.day, top: y, count: d.count });
    y += g.dayHeader;
    const rows = Math.ceil(d.count / g.cols);
    const firstRow = Math.max(0, Math.floor((from - m.top - y) / g.cell));
    const lastRow = Math.min(rows - 1, Math.floor((to - m.top - y) / g.cell));
    for (let r = firstRow; r <= lastRow; r++) {
      for (let c = 0; c < g.cols; c++) {
        const k = r * g.cols + c;
        if (k >= d.count) break;
        cells.push({ index: d.start + k, top: y + r * g.cell, left: c * g.cell });
      }
    }
    y += rows * g.cell;
  }
  return { days, cells };
}

/** The scrubber's marks: each year's first month and where it starts (0..1 of the height). */
export function yearMarks(months: Month[], total: number): Array<{ year: number; at: number; top: number }> {
  const marks: Array<{ year: number; at: number; top: number }> = [];
  for (const m of months) {
    if (marks.at(-1)?.year !== m.year) marks.push({ year: m.year, at: total ? m.top / total : 0, top: m.top });
  }
  return marks;
}

/** "June 2024", "3 June 2024" in the member's language. */
// toLocaleDateString costs tens of microseconds; every render labels each day in view again.
const labels = new Map<string, string>();
function cached(key: string, make: () => string): string {
  let l = labels.get(key);
  if (l === undefined) {
    if (labels.size > 20_000) labels.clear();
    labels.set(key, (l = make()));
  }
  return l;
}

export function monthLabel(month: string, locale?: string): string {
  return cached(`m ${locale ?? ''} ${month}`, () => {
    const [y, m] = month.split('-').map(Number);
    return new Date(y!, m! - 1, 1).toLocaleDateString(locale, { month: 'long', year: 'numeric' });
  });
}

export function dayLabel(day: string, locale?: string): string {
  return cached(`d ${locale ?? ''} ${day}`, () => {
    const [y, m, d] = day.split('-').map(Number);
    return new Date(y!, m! - 1, d!).toLocaleDateString(locale, { weekday: 'short', day: 'numeric', month: 'long' });
  });
}

// One formatter for every cell: toLocaleString with options builds a new Intl.DateTimeFormat
// at each call (3 s of a 1,000-photo restore went to labelling cells that re-render).
let cellFormat: Intl.DateTimeFormat | undefined;

/** A cell's label: "3 June 2024 at 14:05" in the member's language. */
export function cellLabel(taken: number): string {
  cellFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });
  return Number.isFinite(taken) ? cellFormat.format(taken) : '';
}
