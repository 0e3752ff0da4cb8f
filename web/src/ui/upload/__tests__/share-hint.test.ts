import { describe, expect, it } from 'vitest';
import { shareHint } from '../share-hint.ts';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const IPAD_AS_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('the hint about sharing from other apps', () => {
  it('tells iPhone and iPad (even one that says it is a Mac) that the share sheet cannot reach the app', () => {
    expect(shareHint({ userAgent: IPHONE })?.id).toBe('share-ios');
    expect(shareHint({ userAgent: IPAD_AS_MAC, platform: 'MacIntel', maxTouchPoints: 5 })?.id).toBe('share-ios');
    expect(shareHint({ userAgent: IPAD_AS_MAC, platform: 'MacIntel', maxTouchPoints: 0 })).toBeUndefined(); // a real Mac
  });
  it('tells Android it can share from the gallery; says nothing on a desktop', () => {
    expect(shareHint({ userAgent: ANDROID })?.id).toBe('share-android');
    expect(shareHint({ userAgent: DESKTOP, platform: 'Linux x86_64', maxTouchPoints: 0 })).toBeUndefined();
  });
});
