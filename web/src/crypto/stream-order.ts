/**
 * Order checking for chunked decryption, shared by the direct API and the worker client (so it
 * imports no crypto library). The reader assigns index and last flag from position — one chunk of
 * look-ahead tells which one is last — and the chunk's authentication then proves them.
 */
import { IntegrityError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';

export interface DecryptOptions {
  /** The manifest's chunk hashes: checks the count and each chunk's address before decrypting. */
  hashes?: readonly ObjectHash[];
}

export type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** `open(index, last, ciphertext, expectedHash)` authenticates and decrypts one chunk. */
export async function* decryptOrdered(
  chunks: ChunkSource,
  opts: DecryptOptions | undefined,
  open: (index: number, last: boolean, ct: Uint8Array, hash: ObjectHash | undefined) => Promise<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const hashes = opts?.hashes;
  if (hashes !== undefined && hashes.length === 0) throw new IntegrityError('manifest: no chunks');
  const it = (Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]()) as
    AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  let finished = false;
  try {
    let cur = await it.next();
    if (cur.done) throw new IntegrityError('file: no chunks');
    for (let index = 0; ; index++) {
      const next = await it.next();
      const last = next.done === true;
      if (hashes !== undefined) {
        if (index >= hashes.length) throw new IntegrityError('file: more chunks than the manifest lists');
        if (last && index !== hashes.length - 1) throw new IntegrityError('file: fewer chunks than the manifest lists');
      }
      if (last) finished = true;
      yield await open(index, last, cur.value, hashes?.[index]);
      if (last) return;
      cur = next;
    }
  } finally {
    if (!finished) await it.return?.(); // stopped early or failed: release the source
  }
}
