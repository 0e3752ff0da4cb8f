/**
 * Cross-checks hash-wasm's BLAKE3 (what the app uses) against @noble/hashes' independent
 * implementation, on the official vector lengths and on random inputs around the 1 KiB chunk
 * and 64-byte block boundaries. Test-only second importer of @noble/hashes/blake3 (Node only).
 */
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { blake3 } from '../../src/crypto/primitives.ts';
import { BLAKE3 } from '../../src/crypto/suite/vectors.ts';

describe('BLAKE3: hash-wasm agrees with @noble/hashes', () => {
  it('on the official vectors', async () => {
    for (const [len, hex] of Object.entries(BLAKE3)) {
      const input = Uint8Array.from({ length: Number(len) }, (_, i) => i % 251);
      expect(toHex(nobleBlake3(input))).toBe(hex);
      expect(toHex(await blake3(input))).toBe(hex);
    }
  });
  it('on random inputs near block and chunk boundaries', async () => {
    for (const n of [63, 64, 65, 1023, 1024, 1025, 4095, 4096, 4097, 65536 + 3, 1 << 20]) {
      const input = globalThis.crypto.getRandomValues(new Uint8Array(Math.min(n, 65536)));
      const data = n > 65536 ? new Uint8Array(n).map((_, i) => input[i % input.length]!) : input;
      expect(toHex(await blake3(data))).toBe(toHex(nobleBlake3(data)));
    }
  });
});
