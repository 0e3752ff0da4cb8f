import { describe, expect, it } from 'vitest';
import { isPolicyError } from '../../core/errors.ts';
import { assertStrongPassphrase, MIN_SCORE, passphraseStrength, strengthText } from '../passphrase-strength.ts';

describe('passphrase strength (zxcvbn, score ≥ 3)', () => {
  it('refuses common passwords, single words and keyboard walks, with zxcvbn\'s feedback', async () => {
    for (const p of ['password123', 'grandma', 'qwertyuiop', 'iloveyou2', 'Summer2024!']) {
      const s = await passphraseStrength(p);
      expect(s.score, p).toBeLessThan(MIN_SCORE);
      expect(s.ok).toBe(false);
      expect(strengthText(s)).toMatch(/too easy to guess/);
      expect(s.warning.length + s.suggestions.length, `${p}: feedback`).toBeGreaterThan(0);
      await expect(assertStrongPassphrase(p)).rejects.toSatisfy(isPolicyError);
    }
  });

  it('accepts a few uncommon words', async () => {
    for (const p of ['violet tractor sings at dawn', 'plum otter piano 41', 'correct horse battery staple']) {
      expect((await passphraseStrength(p)).ok, p).toBe(true);
      await expect(assertStrongPassphrase(p)).resolves.toBeUndefined();
    }
  });

  it('the member\'s own name counts as guessable', async () => {
    const alone = await passphraseStrength('Margaret Thornbury');
    const named = await passphraseStrength('Margaret Thornbury', ['Margaret', 'Thornbury']);
    expect(named.score).toBeLessThan(alone.score);
  });
});
