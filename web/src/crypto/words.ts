/**
 * The ONLY file that imports @scure/bip39. Recovery phrases are BIP39 (English list) over 256
 * random bits; safety words reuse the same 2048-word list (11 bits per word).
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { assertBytes } from '../core/bytes.ts';

/** 24 words for 32 bytes of entropy. */
export function entropyToPhrase(entropy: Uint8Array): string {
  assertBytes(entropy, 32, 'recovery entropy');
  return entropyToMnemonic(entropy, wordlist);
}

/**
 * Back from words to the 32 bytes. Tolerates case and extra whitespace; a wrong word, count or
 * checksum is a RangeError whose message never repeats the phrase.
 */
export function phraseToEntropy(phrase: string): Uint8Array {
  if (typeof phrase !== 'string') throw new TypeError('recovery phrase: expected a string');
  const words = phrase.normalize('NFKD').trim().toLowerCase().split(/\s+/);
  if (words.length !== 24) throw new RangeError(`recovery phrase: expected 24 words, got ${words.length}`);
  const unknown = words.findIndex((w) => !wordlist.includes(w));
  if (unknown >= 0) throw new RangeError(`recovery phrase: word ${unknown + 1} is not in the word list`);
  try {
    return mnemonicToEntropy(words.join(' '), wordlist);
  } catch {
    throw new RangeError('recovery phrase: checksum mismatch (a word is wrong or out of order)');
  }
}

/** `count` words from the leading 11·count bits of `bytes` (big-endian bit order). */
export function bytesToWords(bytes: Uint8Array, count: number): string[] {
  if (count * 11 > bytes.length * 8) throw new RangeError('bytesToWords: not enough bits');
  const out: string[] = [];
  for (let w = 0; w < count; w++) {
    let idx = 0;
    for (let i = 0; i < 11; i++) {
      const bit = w * 11 + i;
      idx = (idx << 1) | ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1);
    }
    out.push(wordlist[idx]!);
  }
  return out;
}
