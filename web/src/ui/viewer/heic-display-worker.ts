/**
 * Decodes a HEIC/HEIF original for display at full size, off the main thread: libheif (WASM,
 * loaded with this worker, which the viewer starts only when a HEIC is opened) gives RGBA pixels,
 * OffscreenCanvas encodes them as a JPEG (quality 0.92) the <img> shows. The bytes stay in memory.
 */
import { expose } from 'comlink';
import { decodeHeif } from '../../vault/media/heic.ts';

export async function heicToJpeg(blob: Blob): Promise<Blob> {
  const image = await decodeHeif(blob);
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas in this browser');
  ctx.putImageData(image, 0, 0);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
}

const api = { heicToJpeg };
export type HeicDisplayApi = typeof api;
expose(api);
