/**
 * The ingest-photos benchmark's baseline (bench/ingest-photos.ts): the bare per-photo cost of a
 * thumbnail, in one dedicated worker as the app's media worker is: createImageBitmap (EXIF
 * orientation honoured) + a resize to THUMB_EDGE on an OffscreenCanvas + JPEG encode, one photo
 * after another. Nothing else: no EXIF read, no ThumbHash, no messages per photo.
 */
import { THUMB_EDGE } from '../../web/src/vault/media/thumbnail.ts';

self.onmessage = async (e: MessageEvent<{ files: File[] }>) => {
  const perPhoto: number[] = [];
  const t0 = performance.now();
  for (const file of e.data.files) {
    const t = performance.now();
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, THUMB_EDGE / Math.max(bitmap.width, bitmap.height));
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.82 });
    perPhoto.push(performance.now() - t);
  }
  self.postMessage({ ms: performance.now() - t0, perPhoto });
};
