/**
 * What unlock reads instead of every album op: per album, the ops this device has already
 * opened (decrypted and decoded), sealed at rest, and how far each author's ops are covered by
 * it. Unlock replays the snapshot (no signature check, no AEAD per op: the snapshot was made from
 * ops that had passed both) and opens only the ops after its coverage.
 *
 * What it does not trust: every replayed op is judged again against the roster of now (who may
 * write the album, who may remove a photo), exactly as an op read from the log would be; only
 * the opening is skipped. An album whose snapshot does not fit (another album's, a key it names is
 * gone, it will not open) is dropped and its ops are opened one by one, as without a snapshot.
 *
 * At rest: one random snapshot key per device, sealed to the member's X25519 identity like the
 * device secrets (device-secrets.ts); each album's snapshot is sealed under it with its album id
 * inside, so nothing is readable before unlock and one album's snapshot cannot stand in for
 * another's. It holds nothing the album ops do not (wrapped file keys, object hashes, names).
 *
 * The timeline head: the ops of the newest photos (by date taken) across every album, saved
 * beside the snapshots, so unlock can show the first screens of the timeline before the whole
 * library is replayed; they are judged like every other op, and applying them again in the full
 * replay changes nothing (a CRDT op applies once; a photo's descriptor is the earliest op's).
 */
import { fromUtf8, utf8 } from '../core/bytes.ts';
import { describeError } from '../core/errors.ts';
import type { CryptoApi, Identity } from '../crypto/api-types.ts';
import type { VaultIndex } from '../storage/index-db.ts';
import type { AlbumOpPayload } from './album-state.ts';

/** One opened album op: author (device key), seq, Lamport clock, key epoch, decoded payload. */
export interface OpenedOp {
  a: string;
  s: number;
  l: number;
  e: number;
  p: AlbumOpPayload;
}

export interface AlbumSnapshot {
  album: string;
  /** author → every seq up to this one is in `ops` or can never be applied (did not decode). */
  covered: Map<string, number>;
  ops: OpenedOp[];
}

const KEY_SETTING = 'albums.snapshot.key';
const HEAD_SETTING = 'albums.snapshot-head';
/** How many of the newest photos the head holds: a desktop screenful of small cells, twice over. */
export const HEAD_SIZE = 300;

export interface HeadEntry {
  album: string;
  op: OpenedOp;
}
const settingOf = (album: string) => `albums.snapshot.${album}`;
// The snapshot key is sealed like an album key of a fixed, never-used album id, epoch 0.
const WRAP_ID = new Uint8Array(16).fill(0xd6);
const VERSION = 1;

/** An album's opened ops as this session goes, and which seqs of each author are settled. */
class Journal {
  ops: OpenedOp[] = [];
  readonly covered = new Map<string, number>();
  /** Settled seqs above an author's covered prefix (an op that came before its predecessor was opened). */
  readonly #ahead = new Map<string, Set<number>>();
  dirty = false;

  settle(author: string, seq: number): void {
    let c = this.covered.get(author) ?? 0;
    if (seq <= c) return;
    this.dirty = true;
    if (seq !== c + 1) {
      let a = this.#ahead.get(author);
      if (!a) this.#ahead.set(author, (a = new Set()));
      a.add(seq);
      return;
    }
    c = seq;
    const a = this.#ahead.get(author);
    while (a?.delete(c + 1)) c++;
    if (a?.size === 0) this.#ahead.delete(author);
    this.covered.set(author, c);
  }

  /** What is saved: the covered prefix only (ops past it are opened again at the next unlock). */
  saved(album: string): object {
    const covered = Object.fromEntries(this.covered);
    return { v: VERSION, album, covered, ops: this.ops.filter((o) => o.s <= (this.covered.get(o.a) ?? 0)) };
  }
}

export class AlbumSnapshots {
  readonly #journals = new Map<string, Journal>();
  #key: Promise<Uint8Array | undefined> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> = Promise.resolve();

  /** `head`: the newest photos' ops now, saved with every flush that had something to save. */
  constructor(private readonly o: { crypto: CryptoApi; identity: Identity; index: VaultIndex; log: (l: string) => void; delayMs?: number; head?: () => HeadEntry[] }) {}

  /** The saved timeline head, or undefined (none yet, or it does not open). */
  async loadHead(): Promise<HeadEntry[] | undefined> {
    const sealed = await this.o.index.getSetting<Uint8Array>(HEAD_SETTING);
    if (!sealed) return undefined;
    try {
      const key = await this.#openKey(false);
      if (!key) return undefined;
      const x = JSON.parse(fromUtf8(await this.o.crypto.openObject(key, 'album-info', sealed))) as { v?: unknown; head?: unknown };
      if (x.v !== VERSION || !Array.isArray(x.head)) return undefined;
      return (x.head as HeadEntry[]).filter((h) => typeof h?.album === 'string' && typeof h.op?.a === 'string' && Number.isSafeInteger(h.op.s) && typeof h.op.p?.body === 'object');
    } catch (e) {
      this.o.log(`vault: the timeline head did not open (${describeError(e)}); unlock replays the whole library first`);
      return undefined;
    }
  }

