import { PolicyError } from '../../core/errors.ts';

/** What a vault accepts. Configurable per vault; these defaults fit phone photos and videos. */
export interface MediaPolicy {
  /** MIME patterns: exact (`image/heic`) or family (`image/*`). */
  allowedTypes: string[];
  maxBytes: number;
}

export const DEFAULT_MEDIA_POLICY: MediaPolicy = {
  allowedTypes: ['image/*', 'video/*'],
  maxBytes: 8 * 1024 ** 3,
};

// Browsers report an empty type for some files (HEIC on desktop Chromium): fall back to the name.
const EXTENSION_TYPES: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp',
  heic: 'image/heic', heif: 'image/heif', avif: 'image/avif', dng: 'image/x-adobe-dng',
  mp4: 'video/mp4', mov: 'video/quicktime', m4v: 'video/x-m4v', webm: 'video/webm', '3gp': 'video/3gpp',
};

export function mediaType(file: { type: string; name?: string }): string {
  if (file.type) return file.type.toLowerCase();
  const ext = file.name?.split('.').pop()?.toLowerCase() ?? '';
  return EXTENSION_TYPES[ext] ?? 'application/octet-stream';
}

function matches(type: string, pattern: string): boolean {
  return pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

/** Throws a PolicyError whose message is fit to show next to the file in the upload list. */
export function checkMedia(file: { type: string; name?: string; size: number }, policy: MediaPolicy = DEFAULT_MEDIA_POLICY): string {
  const type = mediaType(file);
  if (!policy.allowedTypes.some((p) => matches(type, p))) {
    throw new PolicyError(`${type === 'application/octet-stream' ? 'This kind of file' : type} is not a photo or video this vault accepts`);
  }
  if (file.size > policy.maxBytes) {
    throw new PolicyError(`Too large: ${formatBytes(file.size)} (this vault accepts up to ${formatBytes(policy.maxBytes)})`);
  }
  if (file.size === 0) throw new PolicyError('The file is empty');
  return type;
}

/** How many leading bytes `checkSignature` needs. */
export const SIGNATURE_BYTES = 16;

const ascii = (b: Uint8Array, at: number, text: string) => [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
const ISO_BMFF = (b: Uint8Array) => ascii(b, 4, 'ftyp');

/** The first bytes each kind of file starts with; a kind not listed is not checked. */
const SIGNATURES: Record<string, { name: string; test: (b: Uint8Array) => boolean }> = {
  'image/jpeg': { name: 'JPEG', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  'image/png': { name: 'PNG', test: (b) => b[0] === 0x89 && ascii(b, 1, 'PNG\r\n') },
  'image/gif': { name: 'GIF', test: (b) => ascii(b, 0, 'GIF8') },
  'image/webp': { name: 'WebP', test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  'image/heic': { name: 'HEIC', test: ISO_BMFF },
  'image/heif': { name: 'HEIF', test: ISO_BMFF },
  'image/avif': { name: 'AVIF', test: ISO_BMFF },
  'video/mp4': { name: 'MP4', test: ISO_BMFF },
  'video/x-m4v': { name: 'M4V', test: ISO_BMFF },
  // Old QuickTime files may open with another atom than ftyp.
  'video/quicktime': { name: 'QuickTime', test: (b) => ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].some((a) => ascii(b, 4, a)) },
  'video/webm': { name: 'WebM', test: (b) => b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3 },
};

/**
 * Refuses a file whose first bytes are not those of the kind it claims to be (a damaged
 * download, random bytes named .jpg): accepted, it would be a photo no device can ever show.
 */
export function checkSignature(head: Uint8Array, type: string): void {
  const sig = SIGNATURES[type];
  if (sig && !sig.test(head)) throw new PolicyError(`This file is damaged or is not really a ${sig.name} (it does not start like one), so it was not added`);
}

/** Kinds every browser decodes: if one of these gives no thumbnail, the file is damaged. */
export const ALWAYS_DECODABLE = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
