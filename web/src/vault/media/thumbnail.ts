/**
 * Thumbnails made on the device (about 400 px on the long edge, JPEG), in a worker:
 * createImageBitmap honours EXIF orientation ('from-image'), OffscreenCanvas scales and encodes.
 * HEIC goes through libheif first. The caller encrypts the bytes before they are stored.
 */
import { decodeHeif, isHeif } from './heic.ts';

export const THUMB_EDGE = 400;

export interface Thumbnail {
  bytes: Uint8Array;
  mime: 'image/jpeg';
  width: number;
  height: number;
  /** Dimensions of the original as displayed (after orientation). */
  sourceWidth: number;
  sourceHeight: number;
}

export async function makeImageThumbnail(blob: Blob, edge = THUMB_EDGE): Promise<Thumbnail> {
  const source: ImageBitmapSource = (await isHeif(blob)) ? await decodeHeif(blob) : blob;
  // HEIC pixels come out already rotated by libheif (it applies the irot/imir transforms).
  const bitmap = await createImageBitmap(source, { imageOrientation: 'from-image' });
  try {
    return await scaleToJpeg(bitmap, edge);
  } finally {
    bitmap.close();
  }
}

export async function scaleToJpeg(bitmap: ImageBitmap, edge = THUMB_EDGE): Promise<Thumbnail> {
  const { width: sw, height: sh } = bitmap;
  const scale = Math.min(1, edge / Math.max(sw, sh));
  const width = Math.max(1, Math.round(sw * scale));
  const height = Math.max(1, Math.round(sh * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas in this browser');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  const jpeg = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.82 });
  return { bytes: new Uint8Array(await jpeg.arrayBuffer()), mime: 'image/jpeg', width, height, sourceWidth: sw, sourceHeight: sh };
}
