/** Plaintext bytes per content chunk (chunk.ts); its own module so byte-only code needs no crypto. */
export const CHUNK_SIZE = 1 << 20;
