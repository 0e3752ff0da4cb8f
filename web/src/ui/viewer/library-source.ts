/**
 * What the viewer shows of a list of library photos (the timeline, an album): thumbnails from
 * the screen's cache, originals and video streams from the session, the info panel's rows.
 */
import type { LibraryItem } from '../../vault/library.ts';
import type { VaultSession } from '../../vault/vault-session.ts';
import type { ThumbCache } from '../thumb-cache.ts';
import type { ViewerSource } from './fv-viewer.ts';
import { photoInfo } from './photo-info.ts';

/** One source per list: the viewer reloads its photo when given another (a re-render of the screen must not). */
const made = new WeakMap<readonly LibraryItem[], ViewerSource>();

export function librarySource(s: VaultSession, items: readonly LibraryItem[], cache: ThumbCache): ViewerSource {
  let source = made.get(items);
  if (!source) made.set(items, (source = make(s, items, cache)));
  return source;
}

function make(s: VaultSession, items: readonly LibraryItem[], cache: ThumbCache): ViewerSource {
  return {
    count: items.length,
    thumb: (i) => cache.get(items[i]!.key),
    original: (i) => s.original(items[i]!.album, items[i]!.photo),
    stream: async (i) => {
      const { album, photo } = items[i]!;
      const meta = await s.metadata(album, photo);
      if (!meta?.mime.startsWith('video/')) return undefined;
      const { canStream, registerStream } = await import('../../vault/media/media-stream.ts');
      if (!canStream()) return undefined;
      const { url, release } = registerStream(await s.randomAccess(album, photo));
      return { url, release, name: meta.name, type: meta.mime };
    },
    info: (i) => photoInfo(s, items[i]!.album, items[i]!.photo),
  };
}
