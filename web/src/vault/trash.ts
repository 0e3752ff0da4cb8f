/**
 * Trash: a deleted photo stays in its album, hidden, for 30 days, so a slip of the finger on
 * one phone can be undone on any. It is a last-writer-wins register per photo in the album's
 * CRDT, `trash:<photoId>`, carried in the ordinary sealed album op ('set'): the time it was
 * trashed (ms), or null once restored. No new op kind, so older devices simply ignore it.
 * Who may trash or restore is who may remove the photo: the member who added it, or an admin.
 * After 30 days an allowed device removes it for good (the existing remove op).
 */
import type { PhotoId } from '../core/ids.ts';
import type { MemberRole } from './authority/statement.ts';

export const TRASH_PREFIX = 'trash:';
export const TRASH_DAYS = 30;
const DAY_MS = 86_400_000;
export const TRASH_MS = TRASH_DAYS * DAY_MS;

export const trashRegister = (photo: PhotoId | string): string => `${TRASH_PREFIX}${photo}`;

/** One trash register as the CRDT holds it: who set it last (device, seq) and when it says. */
export interface TrashMark {
  photo: PhotoId;
  /** ms since the epoch; undefined once restored (null) or if the value is not a plausible time. */
  at: number | undefined;
  author: string;
  seq: number;
}

/** The album's trash registers (a register named otherwise is not one). */
export function trashMarks(registers: ReadonlyMap<string, { value: unknown; author: string; seq: number }>): TrashMark[] {
  const out: TrashMark[] = [];
  for (const [name, r] of registers) {
    if (!name.startsWith(TRASH_PREFIX)) continue;
    const v = r.value;
    const at = typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 8.64e15 ? v : undefined;
    out.push({ photo: name.slice(TRASH_PREFIX.length) as PhotoId, at, author: r.author, seq: r.seq });
  }
  return out;
}

/**
 * May a writer (the member whose device wrote the op, with their role then) trash, restore or
 * remove a photo added by `adder`? The adder, or an admin; a photo whose add has not arrived
 * yet (adder unknown) may be marked by any writer, as a removal may.
 */
export function mayRemove(writer: { sign: string; role: MemberRole | 'removed' } | undefined, adder: string | undefined): boolean {
  if (!writer || writer.role === 'viewer' || writer.role === 'removed') return false;
  return adder === undefined || adder === writer.sign || writer.role === 'admin';
}

/**
 * The photos in the trash: marked with a time, by a device allowed to (`allowed`: a mark by
 * anyone else is ignored), and still in the album (one removed for good is no longer listed).
 */
export function trashedOf(marks: Iterable<TrashMark>, inAlbum: (p: PhotoId) => boolean, allowed: (m: TrashMark) => boolean): Map<PhotoId, number> {
  const out = new Map<PhotoId, number>();
  for (const m of marks) if (m.at !== undefined && inAlbum(m.photo) && allowed(m)) out.set(m.photo, m.at);
  return out;
}

/** Trashed over 30 days ago (by `now`, the caller's clock). */
export const expired = (at: number, now: number): boolean => now - at >= TRASH_MS;

/** Whole days until it is removed for good (0: due now). */
export const daysLeft = (at: number, now: number): number => Math.max(0, Math.ceil((at + TRASH_MS - now) / DAY_MS));
