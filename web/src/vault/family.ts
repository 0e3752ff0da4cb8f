/**
 * The family as one member's device sees it: the roster (authority/), the members-only sealed
 * entries opened with the directory key, the album keys granted to this member (one per epoch,
 * each opened with `expect` {album, epoch}), names, and the notices a member must see (a key
 * that was refused, keys that changed). Statements are written through `publish`.
 */
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { describeError, PolicyError } from '../core/errors.ts';
import type { CryptoApi, Identity } from '../crypto/api-types.ts';
import type { Authority } from './authority/authority.ts';
import type { Member } from './authority/roster.ts';
import { computeAccess, openBody, sealBody, type Access, type SealedBody } from './authority/sealed.ts';
import type { MemberRole, StatementBody } from './authority/statement.ts';

export interface FamilyOptions {
  crypto: CryptoApi;
  identity: Identity;
  /** Directory keys of every generation this member holds, newest first (rotation.ts). */
  directoryKeys: Uint8Array[];
  authority: Authority;
  publish(body: StatementBody): Promise<void>;
  log(line: string): void;
}

export interface MemberView {
  identity: string;
  name: string;
  role: MemberRole | 'removed';
  me: boolean;
  words: string[];
  devices: Array<{ key: string; revoked: boolean }>;
  /** Albums of mine whose current key they hold. */
  albums: number;
}

export class Family {
  readonly #o: FamilyOptions;
  readonly #opened = new Map<string, SealedBody | undefined>();
  readonly #names = new Map<string, string>();
  access: Access = { albums: new Map(), mine: [], refused: [] };
  /** album → epoch → key. */
  readonly albumKeys = new Map<string, Map<number, Uint8Array>>();
  /** What the member must be told (a planted key refused, keys changed). Newest last. */
  readonly notices: string[] = [];
  readonly #told = new Set<string>();
  readonly myBox: string;
  readonly mySign: string;
  #dirKeys: Uint8Array[];

  constructor(o: FamilyOptions) {
    this.#o = o;
    this.#dirKeys = o.directoryKeys;
    this.myBox = toBase64Url(o.identity.boxPublic);
    this.mySign = toBase64Url(o.identity.signPublic);
  }

  get authority(): Authority {
    return this.#o.authority;
  }

