/**
 * A photo's manifest: which chunk objects make up the file, in order. Sealed as an object of
 * kind 'manifest' under the file key, so a relay sees neither the list nor the size.
 * Plaintext: [ver][alg][fileId 16][size u64][count u32][BLAKE3 hash 32 × count].
 */
import { assertBytes, concatBytes, equalBytes, fromHex, toHex, u32be, u64be } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import { isObjectHash, type ObjectHash } from '../core/ids.ts';
import { CHUNK_SIZE } from './chunk.ts';
import { ALG, ByteReader, checkHeader, header } from './envelope.ts';
import { openObject, sealObject } from './object-seal.ts';

export interface FileManifest {
  fileId: Uint8Array;
  /** Plaintext size in bytes. */
  size: number;
  chunks: ObjectHash[];
}

/** Chunk count for a plaintext size: the last chunk always holds < CHUNK_SIZE bytes. */
export const chunkCount = (size: number): number => Math.floor(size / CHUNK_SIZE) + 1;

export function encodeManifest(m: FileManifest): Uint8Array {
  assertBytes(m.fileId, 16, 'manifest.fileId');
  if (!Number.isSafeInteger(m.size) || m.size < 0) throw new RangeError('manifest.size: out of range');
  if (!Array.isArray(m.chunks) || m.chunks.length !== chunkCount(m.size)) throw new RangeError('manifest.chunks: count does not fit the size');
  for (const h of m.chunks) if (!isObjectHash(h)) throw new RangeError('manifest.chunks: not an object hash');
  return concatBytes(header(ALG.manifest), m.fileId, u64be(m.size), u32be(m.chunks.length), ...m.chunks.map(fromHex));
}

export function decodeManifest(bytes: Uint8Array): FileManifest {
  checkHeader(bytes, ALG.manifest, 2 + 16 + 8 + 4, 'manifest');
  const r = new ByteReader(bytes, 'manifest');
  r.bytes(2);
  const fileId = r.bytes(16).slice();
  const size = r.u64();
  const count = r.u32();
  if (count !== chunkCount(size)) throw new IntegrityError('manifest: chunk count does not fit the size');
  const chunks: ObjectHash[] = [];
  for (let i = 0; i < count; i++) chunks.push(toHex(r.bytes(32)) as ObjectHash);
  r.end();
  return { fileId, size, chunks };
}

export function sealManifest(fileKey: Uint8Array, m: FileManifest): Promise<Uint8Array> {
  return sealObject(fileKey, 'manifest', encodeManifest(m));
}

/** Opens and checks it belongs to `fileId` (IntegrityError otherwise). */
export async function openManifest(fileKey: Uint8Array, fileId: Uint8Array, envelope: Uint8Array): Promise<FileManifest> {
  assertBytes(fileId, 16, 'fileId');
  const m = decodeManifest(await openObject(fileKey, 'manifest', envelope));
  if (!equalBytes(m.fileId, fileId)) throw new IntegrityError('manifest: belongs to another file');
  return m;
}
