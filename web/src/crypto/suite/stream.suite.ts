/** Chunked photo encryption: round trips and every way of cutting or mixing chunks. */
import { anyOf, assert, assertEqual, assertNotEqual, assertRejects, type SuiteCase } from '../../core/assert-suite.ts';
import { isDecryptError, isIntegrityError } from '../../core/errors.ts';
import type { CryptoApi, EncryptedChunk } from '../api-types.ts';
import { CHUNK_ENVELOPE_LENGTH, CHUNK_SIZE } from '../chunk.ts';
import { collect, join, pattern, piecewiseStream } from './util.ts';

const MiB = CHUNK_SIZE;

export function streamCases(api: CryptoApi): SuiteCase[] {
  const encrypt = async (data: Uint8Array, fileKey: Uint8Array, fileId: Uint8Array, dedupKey?: Uint8Array) =>
    collect(api.encryptStream(fileKey, fileId, new Blob([data as Uint8Array<ArrayBuffer>]), dedupKey ? { dedupKey } : undefined));
  const decrypt = async (cts: Uint8Array[], fileKey: Uint8Array, fileId: Uint8Array, hashes?: EncryptedChunk['hash'][]) =>
    join(await collect(api.decryptStream(fileKey, fileId, cts, hashes ? { hashes } : undefined)));
  const isCut = anyOf(isDecryptError, isIntegrityError);

  /** A 3-chunk file shared by the tamper cases below. */
  async function threeChunks() {
    const fileKey = await api.newFileKey();
    const fileId = await api.newFileId();
    const data = pattern(2 * MiB + 1000, 11);
    const chunks = await encrypt(data, fileKey, fileId);
    return { fileKey, fileId, data, chunks, cts: chunks.map((c) => c.ciphertext), hashes: chunks.map((c) => c.hash) };
  }

  return [
    {
      name: 'stream: Blob round trip at chunk boundaries (0, 1, 1 MiB-1, 1 MiB, 1 MiB+1 bytes); all chunks the same size',
      async run() {
        const fileKey = await api.newFileKey();
        for (const n of [0, 1, MiB - 1, MiB, MiB + 1]) {
          const fileId = await api.newFileId();
          const data = pattern(n, n + 1);
          const chunks = await encrypt(data, fileKey, fileId);
          assertEqual(chunks.length, Math.floor(n / MiB) + 1, `chunk count for ${n}`);
          chunks.forEach((c, i) => {
            assertEqual([c.index, c.last, c.ciphertext.length], [i, i === chunks.length - 1, CHUNK_ENVELOPE_LENGTH]);
          });
          assertEqual(chunks.at(-1)!.size, n);
          for (const c of chunks) assertEqual(await api.hashObject(c.ciphertext), c.hash, 'address = BLAKE3(ciphertext)');
          assertEqual(await decrypt(chunks.map((c) => c.ciphertext), fileKey, fileId, chunks.map((c) => c.hash)), data);
        }
      },
    },
    {
      name: 'stream: ReadableStream in uneven pieces gives the same result, pulling only a few chunks ahead',
      async run() {
        const fileKey = await api.newFileKey();
        const fileId = await api.newFileId();
        const data = pattern(12 * MiB + 12345, 5);
        const src = piecewiseStream(data, 100_000);
        const it = api.encryptStream(fileKey, fileId, src.stream)[Symbol.asyncIterator]();
        const first = await it.next();
        assert(!first.done, 'no first chunk');
        // In flight: up to two chunks per sealing worker (at most 4 of them), plus the one being cut.
        assert(src.pulled() <= 9 * MiB + 100_000, `read ${src.pulled()} bytes before yielding the first chunk`);
        const rest: EncryptedChunk[] = [first.value];
        for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
        assertEqual(rest.length, 13);
        assertEqual(await decrypt(rest.map((c) => c.ciphertext), fileKey, fileId), data);
      },
    },
    {
      name: 'stream: truncation, a dropped middle chunk, reordering, duplication and an extra chunk all fail',
      async run() {
        const { fileKey, fileId, cts, hashes } = await threeChunks();
        const [c0, c1, c2] = cts as [Uint8Array, Uint8Array, Uint8Array];
        const bad: Array<[string, Uint8Array[]]> = [
          ['last chunk removed', [c0, c1]],
          ['first chunk only', [c0]],
          ['middle chunk dropped', [c0, c2]],
          ['reordered', [c1, c0, c2]],
          ['duplicated chunk', [c0, c0, c1, c2]],
          ['last chunk twice', [c0, c1, c2, c2]],
          ['empty', []],
        ];
        for (const [what, list] of bad) {
          await assertRejects(() => decrypt(list, fileKey, fileId), isCut, what);
          await assertRejects(() => decrypt(list, fileKey, fileId, hashes), isCut, `${what} (with manifest)`);
        }
        await assertRejects(() => decrypt([c0, c1, c2.subarray(0, c2.length - 1)], fileKey, fileId), isIntegrityError, 'short chunk');
        await assertRejects(() => decrypt([c0, c1], fileKey, fileId, hashes), isIntegrityError, 'manifest detects truncation');
      },
    },
    {
      name: 'stream: a chunk from another file (other key, or same key misused with another id) fails',
      async run() {
        const a = await threeChunks();
        const b = await threeChunks();
        const spliced = [a.cts[0]!, b.cts[1]!, a.cts[2]!];
        await assertRejects(() => decrypt(spliced, a.fileKey, a.fileId), isDecryptError, 'spliced');
        // Even if one file key were (wrongly) reused, the file id is bound in the chunk key.
        const otherId = await api.newFileId();
        const same = await encrypt(a.data, a.fileKey, otherId);
        await assertRejects(() => decrypt([a.cts[0]!, same[1]!.ciphertext, a.cts[2]!], a.fileKey, a.fileId), isDecryptError, 'same key');
        await assertRejects(() => decrypt(a.cts, b.fileKey, a.fileId), isDecryptError, 'wrong file key');
        await assertRejects(() => decrypt(a.cts, a.fileKey, b.fileId), isDecryptError, 'wrong file id');
        await assertRejects(() => decrypt(a.cts, a.fileKey, a.fileId, b.hashes), isIntegrityError, 'hash mismatch');
      },
    },
    {
      name: 'stream: random access to one chunk with its address; last flag and index are enforced',
      async run() {
        const { fileKey, fileId, data, chunks } = await threeChunks();
        const c1 = chunks[1]!;
        assertEqual(await api.decryptChunk(fileKey, fileId, 1, false, c1.ciphertext, c1.hash), data.subarray(MiB, 2 * MiB));
        await assertRejects(() => api.decryptChunk(fileKey, fileId, 1, true, c1.ciphertext), isDecryptError, 'as last');
        await assertRejects(() => api.decryptChunk(fileKey, fileId, 2, false, c1.ciphertext), isDecryptError, 'other index');
        await assertRejects(() => api.decryptChunk(fileKey, fileId, 1, false, c1.ciphertext, chunks[0]!.hash), isIntegrityError);
        const one = await api.encryptChunk(fileKey, fileId, 2, true, data.subarray(2 * MiB));
        assertEqual(await api.decryptChunk(fileKey, fileId, 2, true, one.ciphertext, one.hash), data.subarray(2 * MiB));
      },
    },
    {
      name: 'dedup: same photo gives the same member tag, different ciphertext; another vault key differs',
      async run() {
        const data = pattern(MiB + 77, 3);
        const k1 = (await api.deriveMemberKeys(await api.newMemberSecret())).dedupKey;
        const k2 = (await api.deriveMemberKeys(await api.newMemberSecret())).dedupKey;
        const a = await encrypt(data, await api.newFileKey(), await api.newFileId(), k1);
        const b = await encrypt(data, await api.newFileKey(), await api.newFileId(), k1);
        const c = await encrypt(data, await api.newFileKey(), await api.newFileId(), k2);
        const tag = a.at(-1)!.contentTag!;
        assertEqual(tag.length, 32);
        assertEqual(b.at(-1)!.contentTag, tag);
        assertNotEqual(c.at(-1)!.contentTag, tag);
        assertNotEqual(a[0]!.hash, b[0]!.hash, 'no convergent encryption: a relay cannot confirm a known file');
        assertEqual(await api.contentTag(k1, new Blob([data as Uint8Array<ArrayBuffer>])), tag);
        const other = await api.contentTag(k1, new Blob([pattern(MiB + 77, 4) as Uint8Array<ArrayBuffer>]));
        assertNotEqual(other, tag);
      },
    },
    {
      name: 'stream: stopping early releases the source and leaves the API usable',
      async run() {
        const fileKey = await api.newFileKey();
        const fileId = await api.newFileId();
        const data = pattern(5 * MiB, 9);
        for await (const c of api.encryptStream(fileKey, fileId, new Blob([data as Uint8Array<ArrayBuffer>]))) {
          assertEqual(c.index, 0);
          break;
        }
        const src = piecewiseStream(data, 65536);
        for await (const c of api.encryptStream(fileKey, fileId, src.stream)) {
          assertEqual(c.index, 0);
          break;
        }
        assertEqual((await encrypt(data.subarray(0, 10), fileKey, await api.newFileId())).length, 1);
      },
    },
  ];
}
