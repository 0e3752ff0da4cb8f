import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkMedia, checkSignature, SIGNATURE_BYTES } from '../media-policy.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../../e2e/fixtures/${name}`, import.meta.url))).subarray(0, SIGNATURE_BYTES);
const random = () => Uint8Array.from({ length: SIGNATURE_BYTES }, (_, i) => (i * 97 + 13) & 0xff);

describe('media policy', () => {
  it('takes the kind from the type, or from the name when the browser gives none', () => {
    expect(checkMedia({ type: '', name: 'IMG_1.HEIC', size: 10 })).toBe('image/heic');
    expect(checkMedia({ type: 'image/jpeg', name: 'x', size: 10 })).toBe('image/jpeg');
    expect(() => checkMedia({ type: 'text/plain', name: 'notes.txt', size: 10 })).toThrow(/not a photo or video/);
    expect(() => checkMedia({ type: 'image/png', name: 'a.png', size: 0 })).toThrow(/empty/);
  });

  it('accepts real photos by their first bytes', () => {
    expect(() => checkSignature(fixture('beach.jpg'), 'image/jpeg')).not.toThrow();
    expect(() => checkSignature(fixture('beach.heic'), 'image/heic')).not.toThrow();
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);
    expect(() => checkSignature(png, 'image/png')).not.toThrow();
    const mp4 = Uint8Array.of(0, 0, 0, 0x20, ...[...'ftypisom'].map((c) => c.charCodeAt(0)), 0, 0, 2, 0);
    expect(() => checkSignature(mp4, 'video/mp4')).not.toThrow();
    expect(() => checkSignature(mp4, 'video/quicktime')).not.toThrow();
  });

  it('refuses random bytes named like a photo, with a reason fit for the upload list', () => {
    for (const type of ['image/jpeg', 'image/png', 'image/heic', 'video/mp4', 'video/webm', 'image/webp', 'image/gif']) {
      expect(() => checkSignature(random(), type), type).toThrow(/damaged or is not really a/);
    }
    // A JPEG's bytes under a PNG's name are not a PNG.
    expect(() => checkSignature(fixture('beach.jpg'), 'image/png')).toThrow(/not really a PNG/);
  });

  it('does not judge kinds it has no signature for', () => {
    expect(() => checkSignature(random(), 'image/x-adobe-dng')).not.toThrow();
  });
});
