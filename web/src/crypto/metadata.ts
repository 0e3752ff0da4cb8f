/**
 * Photo metadata as a sealed 'metadata' object (JSON inside). Nothing here is visible to relays:
 * name, type, size, date taken, dimensions, EXIF incl. GPS, the content-dedup tag.
 */
import { fromUtf8, utf8 } from '../core/bytes.ts';
import { IntegrityError } from '../core/errors.ts';
import { openObject, sealObject } from './object-seal.ts';

export interface PhotoMetadata {
  name: string;
  mime: string;
  size: number;
  /** ISO 8601, from EXIF when present. */
  takenAt?: string;
  width?: number;
  height?: number;
  /** EXIF as JSON-safe values, GPS included (e.g. {latitude, longitude}). */
  exif?: Record<string, unknown>;
  /** ThumbHash of the picture (base64url): a placeholder that needs no other object. */
  thumbhash?: string;
  /** hex of the keyed BLAKE3 content tag (EncryptedChunk.contentTag). */
  contentTag?: string;
}

function isMetadata(x: unknown): x is PhotoMetadata {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  return typeof m.name === 'string' && typeof m.mime === 'string' && typeof m.size === 'number';
}

export function sealMetadata(fileKey: Uint8Array, meta: PhotoMetadata): Promise<Uint8Array> {
  if (!isMetadata(meta)) throw new TypeError('metadata: needs name, mime and size');
  return sealObject(fileKey, 'metadata', utf8(JSON.stringify(meta)));
}

export async function openMetadata(fileKey: Uint8Array, envelope: Uint8Array): Promise<PhotoMetadata> {
  const bytes = await openObject(fileKey, 'metadata', envelope);
  let m: unknown;
  try {
    m = JSON.parse(fromUtf8(bytes));
  } catch (e) {
    throw new IntegrityError('metadata: not JSON', { cause: e });
  }
  if (!isMetadata(m)) throw new IntegrityError('metadata: missing fields');
  return m;
}
