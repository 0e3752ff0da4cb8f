/**
 * What the timeline and the albums list read from an open vault: every photo of the albums this
 * member can read, each with the date it was taken, and each album with its count and cover.
 * A photo's date travels inside its (sealed) album op (`AddPhotoOp.taken`), so the timeline
 * needs no object opened; photos added before that field existed get theirs from their sealed
 * metadata, opened in the background a slice at a time.
 */
import { Emitter } from '../core/emitter.ts';
import { yieldToMain } from '../core/yield.ts';
import type { PhotoId } from '../core/ids.ts';
import type { PhotoMetadata } from '../crypto/metadata.ts';
import type { AddPhotoOp } from './ingest.ts';

/** The part of VaultSession the library reads. */
export interface LibrarySource {
  albumIds: string[];
  albums: Map<string, { name?: string; cover?: PhotoId }>;
  photos(album: string): AddPhotoOp[];
  metadata(album: string, photo: PhotoId): Promise<PhotoMetadata | undefined>;
}

export interface LibraryItem {
  /** `album/photo`. */
  key: string;
  album: string;
  photo: PhotoId;
  /** ms since the epoch; 0 while unknown. */
  taken: number;
  /** ThumbHash (base64url) to show while the thumbnail decrypts. */
  placeholder?: string;
}

export interface AlbumSummary {
  id: string;
  name: string;
  count: number;
  /** The album's chosen cover, else its newest photo. */
  cover?: PhotoId;
}

export interface LibraryEvents extends Record<string, unknown> {
  /** Dates of older photos became known: read `items()` again. */
  dates: number;
}

/** Photos listed in one task by itemsInSlices (about 10 ms here). */
const SLICE = 5_000;

export class Library extends Emitter<LibraryEvents> {
  readonly #src: LibrarySource;
  /** Dates read from metadata, by key. */
  readonly #dates = new Map<string, number>();
  #filling: Promise<void> | undefined;

  constructor(src: LibrarySource) {
    super();
    this.#src = src;
  }

  #taken(album: string, d: AddPhotoOp): number {
    return d.taken ?? this.#dates.get(`${album}/${d.photo}`) ?? 0;
  }

  /**
   * Every readable photo once, unsorted (the timeline sorts): a photo added to a second album is
   * listed under the first album that holds it. Starts filling unknown dates.
   */
  items(): LibraryItem[] {
    const out: LibraryItem[] = [];
    for (const _ of this.#collect(out)) { /* all in one go */ }
    return out;
  }

  /** The photos of one album (a photo in two albums is in both lists), unsorted. Starts filling unknown dates. */
  albumItems(album: string): LibraryItem[] {
    const out = this.#src.photos(album).map((d) => this.#item(album, d));
    if (out.some((i) => !i.taken)) this.#fill();
    return out;
  }

  #item(album: string, d: AddPhotoOp): LibraryItem {
    return { key: `${album}/${d.photo}`, album, photo: d.photo, taken: this.#taken(album, d), ...(d.placeholder ? { placeholder: d.placeholder } : {}) };
  }

  /** items(), a new task after every few thousand photos: listing 100,000 at once was a 150 ms task. */
  async itemsInSlices(): Promise<LibraryItem[]> {
    const out: LibraryItem[] = [];
    for (const _ of this.#collect(out)) await yieldToMain();
    return out;
  }

  /** Lists into `out`, pausing (yield) after every SLICE photos looked at, within an album too. */
  *#collect(out: LibraryItem[]): Generator<void> {
    let unknown = 0;
    let looked = 0;
    // With one album no photo can be listed twice: no set of 100,000 ids to build.
    const seen = this.#src.albumIds.length > 1 ? new Set<string>() : undefined;
    for (const album of [...this.#src.albumIds]) {
      for (const d of this.#src.photos(album)) {
        if (++looked % SLICE === 0) yield;
        if (seen) {
          if (seen.has(d.photo)) continue;
          seen.add(d.photo);
        }
        const item = this.#item(album, d);
        if (!item.taken) unknown++;
        out.push(item);
      }
    }
    if (unknown) this.#fill();
  }

  albums(): AlbumSummary[] {
    return this.#src.albumIds.map((id) => {
      const photos = this.#src.photos(id);
      const a = this.#src.albums.get(id);
      let newest: AddPhotoOp | undefined;
      for (const d of photos) if (!newest || this.#taken(id, d) > this.#taken(id, newest)) newest = d;
      const chosen = a?.cover && photos.some((p) => p.photo === a.cover) ? a.cover : newest?.photo;
      return { id, name: a?.name ?? 'Album', count: photos.length, ...(chosen ? { cover: chosen } : {}) };
    }).sort((x, y) => x.name.localeCompare(y.name));
  }

  #fill() {
    this.#filling ??= (async () => {
      let found = 0;
      for (const album of this.#src.albumIds) {
        for (const d of this.#src.photos(album)) {
          const key = `${album}/${d.photo}`;
          if (d.taken || this.#dates.has(key)) continue;
          const meta = await this.#src.metadata(album, d.photo).catch(() => undefined);
          const ms = Date.parse(meta?.takenAt ?? '');
          // Unknown stays unknown (a photo whose metadata has not arrived yet): 1 keeps it at the end.
          if (meta) this.#dates.set(key, Number.isFinite(ms) ? ms : 1);
          if (++found % 200 === 0) this.emit('dates', found);
        }
      }
      this.emit('dates', found);
    })().finally(() => (this.#filling = undefined));
  }
}
