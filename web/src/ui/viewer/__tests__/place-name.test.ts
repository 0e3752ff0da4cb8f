import { describe, expect, it } from 'vitest';
import { placeName } from '../place-name.ts';

describe('placeName (offline, from the S2 cell table)', () => {
  it('names the city and country of a photo taken in one (beach.jpg: 43.2965 N, 5.3698 E)', () => {
    expect(placeName(43.2965, 5.3698)).toBe('Marseille, France');
    expect(placeName(-33.87, 151.21)).toBe('Sydney, Australia');
    expect(placeName(64.13, -21.9)).toBe('Reykjavík, Iceland');
    // The package files Afghanistan's cities under the Aland Islands: corrected.
    expect(placeName(34.53, 69.17)).toBe('Kabul, Afghanistan');
    expect(placeName(60.1, 19.94)).toBe('Mariehamn, Finland');
  });

  it('gives no name far from any city, rather than a wrong one or a stack overflow', () => {
    expect(placeName(0, -30)).toBeUndefined(); // mid-Atlantic: getNearestCity overflows the stack
    expect(placeName(40, -50)).toBeUndefined();
    expect(placeName(-80, 0)).toBeUndefined(); // Antarctica: getNearestCity answers a town in Peru
    expect(placeName(Number.NaN, 0)).toBeUndefined();
    expect(placeName(91, 0)).toBeUndefined();
  });
});
