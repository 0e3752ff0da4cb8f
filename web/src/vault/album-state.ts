/**
 * An album as seen by a member: the CRDT state of its decrypted ops (photos as an add-wins set,
 * the name as a last-writer-wins register) plus each photo's immutable descriptor (its wrapped
 * file key and object hashes), which arrives with the op that adds it.
 */
import { fromUtf8, utf8 } from '../core/bytes.ts';
import type { ObjectHash, PhotoId } from '../core/ids.ts';
import { applyOpsInPlace, emptyMutableState, has, members, parseCrdtBody, register, type CrdtBody, type MutableCrdtState } from '../replication/crdt.ts';
import type { MemberRole } from './authority/statement.ts';
import type { AddPhotoOp } from './ingest.ts';
import { mayRemove, TRASH_PREFIX, trashedOf, trashMarks, type TrashMark } from './trash.ts';

export interface AlbumOpPayload {
  body: CrdtBody;
  photo?: AddPhotoOp;
}

export const PHOTOS = 'photos';
export const NAME = 'name';
/** Register of the photo the album's members chose as its cover (the albums list shows it). */
export const COVER = 'cover';

export class AlbumState {
  /** Owned by this album and changed in place, one op at a time (no copy per op). */
  readonly crdt: MutableCrdtState = emptyMutableState();
  readonly descriptors = new Map<PhotoId, AddPhotoOp>();
  /** photo → signing key of the member who added it (only they, or an admin, may remove it). */
  readonly addedBy = new Map<PhotoId, string>();

  /** photo → the op whose descriptor counts: the earliest by (Lamport clock, author, seq). */
  readonly #from = new Map<PhotoId, [number, string, number]>();

  /**
   * `by`: the member (signing key) whose device wrote the op. Of two ops carrying a descriptor
   * for one photo id, the earliest in (Lamport clock, author, seq) order counts, on every device
   * whatever order they arrived in: a later op cannot swap another member's photo for its own.
   */
  apply(author: string, seq: number, lamport: number, payload: AlbumOpPayload, by = author): void {
    const p = payload.photo;
    if (p) {
      const key: [number, string, number] = [lamport, author, seq];
      const had = this.#from.get(p.photo);
      if (!had || earlier(key, had)) {
        this.descriptors.set(p.photo, p);
        this.addedBy.set(p.photo, by);
        this.#from.set(p.photo, key);
      }
    }
    applyOpsInPlace(this.crdt, [{ author, seq, lamport, body: payload.body }]);
  }

  /** The op whose descriptor counts for `photo`: [Lamport clock, author, seq]. */
  opOf(photo: PhotoId): readonly [number, string, number] | undefined {
    return this.#from.get(photo);
  }

  get name(): string {
    const n = register(this.crdt, NAME);
    return typeof n === 'string' ? n : 'Untitled album';
  }

  /** The chosen cover, if one was chosen (the list falls back to the newest photo when it is gone). */
  get cover(): PhotoId | undefined {
    const c = register(this.crdt, COVER);
    return typeof c === 'string' ? (c as PhotoId) : undefined;
  }

  /** Photos in the album whose descriptor we have, newest first by the op that added them. */
  photos(): AddPhotoOp[] {
    return members(this.crdt, PHOTOS)
      .map((id) => this.descriptors.get(id as PhotoId))
      .filter((d): d is AddPhotoOp => d !== undefined);
  }

  /**
   * May `writer` make this op here? Removing a photo, or trashing or restoring it (trash.ts),
   * only by the member who added it or an admin. For the one who applies ops (#applyOpened).
   */
  mayApply(body: CrdtBody, writer: { sign: string; role: MemberRole }): boolean {
    if (body.kind === 'remove' && body.set === PHOTOS) return mayRemove(writer, this.addedBy.get(body.element as PhotoId));
    if (body.kind === 'set' && body.register.startsWith(TRASH_PREFIX)) return mayRemove(writer, this.addedBy.get(body.register.slice(TRASH_PREFIX.length) as PhotoId));
    return true;
  }

  /** Whether the photo is in the album (trashed or not). */
  holds(photo: PhotoId): boolean {
    return has(this.crdt, PHOTOS, photo);
  }

  /**
   * The album's trash: photo → when it was trashed. `writerOf(device, seq)`: the member who
   * wrote that op and their role then; a mark by someone not allowed to remove the photo counts
   * for nothing (so even without the check at apply time no one hides another's photo).
   */
  trashed(writerOf: (device: string, seq: number) => { sign: string; role: MemberRole } | undefined): Map<PhotoId, number> {
    return trashedOf(trashMarks(this.crdt.registers), (p) => this.descriptors.has(p) && this.holds(p),
      (m: TrashMark) => mayRemove(writerOf(m.author, m.seq), this.addedBy.get(m.photo)));
  }

  /** The photo's small objects; its chunks are listed in the (sealed) manifest. */
  smallHashesOf(photo: PhotoId): ObjectHash[] {
    const d = this.descriptors.get(photo);
    return d ? [d.manifest, d.thumb, d.meta] : [];
  }
}

const earlier = (a: [number, string, number], b: [number, string, number]): boolean =>
  a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];

export const encodePayload = (p: AlbumOpPayload): Uint8Array => utf8(JSON.stringify(p));

export function decodePayload(bytes: Uint8Array): AlbumOpPayload | undefined {
  const x = JSON.parse(fromUtf8(bytes)) as { body?: unknown; photo?: AddPhotoOp };
  const body = parseCrdtBody(x.body);
  if (!body) return undefined;
  const p = x.photo;
  if (p !== undefined && (p.t !== 'photo.add' || typeof p.photo !== 'string' || typeof p.manifest !== 'string')) return undefined;
  // A date that is not a plausible time is dropped (the timeline then reads the metadata's).
  if (p && p.taken !== undefined && !(typeof p.taken === 'number' && Number.isFinite(p.taken) && Math.abs(p.taken) < 8.64e15)) delete p.taken;
  if (p && p.placeholder !== undefined && !(typeof p.placeholder === 'string' && /^[A-Za-z0-9_-]{4,64}$/.test(p.placeholder))) delete p.placeholder;
  return p ? { body, photo: p } : { body };
}