  /**
   * A new generation's directory key arrived (a rotation): entries that did not open before are
   * tried again, and new entries are sealed under the newest key.
   */
  setDirectoryKeys(keys: Uint8Array[]): void {
    if (keys.length === this.#dirKeys.length) return;
    this.#dirKeys = keys;
    for (const [id, b] of this.#opened) if (b === undefined) this.#opened.delete(id);
    for (const [p, name] of this.#names) if (name === '') this.#names.delete(p);
  }

  async #open(p: string): Promise<SealedBody | undefined> {
    for (const k of this.#dirKeys) {
      const b = await openBody(this.#o.crypto, k, p);
      if (b) return b;
    }
    return undefined;
  }

  /** Re-reads the roster: opens new sealed entries, recomputes access, opens new grants to me. */
  async refresh(): Promise<void> {
    const r = this.#o.authority.roster();
    for (const e of r.sealed) if (!this.#opened.has(e.id)) this.#opened.set(e.id, await this.#open(e.p));
    for (const m of r.members.values()) if (m.p && !this.#names.has(m.p)) {
      const b = await this.#open(m.p);
      this.#names.set(m.p, b?.k === 'name' ? b.name : '');
    }
    this.access = computeAccess(r, this.#opened, this.myBox);
    for (const g of this.access.mine) {
      const epochs = this.albumKeys.get(g.album);
      if (epochs?.has(g.epoch)) continue;
      try {
        const k = await this.#o.crypto.openAlbumKey(this.#o.identity.boxSecret, g.sealed, { albumId: fromBase64Url(g.album), epoch: g.epoch });
        if (!epochs) this.albumKeys.set(g.album, new Map([[g.epoch, k.albumKey]]));
        else {
          epochs.set(g.epoch, k.albumKey);
          this.notice(`keys:${g.album}:${g.epoch}`, 'The keys of an album changed (someone was removed or a device was revoked). New photos use the new keys.');
        }
      } catch (e) {
        this.notice(`bad:${g.album}:${g.epoch}`, 'A key for one of your albums was refused: it did not open as the key it claimed to be. Nothing was changed.');
        this.#o.log(`family: refused a key grant for album ${g.album.slice(0, 8)}… epoch ${g.epoch} (${describeError(e)})`);
      }
    }
    for (const x of this.access.refused) {
      if (x.toMe) this.notice(`refused:${x.album}:${x.why}`, `A key for one of your albums was refused (${x.why}). Nothing was changed.`);
    }
  }

  notice(key: string, text: string): void {
    if (this.#told.has(key)) return;
    this.#told.add(key);
    this.notices.push(text);
  }

  /** The highest epoch of an album whose key this member holds. */
  currentEpoch(album: string): { epoch: number; key: Uint8Array } | undefined {
    const epochs = this.albumKeys.get(album);
    if (!epochs || epochs.size === 0) return undefined;
    const epoch = Math.max(...epochs.keys());
    return { epoch, key: epochs.get(epoch)! };
  }

  key(album: string, epoch: number): Uint8Array | undefined {
    return this.albumKeys.get(album)?.get(epoch);
  }

  /** Albums this member can open and has not left. */
  albums(): string[] {
    const out = [...this.albumKeys.keys()];
    return out.some((a) => this.access.albums.get(a)?.left.has(this.mySign)) ? out.filter((a) => !this.access.albums.get(a)?.left.has(this.mySign)) : out;
  }

  /**
   * Leaves an album: it is no longer among this member's albums (on each of their devices) and
   * they grant it to nobody; the rest of the family keeps it, with the photos this member added.
   * The keys they held stay with them, as what a removed member saw does. Refused for the last
   * member in it.
   */
  async leaveAlbum(album: string): Promise<void> {
    const a = this.access.albums.get(album);
    if (!a || !a.holders.has(this.mySign) || a.left.has(this.mySign)) throw new PolicyError('you are not in this album');
    const r = this.#o.authority.roster();
    const others = [...a.holders].filter((s) => s !== this.mySign && !a.left.has(s) && (r.members.get(s)?.role ?? 'removed') !== 'removed');
    if (others.length === 0) throw new PolicyError('you are the only one in this album: nobody would keep it');
    await this.#seal({ k: 'leave', album });
    await this.refresh();
  }

  nameOf(sign: string): string {
    return this.knownName(sign) ?? 'A family member';
  }

  /** The name a member gave themselves, once their sealed profile opened here. */
  knownName(sign: string): string | undefined {
    const m = this.#o.authority.roster().members.get(sign);
    return (m?.p && this.#names.get(m.p)) || undefined;
  }

  myRole(): MemberRole | 'removed' | undefined {
    return this.#o.authority.roster().members.get(this.mySign)?.role;
  }

  /**
   * May the device that wrote (log, seq) make this album op? Its owner must have been a
   * contributor or admin when it was written, and hold the album.
   */
  writerOf(album: string, device: string, seq: number): { sign: string; role: MemberRole } | undefined {
    const r = this.#o.authority.roster();
    const role = r.opRole(device, album, seq);
    const sign = r.devices.get(device);
    if (!role || role === 'viewer' || !sign) return undefined;
    if (!this.access.albums.get(album)?.holders.has(sign)) return undefined;
    return { sign, role };
  }

  async members(): Promise<MemberView[]> {
    const r = this.#o.authority.roster();
    const out: MemberView[] = [];
    for (const m of r.members.values()) {
      const pub = await this.#o.crypto.decodePublicIdentity(fromBase64Url(m.identity));
      out.push({
        identity: m.identity, name: this.nameOf(m.sign), role: m.role, me: m.sign === this.mySign,
        words: await this.#o.crypto.safetyWords(pub),
        devices: [...r.devices].filter(([, o]) => o === m.sign).map(([key]) => ({ key, revoked: r.revoked.has(key) })),
        albums: this.albums().filter((a) => this.#readersNow(a).has(m.box) && !this.access.albums.get(a)?.left.has(m.sign)).length,
      });
    }
    return out;
  }

  #readersNow(album: string): Set<string> {
    const a = this.access.albums.get(album);
    return a?.readers.get(a.epoch) ?? new Set();
  }

  /** Grants every epoch key of every album I write to this member (after the safety words matched). */
  async shareAlbumsWith(m: Member): Promise<number> {
    let n = 0;
    for (const [album, epochs] of this.albumKeys) {
      const a = this.access.albums.get(album);
      if (!a || !a.holders.has(this.mySign) || a.left.has(this.mySign) || this.myRole() === 'viewer') continue;
      for (const [epoch, key] of epochs) {
        // One who left gets the current key again: that grant brings the album back to them.
        if (a.readers.get(epoch)?.has(m.box) && !(a.left.has(m.sign) && epoch === a.epoch)) continue;
        await this.#grant(album, epoch, key, m.box);
        n++;
      }
    }
    return n;
  }

  async #grant(album: string, epoch: number, key: Uint8Array, box: string): Promise<void> {
    const sealed = await this.#o.crypto.sealAlbumKey(fromBase64Url(box), key, fromBase64Url(album), epoch);
    await this.#seal({ k: 'grant', album, epoch, to: box, key: toBase64Url(sealed) });
  }

  async #seal(b: SealedBody): Promise<void> {
    await this.#o.publish({ t: 'sealed', p: await sealBody(this.#o.crypto, this.#dirKeys[0]!, b) });
  }

  async createAlbum(album: string, key: Uint8Array): Promise<void> {
    await this.#seal({ k: 'album', album });
    await this.#grant(album, 0, key, this.myBox);
    await this.refresh();
  }

  /**
   * A new epoch for an album: a fresh key sealed to its current readers minus `without`. Old
   * epochs' keys stay with those who had them (old photos still open); new photos use this one.
   */
  async newEpoch(album: string, without: Set<string>): Promise<void> {
    const a = this.access.albums.get(album);
    if (!a) return;
    const r = this.#o.authority.roster();
    const current = new Set([...r.members.values()].filter((m) => m.role !== 'removed').map((m) => m.box));
    const readers = [...(a.readers.get(a.epoch) ?? [])].filter((b) => !without.has(b) && current.has(b));
    const epoch = a.epoch + 1;
    await this.#seal({ k: 'epoch', album, epoch });
    await this.refresh();
    const key = await this.#o.crypto.newAlbumKey();
    for (const box of new Set([this.myBox, ...readers])) await this.#grant(album, epoch, key, box);
    await this.refresh();
  }

  /** Albums a member could read (any epoch). */
  albumsReadBy(box: string): string[] {
    return [...this.access.albums].filter(([, a]) => [...a.readers.values()].some((s) => s.has(box))).map(([id]) => id);
  }

  async sealedName(name: string): Promise<string> {
    return sealBody(this.#o.crypto, this.#dirKeys[0]!, { k: 'name', name });
  }
}
