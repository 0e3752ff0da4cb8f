/**
 * Passphrase strength (issue 9 §8). Relays hold every member's key bundle, so a stolen copy can
 * be guessed offline at the cost of one Argon2id per guess (docs/crypto.md): the passphrase
 * itself must be hard to guess. zxcvbn estimates that from dictionaries, keyboard patterns and
 * the member's own name; a score of 3 ("safely unguessable: moderate protection from offline
 * slow-hash scenarios") is the floor at create, join and change. The dictionaries are about a
 * megabyte, so they load on first use, never with the app shell.
 */
import { PolicyError } from '../core/errors.ts';

export const MIN_SCORE = 3;

export interface Strength {
  /** 0 (too guessable) … 4 (very unguessable). */
  score: number;
  ok: boolean;
  /** What zxcvbn says is wrong, and how to do better (plain English). */
  warning: string;
  suggestions: string[];
}

type Checker = (p: string, inputs: string[]) => { score: number; feedback: { warning: string | null; suggestions: string[] } };
let checker: Promise<Checker> | undefined;

function load(): Promise<Checker> {
  checker ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en'),
    ]);
    const z = new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations,
      useLevenshteinDistance: true,
    });
    return (p, inputs) => z.check(p, inputs);
  })();
  return checker;
}

/** How guessable a passphrase is; `inputs`: words an attacker would try first (the member's name, "family vault"). */
export async function passphraseStrength(passphrase: string, inputs: string[] = []): Promise<Strength> {
  const r = (await load())(passphrase.normalize('NFKC'), [...inputs, 'family', 'vault', 'photos'].filter(Boolean));
  return { score: r.score, ok: r.score >= MIN_SCORE, warning: r.feedback.warning ?? '', suggestions: r.feedback.suggestions };
}

/** One sentence for the screen: why it is refused and what to do. */
export function strengthText(s: Strength): string {
  if (s.ok) return 'Strong enough.';
  return ['This passphrase is too easy to guess.', s.warning, ...s.suggestions, s.suggestions.length ? '' : 'Add a few more uncommon words.'].filter(Boolean).join(' ');
}

/** Refuses a weak passphrase (PolicyError with zxcvbn's feedback), before any key is made. */
export async function assertStrongPassphrase(passphrase: string, inputs: string[] = []): Promise<void> {
  const s = await passphraseStrength(passphrase, inputs);
  if (!s.ok) throw new PolicyError(strengthText(s));
}
