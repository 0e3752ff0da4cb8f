/**
 * What the viewer shows of a list of library photos (the timeline, an album): thumbnails from
 * the screen's cache, originals, video streams and the info panel's rows from `app.photos`.
 */
import type { LibraryItem } from '../../vault/library.ts';
import type { PhotoActions } from '../../vault/screens/photo-actions.ts';
import type { ThumbCache } from '../thumb-cache.ts';
import type { ViewerSource } from './fv-viewer.ts';
import { photoInfo } from './photo-info.ts';

/** One source per list: the viewer reloads its photo when given another (a re-render of the screen must not). */
const made = new WeakMap<readonly LibraryItem[], ViewerSource>();

export function librarySource(photos: PhotoActions, items: readonly LibraryItem[], cache: ThumbCache): ViewerSource {
  let source = made.get(items);
  if (!source) made.set(items, (source = make(photos, items, cache)));
  return source;
}

function make(photos: PhotoActions, items: readonly LibraryItem[], cache: ThumbCache): ViewerSource {
  return {
    count: items.length,
    thumb: (i) => cache.get(items[i]!.key),
    original: (i) => photos.original(items[i]!),
    stream: (i) => photos.videoStream(items[i]!),
    info: async (i) => photoInfo(await photos.details(items[i]!)),
  };
}
