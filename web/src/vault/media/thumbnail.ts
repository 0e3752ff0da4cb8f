/**
 * Thumbnails made on the device (about 400 px on the long edge, JPEG), in a worker:
 * createImageBitmap honours EXIF orientation ('from-image'), OffscreenCanvas scales and encodes.
 * HEIC goes through libheif first. The caller encrypts the bytes before they are stored.
 */
import { rgbaToThumbHash } from 'thumbhash';
import { toBase64Url } from '../../core/bytes.ts';
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
  /** ThumbHash of the image (base64url, ~25 bytes): the timeline's placeholder while the thumbnail decrypts. */
  placeholder: string;
}

/** ThumbHash wants at most 100 px a side. */
function placeholderOf(source: OffscreenCanvas, width: number, height: number): string {
  const scale = Math.min(1, 100 / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const small = new OffscreenCanvas(w, h);
  const ctx = small.getContext('2d');
  if (!ctx) return '';
  ctx.drawImage(source, 0, 0, w, h);
  return toBase64Url(rgbaToThumbHash(w, h, ctx.getImageData(0, 0, w, h).data));
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
  const placeholder = placeholderOf(canvas, width, height);
  return { bytes: new Uint8Array(await jpeg.arrayBuffer()), mime: 'image/jpeg', width, height, sourceWidth: sw, sourceHeight: sh, placeholder };
}
