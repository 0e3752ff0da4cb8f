import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/token-bucket.ts';

describe('TokenBucket', () => {
  it('allows the burst, then refills at the rate, capped at the burst', () => {
    const b = new TokenBucket(10, 20, 0);
    for (let i = 0; i < 20; i++) expect(b.take(1, 0)).toBe(true);
    expect(b.take(1, 0)).toBe(false);
    expect(b.take(1, 100)).toBe(true); // 0.1 s → 1 token
    expect(b.take(1, 100)).toBe(false);
    expect(b.take(20, 100_000)).toBe(true); // capped at 20
    expect(b.take(1, 100_000)).toBe(false);
  });

  it('counts bytes, and never passes a request above the burst', () => {
    const b = new TokenBucket(1000, 2000, 0);
    expect(b.take(2001, 0)).toBe(false);
    expect(b.take(1500, 0)).toBe(true);
    expect(b.take(600, 0)).toBe(false);
    expect(b.take(600, 100)).toBe(true);
  });

  it('ignores a clock going backwards', () => {
    const b = new TokenBucket(10, 1, 1000);
    expect(b.take(1, 1000)).toBe(true);
    expect(b.take(1, 500)).toBe(false);
  });
});
