import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_HEIGHT, geometry, groupItems, layoutMonth, measure, monthsIn, followOpen, sameItems, sortItems, yearMarks, type TimelineItem } from '../layout.ts';

const DAY = 86_400_000;

/** `n` photos spread over `days` days ending at 2026-06-30 noon local time, a few per day. */
function library(n: number, days: number): TimelineItem[] {
  const end = new Date(2026, 5, 30, 12).getTime();
  return Array.from({ length: n }, (_, i) => ({ key: `a/${String(i).padStart(6, '0')}`, taken: end - Math.floor((i * days) / n) * DAY - (i % 7) * 60_000 }));
}

describe('timeline layout', () => {
  it('groups newest first into months and days, in local time', async () => {
    const items = sortItems([
      { key: 'x', taken: new Date(2024, 0, 31, 23, 30).getTime() },
      { key: 'y', taken: new Date(2024, 1, 1, 0, 10).getTime() },
      { key: 'z', taken: new Date(2024, 1, 1, 9).getTime() },
      { key: 'w', taken: new Date(2023, 11, 25).getTime() },
    ]);
    expect(items.map((i) => i.key)).toEqual(['z', 'y', 'x', 'w']);
    const months = await groupItems(items);
    expect(months.map((m) => [m.month, m.count, m.days.map((d) => `${d.day}:${d.count}`)])).toEqual([
      ['2024-02', 2, ['2024-02-01:2']],
      ['2024-01', 1, ['2024-01-31:1']],
      ['2023-12', 1, ['2023-12-25:1']],
    ]);
    expect(yearMarks(months, measure(months, geometry(400))).map((m) => m.year)).toEqual([2024, 2023]);
  });

  it('cells grow with the window: at least 100 px on a phone, 140 on a tablet, 180 on a desktop, filling the width', () => {
    expect(geometry(320)).toMatchObject({ cols: 3, cell: 106 });
    expect(geometry(412)).toMatchObject({ cols: 4, cell: 103 });
    expect(geometry(768)).toMatchObject({ cols: 5, cell: 153 });
    expect(geometry(1152)).toMatchObject({ cols: 6, cell: 192 });
    expect(geometry(1920)).toMatchObject({ cols: 10, cell: 192 });
    expect(geometry(1152, 100).cols).toBe(11); // a caller may still ask for small cells
  });

  it('heights come from counts alone, and the cells laid out are only those in view', async () => {
    const months = await groupItems(sortItems(library(1000, 90)));
    const g = geometry(360);
    expect(g.cols).toBe(3);
    const total = measure(months, g);
    const rows = months.reduce((s, m) => s + m.days.reduce((t, d) => t + Math.ceil(d.count / g.cols), 0), 0);
    const days = months.reduce((s, m) => s + m.days.length, 0);
    expect(total).toBe(months.length * g.monthHeader + days * g.dayHeader + rows * g.cell);
    // A phone screen's worth, somewhere in the middle.
    const from = Math.floor(total / 2);
    const to = from + 640;
    const visible = monthsIn(months, from, to);
    expect(visible.length).toBeGreaterThanOrEqual(1);
    const cells = visible.flatMap((m) => layoutMonth(m, g, from, to).cells.map((c) => ({ ...c, top: c.top + m.top })));
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.length).toBeLessThanOrEqual((Math.ceil(640 / g.cell) + 2) * g.cols);
    for (const c of cells) {
      expect(c.top + g.cell).toBeGreaterThan(from);
      expect(c.top).toBeLessThan(to);
    }
    // Every index appears at most once and belongs to its month.
    expect(new Set(cells.map((c) => c.index)).size).toBe(cells.length);
  });

  it('100,000 photos over 15 years: grouping yields, the scroll height stays under browser limits', async () => {
    let yields = 0;
    const items = sortItems(library(100_000, 15 * 365));
    const months = await groupItems(items, 5000, async () => void yields++);
    expect(yields).toBe(20);
    expect(months.reduce((s, m) => s + m.count, 0)).toBe(100_000);
    const total = measure(months, geometry(320));
    expect(total).toBeLessThan(MAX_SCROLL_HEIGHT);
    expect(yearMarks(months, total).length).toBe(16);
    // Jumping anywhere finds its month by binary search.
    for (const at of [0, total / 3, total - 1]) expect(monthsIn(months, at, at + 1).length).toBe(1);
  });
});

describe('sortItems', () => {
  it('orders exactly as the comparator would (newest first, ties by key), fast', () => {
    const rnd = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const r = rnd(7);
    // Many ties within a second and exact duplicates, dates from 1970 to 2100, and unknown (0).
    const items: TimelineItem[] = Array.from({ length: 50_000 }, (_, i) => ({
      key: `a${Math.floor(r() * 1e6)}/${i}`,
      taken: i % 97 === 0 ? 0 : Math.floor(r() * 4.1e12) - (i % 5 === 0 ? (i % 1000) : 0),
    }));
    const expected = items.slice().sort((a, b) => b.taken - a.taken || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const t0 = performance.now();
    const got = sortItems(items.slice());
    const ms = performance.now() - t0;
    expect(got.map((i) => i.key)).toEqual(expected.map((i) => i.key));
    expect(ms).toBeLessThan(1000);
  });

  it('tells a re-read list that shows the same from one that changed', () => {
    const a = library(50, 10);
    expect(sameItems(a, a.map((i) => ({ ...i })))).toBe(true);
    expect(sameItems(a, a.slice(1))).toBe(false);
    expect(sameItems(a, a.map((i, k) => (k === 7 ? { ...i, taken: i.taken + 1 } : i)))).toBe(false);
    expect(sameItems(a, a.map((i, k) => (k === 3 ? { ...i, placeholder: 'x' } : i)))).toBe(false);
    expect(sameItems(a, [...a.slice(0, 10).reverse(), ...a.slice(10)])).toBe(false);
  });

  it('follows the open photo into a re-read list by its key, or says it is gone', () => {
    const a = library(20, 5);
    const b = [a[5]!, ...a.slice(0, 5), ...a.slice(6)]; // photo 5 moved to the front (its date came)
    expect(followOpen(a, b, 5)).toBe(0);
    expect(followOpen(a, b, 2)).toBe(3);
    expect(followOpen(a, a.filter((_, k) => k !== 7), 7)).toBe(-1);
    expect(followOpen(a, b, -1)).toBe(-1);
  });
});
