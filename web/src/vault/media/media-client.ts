/**
 * Thumbnails and EXIF off the main thread (a comlink worker), videos on it (they need a
 * <video> element). One worker per client; `close()` ends it.
 */
import { wrap, type Remote } from 'comlink';
import type { MediaApi } from './media-worker.ts';
import type { Thumbnail } from './thumbnail.ts';
import type { PhotoExif } from './exif.ts';
import { makeVideoThumbnail } from './video-poster.ts';

export class MediaClient {
  #worker = new Worker(new URL('./media-worker.ts', import.meta.url), { type: 'module', name: 'fv-media' });
  #api: Remote<MediaApi> = wrap<MediaApi>(this.#worker);

  /** The thumbnail, or undefined when the browser cannot decode this file (kept, shown as a placeholder). */
  async thumbnail(blob: Blob, mime: string): Promise<Thumbnail | undefined> {
    if (mime.startsWith('video/')) return makeVideoThumbnail(blob);
    try {
      return await this.#api.makeImageThumbnail(blob);
    } catch (e) {
      console.warn('thumbnail: could not decode this image', e);
      return undefined;
    }
  }

  exif(blob: Blob): Promise<PhotoExif> {
    return this.#api.readExif(blob);
  }

  close(): void {
    this.#worker.terminate();
  }
}