  /** The album's saved snapshot, or undefined (none yet, or it does not open or fit). */
  async load(album: string): Promise<AlbumSnapshot | undefined> {
    const sealed = await this.o.index.getSetting<Uint8Array>(settingOf(album));
    if (!sealed) return undefined;
    try {
      const key = await this.#openKey(false);
      if (!key) return undefined;
      const x = JSON.parse(fromUtf8(await this.o.crypto.openObject(key, 'album-info', sealed))) as { v?: unknown; album?: unknown; covered?: Record<string, number>; ops?: OpenedOp[] };
      if (x.v !== VERSION || x.album !== album || typeof x.covered !== 'object' || x.covered === null || !Array.isArray(x.ops)) {
        this.o.log(`vault: an album snapshot did not fit its album (${album.slice(0, 8)}…); its ops are read one by one`);
        return undefined;
      }
      return { album, covered: new Map(Object.entries(x.covered).filter(([, s]) => Number.isSafeInteger(s) && s > 0)), ops: x.ops };
    } catch (e) {
      this.o.log(`vault: an album snapshot did not open (${describeError(e)}); its ops are read one by one`);
      return undefined;
    }
  }

  /** Starts the album's journal from its snapshot (what was replayed from it stays covered). */
  adopt(s: AlbumSnapshot): void {
    const j = this.#journal(s.album);
    j.ops = [...s.ops];
    for (const [a, seq] of s.covered) j.covered.set(a, seq);
  }

  /** Forgets the album's snapshot: its ops are all opened from the log again at the next unlock. */
  discard(album: string): void {
    this.#journals.set(album, Object.assign(new Journal(), { dirty: true }));
    this.#schedule();
  }

  /** An op was opened: kept, and settled for its author. */
  opened(album: string, op: OpenedOp): void {
    const j = this.#journal(album);
    j.ops.push(op);
    j.settle(op.a, op.s);
    this.#schedule();
  }

  /** An op that can never be applied (its payload does not decode): settled, not kept. */
  unusable(album: string, author: string, seq: number): void {
    this.#journal(album).settle(author, seq);
    this.#schedule();
  }

  /** Saves every changed album now (at lock, and by the timer). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#saving.then(() => this.#saveDirty());
    this.#saving = run.catch(() => undefined);
    return run;
  }

  #journal(album: string): Journal {
    let j = this.#journals.get(album);
    if (!j) this.#journals.set(album, (j = new Journal()));
    return j;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().catch((e: unknown) => this.o.log(`vault: an album snapshot was not saved (${describeError(e)}); the next unlock opens more ops`));
    }, this.o.delayMs ?? 5_000);
  }

  async #saveDirty(): Promise<void> {
    let saved = 0;
    for (const [album, j] of this.#journals) {
      if (!j.dirty) continue;
      j.dirty = false;
      const key = await this.#openKey(true);
      const sealed = await this.o.crypto.sealObject(key!, 'album-info', utf8(JSON.stringify(j.saved(album))));
      await this.o.index.setSetting(settingOf(album), sealed);
      saved++;
    }
    if (saved && this.o.head) {
      const key = await this.#openKey(true);
      await this.o.index.setSetting(HEAD_SETTING, await this.o.crypto.sealObject(key!, 'album-info', utf8(JSON.stringify({ v: VERSION, head: this.o.head() }))));
    }
  }

  /** The snapshot key, opened once (loads run in parallel: one opening for all of them). */
  #openKey(create: boolean): Promise<Uint8Array | undefined> {
    if (this.#key) return this.#key;
    const run = (async () => {
      const wrapped = await this.o.index.getSetting<Uint8Array>(KEY_SETTING);
      if (wrapped) return (await this.o.crypto.openAlbumKey(this.o.identity.boxSecret, wrapped, { albumId: WRAP_ID, epoch: 0 })).albumKey;
      if (!create) return undefined;
      const k = await this.o.crypto.newAlbumKey();
      await this.o.index.setSetting(KEY_SETTING, await this.o.crypto.sealAlbumKey(this.o.identity.boxPublic, k, WRAP_ID, 0));
      return k;
    })();
    // Kept only once it holds a key: "none yet" is asked again (a later save creates it).
    this.#key = run.then((k) => {
      if (!k) this.#key = undefined;
      return k;
    }, (e: unknown) => {
      this.#key = undefined;
      throw e;
    });
    return this.#key;
  }
}
