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
