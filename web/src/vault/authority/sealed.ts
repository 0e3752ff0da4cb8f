/**
 * The members-only part of the vault log: album creation, new epochs and album-key grants,
 * sealed under the directory key (from the member secret, which relays never get), so a relay
 * learns neither which albums exist by name nor who reads which album. Only members check these,
 * in the roster's order:
 *   album  {album, epoch 0}: the creator, a contributor or admin, holds the album;
 *   epoch  {album, epoch}:   announced by a writer of the album; epochs only go up by one;
 *   grant  {album, epoch, to, key}: by a writer of the album, for an announced epoch; the sealed
 *          key opens only with `expect` {album, epoch}, so a seal for another album or epoch fails.
 *   leave  {album}:          a holder leaves it: it is no longer among their albums and they grant
 *          nothing more; their ops stay valid (their photos stay), and a later grant brings them back.
 * A writer is a holder (not left) whose role is contributor or admin; viewers hold, never grant.
 */
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../../core/bytes.ts';
import type { CryptoApi } from '../../crypto/api-types.ts';
import type { Roster } from './roster.ts';

export type SealedBody =
  | { k: 'album'; album: string }
  | { k: 'epoch'; album: string; epoch: number }
  | { k: 'grant'; album: string; epoch: number; to: string; key: string }
  | { k: 'leave'; album: string }
  | { k: 'name'; name: string };

export async function sealBody(crypto: CryptoApi, directoryKey: Uint8Array, b: SealedBody): Promise<string> {
  return toBase64Url(await crypto.sealObject(directoryKey, 'album-info', utf8(JSON.stringify(b))));
}

export async function openBody(crypto: CryptoApi, directoryKey: Uint8Array, p: string): Promise<SealedBody | undefined> {
  try {
    const x = JSON.parse(fromUtf8(await crypto.openObject(directoryKey, 'album-info', fromBase64Url(p)))) as Record<string, unknown>;
    const str = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 128;
    const epoch = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
    if (x.k === 'album' && str(x.album)) return x as SealedBody;
    if (x.k === 'epoch' && str(x.album) && epoch(x.epoch)) return x as SealedBody;
    if (x.k === 'grant' && str(x.album) && epoch(x.epoch) && str(x.to) && typeof x.key === 'string') return x as SealedBody;
    if (x.k === 'leave' && str(x.album)) return { k: 'leave', album: x.album as string };
    if (x.k === 'name' && typeof x.name === 'string') return { k: 'name', name: x.name.slice(0, 64) };
    return undefined;
  } catch {
    return undefined; // not sealed with our directory key (another generation, or forged)
  }
}

export interface AlbumAccess {
  creator: string;
  /** Highest announced epoch. */
  epoch: number;
  /** epoch → box keys (base64url) the key was granted to. */
  readers: Map<number, Set<string>>;
  /** Signing keys of everyone who holds some epoch of it. */
  holders: Set<string>;
  /** Holders who left the album (until a grant brings them back): not among their albums, no writers. */
  left: Set<string>;
}

export interface Grant {
  album: string;
  epoch: number;
  sealed: Uint8Array;
  by: string;
}

export interface Access {
  albums: Map<string, AlbumAccess>;
  /** Grants to `myBox`, valid, in order. */
  mine: Grant[];
  /** Entries that were refused, with why (grants to me among them: the app tells the member). */
  refused: Array<{ why: string; toMe: boolean; album?: string }>;
}

/** Reads the roster's sealed entries (already opened) and decides which count. */
export function computeAccess(roster: Roster, opened: Map<string, SealedBody | undefined>, myBox: string): Access {
  const albums = new Map<string, AlbumAccess>();
  const mine: Grant[] = [];
  const refused: Access['refused'] = [];
  const boxOf = new Map([...roster.members.values()].map((m) => [m.sign, m.box]));
  for (const e of roster.sealed) {
    const b = opened.get(e.id);
    if (!b || b.k === 'name') continue;
    const a = albums.get(b.album);
    const writer = a !== undefined && a.holders.has(e.by) && !a.left.has(e.by) && e.role !== 'viewer';
    const toMe = b.k === 'grant' && b.to === myBox;
    const refuse = (why: string) => refused.push({ why, toMe, album: b.album });
    if (b.k === 'album') {
      if (a) { refuse('album created twice'); continue; }
      if (e.role === 'viewer') { refuse('a viewer cannot create an album'); continue; }
      albums.set(b.album, { creator: e.by, epoch: 0, readers: new Map([[0, new Set([boxOf.get(e.by)!])]]), holders: new Set([e.by]), left: new Set() });
      if (myBox === boxOf.get(e.by)) continue; // the creator's own key comes in its grant to itself
    } else if (b.k === 'leave') {
      if (!a || !a.holders.has(e.by)) { refuse('left an album they do not hold'); continue; }
      a.left.add(e.by);
    } else if (b.k === 'epoch') {
      if (!a || !writer) { refuse('new epoch not announced by a writer of the album'); continue; }
      if (b.epoch !== a.epoch + 1) { refuse('epoch out of order'); continue; }
      a.epoch = b.epoch;
      a.readers.set(b.epoch, new Set());
    } else {
      if (!a || !writer) { refuse('key grant not signed by a writer of the album'); continue; }
      const readers = a.readers.get(b.epoch);
      if (!readers) { refuse('key grant for an epoch nobody announced'); continue; }
      readers.add(b.to);
      const to = [...roster.members.values()].find((m) => m.box === b.to);
      if (to) {
        a.holders.add(to.sign);
        a.left.delete(to.sign);
      }
      if (toMe) mine.push({ album: b.album, epoch: b.epoch, sealed: fromBase64Url(b.key), by: e.by });
    }
  }
  return { albums, mine, refused };
}
