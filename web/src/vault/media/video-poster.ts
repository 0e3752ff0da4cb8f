/**
 * A video's thumbnail: one frame grabbed with a <video> element (workers have none), scaled by
 * the same code as photos. Returns undefined when this browser cannot decode the codec; the video
 * is still stored, and shown with a placeholder.
 */
import { scaleToJpeg, type Thumbnail } from './thumbnail.ts';

export async function makeVideoThumbnail(blob: Blob, timeoutMs = 10_000): Promise<Thumbnail | undefined> {
  if (typeof document === 'undefined') return undefined;
  const url = URL.createObjectURL(blob);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  try {
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      video.addEventListener('error', () => { clearTimeout(timer); resolve(false); }, { once: true });
      video.addEventListener('loadedmetadata', () => {
        video.currentTime = Math.min(1, (video.duration || 0) / 10);
      }, { once: true });
      video.addEventListener('seeked', () => { clearTimeout(timer); resolve(true); }, { once: true });
      video.src = url;
    });
    if (!ok || !video.videoWidth) return undefined;
    const bitmap = await createImageBitmap(video);
    try {
      return await scaleToJpeg(bitmap);
    } finally {
      bitmap.close();
    }
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
