/**
 * The family app's upload queue (docs/storage.md "Upload queue"). Picked files go through the
 * ingest pipeline one at a time; before that, each is saved encrypted in the upload spool
 * (storage/upload-spool.ts), so a reload, a crash or a lock in the middle of a batch loses none
 * of them: the next unlock resumes the queue where it stopped. Nothing is kept in the clear: a
 * queued file is sealed like a photo (a fresh file key wrapped by the album key, the chunk
 * stream of the crypto layer, its name and type in a sealed metadata envelope), and it leaves
 * the spool once it is a photo. A file resumed after its photo was already committed comes out
 * as a duplicate (the content-dedup entry commits with the photo), so none is added twice.
 * The queue can be paused on a page (the file in progress finishes), and a file that failed for
 * a reason that may pass (`retryable`) keeps its saved copy until it is retried or discarded, so
 * the next unlock tries it again too. Its state lists each file, for the upload panel.
 */
import { fromBase64Url, fromUtf8, releaseBytes, toBase64Url, utf8 } from '../core/bytes.ts';
import { Emitter } from '../core/emitter.ts';
import { describeError, isPolicyError, isRetryable, StorageError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { CryptoApi } from '../crypto/api-types.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { SpoolEntry, UploadSpool } from '../storage/upload-spool.ts';
import type { FileOutcome, SealedFile } from './ingest.ts';
import { checkMedia } from './media/media-policy.ts';
import { SHARED_ALBUM, type SharedHeader } from './share-inbox.ts';

export interface QueueKeys {
  /** The album's current key and epoch: new files are sealed with it. */
  current(album: string): { key: Uint8Array; epoch: number } | undefined;
  /** The album key of `epoch` (a file queued before the family rotated its keys). */
  ofEpoch(album: string, epoch: number): Uint8Array | undefined;
}

export interface UploadQueueDeps {
  crypto: CryptoApi;
  spool: UploadSpool;
  keys: QueueKeys;
  /** Runs one file through the ingest pipeline; `sealed` is its spool copy, already encrypted, when there is one. */
  ingest(album: string, file: File, sealed?: SealedFile): Promise<FileOutcome>;
  /** Told of the file that comes after the one being ingested, so its media work can start early. */
  prepare?(file: File): void;
  /**
   * Where a picked file's saved copy is kept: its chunks staged in the vault's object store, held
   * for the queue (PutOptions.holdFor), so they are written once and become the photo's chunks.
   * Without it (and for files shared to the app while it was locked) the copy is parts in the spool.
   */
  store?: Pick<ObjectStore, 'put' | 'get' | 'held' | 'releaseHeld'>;
  /** Opens the file key of a file shared to the app while it was locked (sealed to the member's box key: share-inbox.ts). */
  openSharedKey?(sealed: Uint8Array): Promise<Uint8Array>;
  log(line: string): void;
}

/** One file of the queue, for its line in the upload panel. */
export interface QueuedFile {
  /** Names the file on this page (for `retry` and `discard`). */
  key: number;
  /** The file's name; a file resumed from the spool is named once it is read back. */
  name: string;
  album: string;
  status: 'waiting' | 'adding' | FileOutcome['status'];
  /** Why it was refused or failed. */
  reason?: string;
  /** A failed file that `retry` can try again (its copy is kept in the spool until then). */
  retryable?: boolean;
}

/**
 * What the queue is doing, for "Adding 3 of 20". `waiting` counts files not yet photos, `files`
 * the current run's files and every failed one that can still be retried.
 */
export interface QueueState {
  waiting: number;
  done: number;
  total: number;
  /** Paused on this page: the file in progress finishes, the rest wait (in the spool) for `setPaused(false)` or the next unlock. */
  paused: boolean;
  files: readonly QueuedFile[];
}

export interface UploadQueueEvents extends Record<string, unknown> {
  state: QueueState;
  /** A file left the queue; `resumed`: it was queued by an earlier page of this app. */
  file: FileOutcome & { album: string; resumed: boolean };
}

interface Item {
  album: string;
  /** The spool entry's id, once saved (a file that could not be saved is only in memory). */
  id?: number;
  /** The spool entry of a resumed file. */
  entry?: SpoolEntry;
  /** The picked file, while this page has it; a resumed one is read back from the spool. */
  file?: File;
  /** Its spool copy's file id and key, once saved or read back (the ingest stores that ciphertext as the photo's). */
  sealedAs?: { fileId: Uint8Array; fileKey: Uint8Array; digests?: readonly string[]; held?: readonly string[] };
  name: string;
  resumed: boolean;
  done?: (o: FileOutcome) => void;
  row: QueuedFile;
}

/** Whom a queued file's chunks are held for in the object store: its spool entry. */
const HOLDER_PREFIX = 'upload-';
const holderOf = (entry: number): string => `${HOLDER_PREFIX}${entry}`;

/** The sealed description of a queued file (the spool entry's header). */
interface Header {
  v: 1;
  epoch: number;
  fileId: string;
  key: string;
  meta: string;
}

export class UploadQueue extends Emitter<UploadQueueEvents> {
  readonly #d: UploadQueueDeps;
  #items: Item[] = [];
  #running: Promise<void> | undefined;
  #stopped = false;
  #paused = false;
  #done = 0;
  #total = 0;
  #nextKey = 0;
  /** The lines of the upload panel: this run's files, then failed ones kept for a retry. */
  #rows: QueuedFile[] = [];
  /** Failed files that can be tried again, by row key. */
  readonly #failed = new Map<number, Item>();

  constructor(deps: UploadQueueDeps) {
    super();
    this.#d = deps;
  }

  get state(): QueueState {
    return { waiting: this.#items.length, done: this.#done, total: this.#total, paused: this.#paused, files: this.#rows.map((r) => ({ ...r })) };
  }

  /**
   * Pauses the queue on this page (the file in progress is finished first), or goes on. Files
   * added while paused are saved in the spool and wait; a reload or the next unlock goes on.
   */
  setPaused(paused: boolean): void {
    if (this.#paused === paused) return;
    this.#paused = paused;
    this.#emitState();
    if (!paused) this.#kick();
  }

  /** Tries failed files again: those of `keys`, or every retryable one. Returns how many. */
  retry(keys?: number[]): number {
    const items = [...this.#failed.entries()].filter(([k]) => !keys || keys.includes(k));
    if (items.length === 0) return 0;
    this.#startCounting();
    for (const [k, item] of items) {
      this.#failed.delete(k);
      Object.assign(item.row, { status: 'waiting', reason: undefined, retryable: undefined });
      // The row goes to the end of the run, with the files that wait.
      this.#rows.splice(this.#rows.indexOf(item.row), 1);
      this.#rows.push(item.row);
      this.#items.push(item);
      this.#total++;
    }
    this.#emitState();
    this.#kick();
    return items.length;
  }

  /** Gives up on failed files (their saved copies go too). */
  async discard(keys: number[]): Promise<void> {
    for (const k of keys) {
      const item = this.#failed.get(k);
      if (!item) continue;
      this.#failed.delete(k);
      this.#rows.splice(this.#rows.indexOf(item.row), 1);
      if (item.id !== undefined) await this.#dropSaved(item.id, item.sealedAs?.held ?? item.entry?.held);
    }
    this.#emitState();
  }

  /** Takes up what an earlier page left in the spool (before anything new). Returns how many. */
  async resume(): Promise<number> {
    const { spool } = this.#d;
    const swept = await spool.sweep();
    if (swept) this.#d.log(`uploads: dropped ${swept} file(s) whose saving a reload cut short`);
    const strays = await this.#releaseStrays();
    if (strays) this.#d.log(`uploads: released ${strays} stored chunk(s) of files no longer queued`);
    const queued = new Set([...this.#items, ...this.#failed.values()].map((i) => i.id));
    const found = (await spool.list()).filter((e) => !queued.has(e.id) && e.album !== SHARED_ALBUM)
      .map((e): Item => this.#item({ album: e.album, id: e.id, entry: e, name: 'a photo saved for upload', resumed: true }));
    if (found.length === 0) return 0;
    this.#d.log(`uploads: resuming ${found.length} file(s) queued before the app was closed`);
    this.#startCounting();
    this.#items.unshift(...found);
    this.#rows.unshift(...found.map((i) => i.row));
    this.#total += found.length;
    this.#emitState();
    this.#kick();
    return found.length;
  }

  /** How many files shared to the app (share-inbox.ts) wait for the member to choose their album. */
  async sharedWaiting(): Promise<number> {
    const queued = new Set([...this.#items, ...this.#failed.values()].map((i) => i.id));
    return (await this.#d.spool.list()).filter((e) => e.album === SHARED_ALBUM && !queued.has(e.id)).length;
  }

  /** Adds the files shared to the app to `album`. Returns how many. */
  async addShared(album: string): Promise<number> {
    if (!this.#d.keys.current(album)) throw new StorageError('no key for this album on this device');
    const queued = new Set([...this.#items, ...this.#failed.values()].map((i) => i.id));
    const found = (await this.#d.spool.list()).filter((e) => e.album === SHARED_ALBUM && !queued.has(e.id))
      .map((e): Item => this.#item({ album, id: e.id, entry: e, name: 'a shared photo', resumed: true }));
    if (found.length === 0) return 0;
    this.#startCounting();
    this.#items.push(...found);
    this.#rows.push(...found.map((i) => i.row));
    this.#total += found.length;
    this.#emitState();
    this.#kick();
    return found.length;
  }

  /** Drops the files shared to the app that the member does not want. Returns how many. */
  async discardShared(): Promise<number> {
    const queued = new Set([...this.#items, ...this.#failed.values()].map((i) => i.id));
    const found = (await this.#d.spool.list()).filter((e) => e.album === SHARED_ALBUM && !queued.has(e.id));
    for (const e of found) await this.#dropSaved(e.id, e.held);
    return found.length;
  }

  /**
   * Queues files for an album; resolves with each file's outcome, in order, once all are photos
   * (or refused, or failed). A file is saved in the spool before this page starts on it.
   */
  async add(album: string, files: File[]): Promise<FileOutcome[]> {
    const k = this.#d.keys.current(album);
    if (!k) throw new StorageError('no key for this album on this device');
    const results: Array<Promise<FileOutcome>> = [];
    this.#startCounting();
    for (const file of files) {
      const item = this.#item({ album, file, name: file.name, resumed: false });
      results.push(new Promise((resolve) => (item.done = resolve)));
      if (!this.#stopped && this.#accepted(file)) {
        try {
          const saved = await this.#save(album, k, file);
          item.id = saved.id;
          item.sealedAs = saved;
        } catch (e) {
          // E.g. no room for a second copy: the file is still added, it just would not survive a reload.
          this.#d.log(`uploads: ${file.name} is added without a saved copy (${describeError(e)})`);
        }
      }
      this.#items.push(item);
      this.#rows.push(item.row);
      this.#total++;
      this.#emitState();
      this.#kick();
    }
    if (this.#stopped) this.#abandon();
    return Promise.all(results);
  }

  /** Finishes the file in progress and stops; the rest stays queued for the next unlock. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
    this.#abandon();
  }

  /** Only files the ingest would take are saved; refusals come out in order, from memory. */
  #accepted(file: File): boolean {
    try {
      checkMedia(file);
      return true;
    } catch (e) {
      if (isPolicyError(e)) return false;
      throw e;
    }
  }

  async #save(album: string, k: { key: Uint8Array; epoch: number }, file: File): Promise<{ id: number; fileId: Uint8Array; fileKey: Uint8Array; digests?: string[]; held?: string[] }> {
    const { crypto, spool, store } = this.#d;
    const [fileId, fileKey] = await Promise.all([crypto.newFileId(), crypto.newFileKey()]);
    const meta = await crypto.sealMetadata(fileKey, {
      name: file.name, mime: file.type, size: file.size, takenAt: new Date(file.lastModified).toISOString(),
    });
    const header = utf8(JSON.stringify({
      v: 1, epoch: k.epoch, fileId: toBase64Url(fileId), key: toBase64Url(await crypto.wrapFileKey(k.key, k.epoch, fileId, fileKey)), meta: toBase64Url(meta),
    } satisfies Header));
    const chunks = () => crypto.encryptStream(fileKey, fileId, file);
    if (store) {
      const held: string[] = [];
      const id = await spool.addHeld(album, header, async (entry) => {
        let bytes = 0;
        try {
          for await (const c of chunks()) {
            bytes += c.ciphertext.length;
            // Hashed by the crypto worker from these bytes; the store may take them over.
            await store.put(c.hash, c.ciphertext, { stage: true, holdFor: holderOf(entry), verified: true, handOver: true });
            held.push(c.hash);
          }
        } catch (e) {
          for (const h of held) await store.releaseHeld(h as ObjectHash, holderOf(entry)).catch(() => false);
          throw e;
        }
        return { held, bytes };
      });
      return { id, fileId, fileKey, held };
    }
    const digests: string[] = [];
    async function* parts() {
      for await (const c of chunks()) {
        digests.push(c.hash);
        yield { bytes: c.ciphertext, digest: c.hash };
        releaseBytes(c.ciphertext); // the spool has stored its copy: free it now (docs/performance.md)
      }
    }
    return { id: await spool.add(album, header, parts()), fileId, fileKey, digests };
  }

  /** Reads a queued file back from the spool: decrypted, as the File that was picked. */
  async #restore(item: Item): Promise<File> {
    const { crypto, spool, keys } = this.#d;
    const entry = item.entry;
    if (!entry) throw new StorageError('the saved copy of this file is gone');
    const h = JSON.parse(fromUtf8(entry.header)) as Header | SharedHeader;
    const fileId = fromBase64Url(h.fileId);
    let fileKey: Uint8Array;
    if (h.v === 2) {
      if (!this.#d.openSharedKey) throw new StorageError('this page cannot open shared files');
      fileKey = await this.#d.openSharedKey(fromBase64Url(h.box));
    } else {
      const albumKey = keys.ofEpoch(item.album, h.epoch);
      if (!albumKey) throw new StorageError('this device no longer holds the key of the album the file was for');
      fileKey = await crypto.unwrapFileKey(albumKey, fileId, fromBase64Url(h.key));
    }
    const meta = await crypto.openMetadata(fileKey, fromBase64Url(h.meta));
    item.name = item.row.name = meta.name;
    item.sealedAs = { fileId, fileKey, ...(entry.digests ? { digests: entry.digests } : {}), ...(entry.held ? { held: entry.held } : {}) };
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for await (const p of crypto.decryptStream(fileKey, fileId, entry.held ? this.#heldChunks(entry.held) : spool.read(entry))) parts.push(p as Uint8Array<ArrayBuffer>);
    return new File(parts, meta.name, { type: meta.mime, lastModified: Date.parse(meta.takenAt ?? '') || 0 });
  }

  /**
   * The item's saved copy as the photo's chunks, so the ingest does not encrypt the file again:
   * its held chunks, or its spool parts when the spool kept each part's hash (entries written
   * before it did are encrypted anew).
   */
  #sealed(item: Item): SealedFile | undefined {
    const { fileId, fileKey, digests, held } = item.sealedAs ?? {};
    if (!fileId || !fileKey || item.id === undefined) return undefined;
    if (held && this.#d.store) return { fileId, fileKey, staged: held as ObjectHash[] };
    if (!digests) return undefined;
    const { spool } = this.#d;
    const entry = { id: item.id, parts: digests.length };
    return {
      fileId, fileKey,
      async *chunks() {
        let i = 0;
        for await (const ciphertext of spool.read(entry)) yield { hash: digests[i++] as ObjectHash, ciphertext };
      },
    };
  }

  /** A saved copy's chunks, read back from the object store where they are held. */
  async *#heldChunks(held: readonly string[]): AsyncGenerator<Uint8Array> {
    const { store } = this.#d;
    for (const h of held) {
      const bytes = await store?.get(h as ObjectHash, { held: true });
      if (!bytes) throw new StorageError('the saved copy of this file is gone');
      yield bytes;
    }
  }

  #item(i: Omit<Item, 'row'>): Item {
    return { ...i, row: { key: this.#nextKey++, name: i.name, album: i.album, status: 'waiting' } };
  }

  #kick(): void {
    if (this.#running || this.#stopped || this.#paused) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#items.length > 0) this.#kick();
    });
  }

  async #run(): Promise<void> {
    for (let item = this.#items[0]; item && !this.#stopped && !this.#paused; item = this.#items[0]) {
      let outcome: FileOutcome;
      item.row.status = 'adding';
      this.#emitState();
      try {
        const file = item.file ?? (await this.#restore(item));
        this.#emitState(); // a resumed file has its name now
        const next = this.#items[this.#items.indexOf(item) + 1]?.file;
        if (next) this.#d.prepare?.(next);
        outcome = await this.#d.ingest(item.album, file, this.#sealed(item));
      } catch (e) {
        outcome = { name: item.name, status: 'failed', reason: describeError(e), retryable: isRetryable(e) };
      }
      // Locked under it: the file stays queued and is added after the next unlock.
      if (this.#stopped && outcome.status === 'failed' && item.id !== undefined) return;
      this.#items.splice(this.#items.indexOf(item), 1); // by identity: resumed files may have been put in front meanwhile
      const again = outcome.status === 'failed' && outcome.retryable;
      // A file that may work when tried again keeps its saved copy: Retry, or the next unlock, takes it up.
      if (again) this.#failed.set(item.row.key, item);
      // An added photo's held chunks are its own now: only a copy that did not become one releases them.
      else if (item.id !== undefined) await this.#dropSaved(item.id, outcome.status === 'added' ? undefined : (item.sealedAs?.held ?? item.entry?.held));
      Object.assign(item.row, { status: outcome.status, reason: 'reason' in outcome ? outcome.reason : undefined, retryable: again || undefined });
      this.#done++;
      item.done?.(outcome);
      this.emit('file', { ...outcome, album: item.album, resumed: item.resumed });
      this.#emitState();
    }
  }

  /** Drops a saved copy: the spool entry, then the chunks still held for it (a committed photo's stay). */
  async #dropSaved(id: number, held?: readonly string[]): Promise<void> {
    try {
      await this.#d.spool.remove(id);
      // A crash before these are released leaves them held for no entry: resume() releases them.
      for (const h of held ?? []) await this.#d.store?.releaseHeld(h as ObjectHash, holderOf(id));
    } catch (e) {
      this.#d.log(`uploads: could not drop a saved copy (${describeError(e)})`);
    }
  }

  /** Releases chunks held for entries the spool no longer has (a save cut short, a crash before the drop). */
  async #releaseStrays(): Promise<number> {
    const { store, spool } = this.#d;
    if (!store) return 0;
    const live = new Set((await spool.list()).map((e) => holderOf(e.id)));
    const stray: Array<{ hash: ObjectHash; holder: string }> = [];
    for await (const h of store.held()) if (h.holder.startsWith(HOLDER_PREFIX) && !live.has(h.holder)) stray.push(h);
    for (const h of stray) await store.releaseHeld(h.hash, h.holder);
    return stray.length;
  }

  /** After a stop: callers waiting on files this page will not add hear why. */
  #abandon(): void {
    for (const item of this.#items) {
      item.done?.({
        name: item.name, status: 'failed', retryable: true,
        reason: item.id !== undefined ? 'The vault was locked before this photo was added: it is added when you unlock again'
          : 'The vault was locked before this photo was added',
      });
      item.done = undefined;
    }
  }

  /** A new run of the queue counts from zero ("1 of 5"), an ongoing one adds to its total. Failed files stay listed. */
  #startCounting(): void {
    if (this.#items.length > 0) return;
    this.#done = 0;
    this.#total = 0;
    this.#rows = this.#rows.filter((r) => this.#failed.has(r.key));
  }

  #emitState(): void {
    this.emit('state', this.state);
  }
}
