/**
 * What the photo screens ask of the open vault (the timeline, an album, the albums list, the
 * trash, the viewer over them): thumbnails and originals, albums by id, and the changes they
 * make. Reached as `app.photos` (app-controller.ts); every call needs the vault unlocked.
 */
import type { PhotoId } from '../../core/ids.ts';
import type { PhotoMetadata } from '../../crypto/metadata.ts';
import type { FileOutcome } from '../ingest.ts';
import type { LibraryItem } from '../library.ts';
import type { VaultSession } from '../vault-session.ts';

/** A photo in one album: a library item, a trash entry. */
export interface PhotoRef { album: string; photo: PhotoId }

/** What the viewer's info panel says of a photo (ui/viewer/photo-info.ts puts it in words). */
export interface PhotoDetails {
  /** Its sealed metadata; undefined when it has not arrived or does not open. */
  meta: PhotoMetadata | undefined;
  /** Homes that hold every object of it (0 when that could not be read). */
  homes: number;
  /** The member who added it ("You" for this member), if known. */
  addedBy: string | undefined;
  albumName: string | undefined;
}

/** A photo in the trash, as the Trash screen lists it. */
export interface TrashedPhoto extends PhotoRef {
  /** `album/photo`, as library items are keyed (thumbnails). */
  key: string;
  albumName: string | undefined;
  /** When it was moved to the trash. */
  at: number;
  /** This member may restore it or remove it for good (they added it, or they are an admin). */
  mine: boolean;
}

/** A video as the viewer plays it: a URL the service worker serves, decrypting as it is read. */
export interface VideoStream { url: string; release(): void; name: string; type: string }

export class PhotoActions {
  readonly #session: () => VaultSession;

  /** `session`: the open one (throws while locked). */
  constructor(session: () => VaultSession) {
    this.#session = session;
  }

  /** The albums this member reads, in the vault's order. */
  get albumIds(): readonly string[] {
    return this.#session().albumIds;
  }

  /** An album's name and chosen cover, if this member reads it. */
  album(id: string): { name?: string; cover?: PhotoId } | undefined {
    return this.#session().albums.get(id);
  }

  /** A first open after a restore: the newest photos are listed, the rest of the library is still being read. */
  get restoring(): boolean {
    return this.#session().restoring;
  }

  /** The decrypted thumbnail of a library item's photo, by its key (`album/photo`); undefined until it has arrived. */
  thumbnail(key: string): Promise<Blob | undefined> {
    const [album, photo] = key.split('/') as [string, PhotoId];
    return this.#session().thumbnail(album, photo);
  }

  original(p: PhotoRef): Promise<File> {
    return this.#session().original(p.album, p.photo);
  }

  /** A video, streamed to the player as it is decrypted; undefined for a still photo, or where streaming is not possible here. */
  async videoStream(p: PhotoRef): Promise<VideoStream | undefined> {
    const s = this.#session();
    const meta = await s.metadata(p.album, p.photo);
    if (!meta?.mime.startsWith('video/')) return undefined;
    const { canStream, registerStream } = await import('../media/media-stream.ts');
    if (!canStream()) return undefined;
    const { url, release } = registerStream(await s.randomAccess(p.album, p.photo));
    return { url, release, name: meta.name, type: meta.mime };
  }

  async details(p: PhotoRef): Promise<PhotoDetails> {
    const s = this.#session();
    const [meta, homes] = await Promise.all([s.metadata(p.album, p.photo).catch(() => undefined), s.backedUpOn(p.album, p.photo).catch(() => 0)]);
    return { meta, homes, addedBy: s.addedBy(p.album, p.photo), albumName: s.albums.get(p.album)?.name };
  }

  /** Whether this member may move the photo to the trash (they added it, or they are an admin). */
  mayRemove(p: PhotoRef): boolean {
    return this.#session().mayRemove(p.album, p.photo);
  }

  /** The originals as one zip, streamed to the download as it is made (media/zip-download.ts). */
  async downloadZip(items: LibraryItem[], zipName: string, progress: (i: number, n: number) => void): Promise<void> {
    const s = this.#session();
    const { downloadPhotosZip } = await import('../media/zip-download.ts');
    await downloadPhotosZip(s, items, zipName, progress);
  }

  addFiles(album: string, files: File[]): Promise<FileOutcome[]> {
    return this.#session().addFiles(album, files);
  }

  /** A new album; its id. */
  createAlbum(name: string): Promise<string> {
    return this.#session().createAlbum(name);
  }

  renameAlbum(album: string, name: string): Promise<void> {
    return this.#session().renameAlbum(album, name);
  }

  /** Leaves the album on all this member's devices (the family keeps it). */
  leaveAlbum(album: string): Promise<void> {
    return this.#session().leaveAlbum(album);
  }

  setCover(album: string, photo: PhotoId): Promise<void> {
    return this.#session().setCover(album, photo);
  }

  /**
   * Adds photos to an album (a new one if `to` names it): no upload, the same encrypted objects.
   * How many were added (0: all were there already), and the album's name.
   */
  async addToAlbum(to: { album: string } | { name: string }, items: PhotoRef[]): Promise<{ added: number; albumName: string | undefined }> {
    const s = this.#session();
    const album = 'album' in to ? to.album : await s.createAlbum(to.name);
    const added = await s.addToAlbum(album, items.map((i) => ({ album: i.album, photo: i.photo })));
    return { added, albumName: s.albums.get(album)?.name };
  }

  /** Moves the photos to the trash in the albums named (an album's screen: only there). */
  moveToTrash(items: PhotoRef[]): Promise<void> {
    return this.#session().trashPhotos(items.map((i) => ({ album: i.album, photo: i.photo })));
  }

  /**
   * Moves the photos to the trash in every album that holds them where this member may remove
   * them: the timeline lists a photo in two albums once, and deleting it there deletes it.
   */
  moveToTrashEverywhere(items: PhotoRef[]): Promise<void> {
    const s = this.#session();
    return s.trashPhotos(items.flatMap((item) => {
      const albums = s.albumsWith(item.photo).filter((a) => s.mayRemove(a, item.photo));
      return (albums.includes(item.album) ? albums : [item.album, ...albums]).map((album) => ({ album, photo: item.photo }));
    }));
  }

  /** How many photos are in the trash (the Trash button says). */
  get trashCount(): number {
    return this.#session().trash().length;
  }

  /** The photos in the trash, most recently trashed first. */
  trash(): TrashedPhoto[] {
    const s = this.#session();
    return s.trash().map(({ album, photo, at }) => ({
      key: `${album}/${photo.photo}`, album, albumName: s.albums.get(album)?.name, photo: photo.photo, at, mine: s.mayRemove(album, photo.photo),
    }));
  }

  restore(items: PhotoRef[]): Promise<void> {
    return this.#session().restorePhotos(items.map((i) => ({ album: i.album, photo: i.photo })));
  }

  /** Removes for good every photo in the trash this member may remove; how many. */
  emptyTrash(): Promise<number> {
    return this.#session().emptyTrash();
  }
}
