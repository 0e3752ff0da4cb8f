import { describe, expect, it } from 'vitest';
import { formatBytes, parseQuota } from '../src/quota.ts';

describe('parseQuota', () => {
  it.each([
    ['500GB', 500e9], ['500 gb', 500e9], ['1.5TiB', 1.5 * 2 ** 40], ['750M', 750e6], ['2tb', 2e12],
    ['1048576', 1048576], ['64KiB', 65536], ['1.5 GiB', 1.5 * 2 ** 30],
  ])('%s → %d bytes', (input, bytes) => {
    expect(parseQuota(input)).toEqual({ ok: true, bytes });
  });

  it('"unlimited", "none" and 0 mean no quota', () => {
    for (const s of ['unlimited', 'none', '0', ' Unlimited ']) expect(parseQuota(s)).toEqual({ ok: true, bytes: null });
  });

  it('refuses what is not a size, with examples', () => {
    for (const s of ['', 'lots', '500XB', '-5GB', '5 G B', 'GB', '1e3GB']) {
      const r = parseQuota(s);
      expect(r.ok, s).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/500GB/);
    }
  });

  it('takes numbers from a JSON config as bytes', () => {
    expect(parseQuota(1000)).toEqual({ ok: true, bytes: 1000 });
    expect(parseQuota(1.5).ok).toBe(false);
  });

  it('formats sizes for people', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(500e9)).toBe('500 GB');
  });
});
