/**
 * The ingest pipeline: picked files → encrypted objects → a visible photo. Per file: policy
 * check, content-dedup tag (member-only key), thumbnail and EXIF, chunked encryption streamed from
 * the File (never the whole file in memory), every object staged, then one commit that makes the
 * photo visible and records its op. A crash anywhere before the commit leaves only pending
 * objects, which the next start sweeps. A bad file fails alone; the batch goes on.
 */
import { releaseBytes, toBase64Url, toHex, utf8 } from '../core/bytes.ts';
import { Emitter } from '../core/emitter.ts';
import { describeError, IntegrityError, isIntegrityError, isPolicyError, isQuotaError } from '../core/errors.ts';
import type { AlbumId, ObjectHash, PhotoId } from '../core/ids.ts';
import type { CryptoApi } from '../crypto/api-types.ts';
import { CHUNK_SIZE } from '../crypto/chunk-size.ts';
import { commitPhoto, stageObjects, type ObjectToStage } from '../storage/commit.ts';
import type { VaultIndex } from '../storage/index-db.ts';
import type { PhotoRecord } from '../storage/index-schema.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { ALWAYS_DECODABLE, checkMedia, checkSignature, DEFAULT_MEDIA_POLICY, SIGNATURE_BYTES, type MediaPolicy } from './media/media-policy.ts';
import type { PhotoExif } from './media/exif.ts';
import type { Thumbnail } from './media/thumbnail.ts';

export interface MediaPort {
  thumbnail(blob: Blob, mime: string): Promise<Thumbnail | undefined>;
  exif(blob: Blob): Promise<PhotoExif>;
}

export interface IngestAlbum {
  id: AlbumId;
  /** Raw 16-byte album id (what the crypto layer binds). */
  rawId: Uint8Array;
  key: Uint8Array;
  epoch: number;
}

export interface AddPhotoOp {
  t: 'photo.add';
  photo: PhotoId;
  fileId: string;
  key: string;
  epoch: number;
  /** The sealed manifest lists the chunks, so the op stays small whatever the file's size. */
  manifest: ObjectHash;
  thumb: ObjectHash;
  meta: ObjectHash;
  /** When it was taken (EXIF, else the file's date), ms since the epoch: the timeline sorts by it without opening the metadata. Absent in ops written before it existed. */
  taken?: number;
  /** The thumbnail's ThumbHash (base64url), also in the metadata: the timeline shows it before any object is read. */
  placeholder?: string;
}

export interface IngestDeps {
  crypto: CryptoApi;
  store: ObjectStore;
  index: VaultIndex;
  media: MediaPort;
  dedupKey: Uint8Array;
  policy?: MediaPolicy;
  /** Records the album op (signs, seals, appends to the log) once the photo is committed. */
  recordOp(album: IngestAlbum, op: AddPhotoOp): Promise<void>;
}

/**
 * A file already encrypted as `encryptStream(fileKey, fileId, file)` yields it: the upload
 * queue's saved copy (vault/upload-queue.ts). The pipeline uses it as the photo's chunks instead
 * of encrypting the file a second time. Either `staged`: the chunks are in the object store
 * already, held for the queue (PutOptions.holdFor), and the commit makes them the photo's; or
 * `chunks()`: their bytes, each with the hash computed when it was sealed, which the store checks,
 * so a copy damaged in between is refused, not kept. Should either fail, the file is encrypted anew.
 */
export type SealedFile = { fileId: Uint8Array; fileKey: Uint8Array } & (
  | { staged: readonly ObjectHash[] }
  | { chunks(): AsyncIterable<{ hash: ObjectHash; ciphertext: Uint8Array }> }
);

export type FileOutcome =
  | { name: string; status: 'added'; photo: PhotoId }
  | { name: string; status: 'duplicate'; photo: PhotoId }
  | { name: string; status: 'refused'; reason: string }
  | { name: string; status: 'failed'; reason: string; retryable: boolean };

export interface IngestProgress {
  file: number;
  name: string;
  fileBytesDone: number;
  fileBytes: number;
  batchBytesDone: number;
  batchBytes: number;
  filesDone: number;
  files: number;
}

export interface IngestEvents extends Record<string, unknown> {
  progress: IngestProgress;
  file: FileOutcome & { file: number };
}

// A tiny grey JPEG-free placeholder: a photo we cannot decode still gets a (sealed) thumb object,
// so every photo has the same shape and the relay learns nothing from a missing thumbnail.
const NO_THUMB = utf8('{"placeholder":true}');

/** Encrypted chunks as objects to stage; `verified`: hashed by the crypto worker from these bytes. */
async function* mapChunks(source: AsyncIterable<{ hash: ObjectHash; ciphertext: Uint8Array }>, verified: boolean): AsyncIterable<ObjectToStage> {
  for await (const c of source) yield { hash: c.hash, bytes: c.ciphertext, verified, handOver: true };
}

/** Held chunks read back and checked at once before a commit (each holds its chunk in memory). */
const CHECK_LANES = 3;

const dedupKeyOf = (album: AlbumId, tag: Uint8Array) => `dedup:${album}:${toHex(tag)}`;

type Media = [Thumbnail | undefined, PhotoExif];

/** What is worked out of a file before its bytes are stored: its media, and its content tag. */
interface Prepared {
  media: Promise<Media>;
  tag: Promise<Uint8Array>;
}

export class Ingest extends Emitter<IngestEvents> {
  readonly #d: IngestDeps;
  /** Thumbnail + EXIF and content tag already under way for a file about to come (see prepare). */
  readonly #prepared = new WeakMap<File, Prepared>();
  constructor(deps: IngestDeps) {
    super();
    this.#d = deps;
  }

  /**
   * Starts the thumbnail and EXIF of a file that is next in line, so the media worker decodes it
   * while the file before it is encrypted and stored (the decode of a 12 MP photo is most of a
   * photo's cost: docs/performance.md, ingest-photos), and its content tag, which reads the
   * whole file. Nothing is stored early; the file is checked, deduplicated and encrypted when its
   * turn comes. At most one is worth preparing.
   */
  prepare(file: File): void {
    if (this.#prepared.has(file)) return;
    let mime: string;
    try {
      mime = checkMedia(file, this.#d.policy ?? DEFAULT_MEDIA_POLICY);
    } catch {
      return; // refused at its turn, with the reason
    }
    const prepared: Prepared = { media: this.#media(file, mime), tag: this.#d.crypto.contentTag(this.#d.dedupKey, file) };
    prepared.media.catch(() => undefined); // its own turn reports the failure
    prepared.tag.catch(() => undefined);
    this.#prepared.set(file, prepared);
  }

  #media(file: File, mime: string): Promise<Media> {
    return Promise.all([this.#d.media.thumbnail(file, mime), this.#d.media.exif(file)]);
  }

  /** Adds files to an album, one after another; `sealed[i]`, when given, is file i already encrypted (SealedFile). */
  async addFiles(album: IngestAlbum, files: File[], sealed: ReadonlyArray<SealedFile | undefined> = []): Promise<FileOutcome[]> {
    const batchBytes = files.reduce((n, f) => n + f.size, 0);
    let batchDone = 0;
    const out: FileOutcome[] = [];
    for (const [i, file] of files.entries()) {
      const next = files[i + 1];
      if (next) this.prepare(next);
      const report = (fileBytesDone: number) =>
        this.emit('progress', {
          file: i, name: file.name, fileBytesDone, fileBytes: file.size,
          batchBytesDone: batchDone + fileBytesDone, batchBytes, filesDone: i, files: files.length,
        });
      const outcome = await this.#one(album, file, report, sealed[i]);
      batchDone += file.size;
      report(file.size);
      out.push(outcome);
      this.emit('file', { ...outcome, file: i });
    }
    return out;
  }

  /**
   * Stages a file's encrypted chunks; returns their hashes in order. The next chunk is read (or
   * encrypted) while the one before it is written: at most two are in memory.
   */
  async #stageChunks(source: AsyncIterable<ObjectToStage>, size: number, report: (n: number) => void): Promise<ObjectHash[]> {
    const chunks: ObjectHash[] = [];
    let done = 0;
    let writing: Promise<void> | undefined;
    try {
      for await (const c of source) {
        await writing;
        chunks.push(c.hash);
        writing = stageObjects(this.#d.store, [c]).then(() => {
          releaseBytes(c.bytes); // stored (as a copy): free it now, not at the page's next GC (docs/performance.md)
          done = Math.min(size, done + CHUNK_SIZE);
          report(done);
        });
        writing.catch(() => undefined); // awaited above or below
      }
      await writing;
    } catch (e) {
      await writing?.catch(() => undefined); // nothing left writing when the caller tries again
      throw e;
    }
    return chunks;
  }

  /**
   * Chunks staged before this file's turn (held for the upload queue) are read back and checked
   * against their hashes before they are committed: bytes damaged while the file waited must not
   * become a photo's only copy. IntegrityError for one that is gone or damaged.
   */
  async #checkStaged(staged: readonly ObjectHash[]): Promise<ObjectHash[]> {
    // A few at a time: a long video has a thousand chunks, and each read holds its chunk in memory.
    let next = 0;
    const lane = async () => {
      while (next < staged.length) {
        const h = staged[next++]!;
        const bytes = await this.#d.store.get(h, { held: true });
        if (!bytes) throw new IntegrityError(`the saved copy's chunk ${h.slice(0, 16)} is gone or damaged`);
        releaseBytes(bytes);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHECK_LANES, staged.length) }, lane));
    return [...staged];
  }

  async #one(album: IngestAlbum, file: File, report: (n: number) => void, sealed: SealedFile | undefined): Promise<FileOutcome> {
    const { crypto, store, index } = this.#d;
    let mime: string;
    try {
      mime = checkMedia(file, this.#d.policy ?? DEFAULT_MEDIA_POLICY);
      checkSignature(new Uint8Array(await file.slice(0, SIGNATURE_BYTES).arrayBuffer()), mime);
    } catch (e) {
      if (isPolicyError(e)) return { name: file.name, status: 'refused', reason: (e as Error).message };
      throw e;
    }
    const prepared = this.#prepared.get(file);
    this.#prepared.delete(file);
    // Checked while the file is tagged and its thumbnail made.
    const checked = sealed && 'staged' in sealed ? this.#checkStaged(sealed.staged) : undefined;
    checked?.catch(() => undefined); // awaited below, unless the file is refused first
    try {
      const tag = await (prepared?.tag ?? crypto.contentTag(this.#d.dedupKey, file));
      const existing = await index.getSetting<PhotoId>(dedupKeyOf(album.id, tag));
      if (existing) {
        const rec = await index.get('photos', existing);
        if (rec?.state === 'active') return { name: file.name, status: 'duplicate', photo: existing };
      }
      const [fileId, fileKey] = sealed ? [sealed.fileId, sealed.fileKey] : await Promise.all([crypto.newFileId(), crypto.newFileKey()]);
      const [thumb, exif] = await (prepared?.media ?? this.#media(file, mime));
      if (!thumb && ALWAYS_DECODABLE.has(mime)) {
        return { name: file.name, status: 'refused', reason: 'This image is damaged: it starts like one but cannot be shown, so it was not added' };
      }
      const hashed = async (bytes: Uint8Array): Promise<[ObjectHash, Uint8Array]> => [await crypto.hashObject(bytes), bytes];
      // What does not depend on the chunks is sealed and hashed while they are stored.
      const sealedAside = Promise.all([
        crypto.sealMetadata(fileKey, {
          name: file.name, mime, size: file.size,
          ...(exif.takenAt ? { takenAt: exif.takenAt } : file.lastModified ? { takenAt: new Date(file.lastModified).toISOString() } : {}),
          ...(thumb ? { width: thumb.sourceWidth, height: thumb.sourceHeight } : {}),
          ...(thumb?.placeholder ? { thumbhash: thumb.placeholder } : {}),
          exif: { ...exif },
          contentTag: toHex(tag),
        }).then(hashed),
        crypto.sealObject(fileKey, 'thumbnail', thumb?.bytes ?? NO_THUMB).then(hashed),
        crypto.wrapFileKey(album.key, album.epoch, fileId, fileKey),
      ]);
      sealedAside.catch(() => undefined); // awaited below, unless storing the chunks failed first
      const encrypted = (): AsyncIterable<ObjectToStage> => mapChunks(crypto.encryptStream(fileKey, fileId, file), true);
      let chunks: ObjectHash[];
      try {
        if (checked) chunks = await checked;
        else chunks = await this.#stageChunks(sealed && 'chunks' in sealed ? mapChunks(sealed.chunks(), false) : encrypted(), file.size, report);
      } catch (e) {
        // A spool copy damaged since it was sealed: the file itself is here, encrypt it again.
        if (!sealed || !isIntegrityError(e)) throw e;
        chunks = await this.#stageChunks(encrypted(), file.size, report);
      }
      const [manifestBytes, [meta, metaBytes], [thumbHash, thumbBytes], wrappedKey] = await Promise.all([
        crypto.sealManifest(fileKey, { fileId, size: file.size, chunks }), ...await sealedAside,
      ] as const);
      const manifest = await crypto.hashObject(manifestBytes);
      // Hashed by the crypto worker from these very bytes: the store need not hash them again.
      await stageObjects(store, [
        { hash: manifest, bytes: manifestBytes, verified: true }, { hash: meta, bytes: metaBytes, verified: true }, { hash: thumbHash, bytes: thumbBytes, verified: true },
      ], 3);
      const photo = toBase64Url(fileId) as PhotoId;
      const record: PhotoRecord = {
        id: photo, album: album.id, state: 'active', addedAt: Date.now(), fileId, wrappedKey, epoch: album.epoch,
        objects: { manifest, thumb: thumbHash, meta, chunks },
      };
      // The dedup entry commits with the photo: a reload in between must not let it be added twice.
      await commitPhoto(index, record, { [dedupKeyOf(album.id, tag)]: photo });
      await this.#d.recordOp(album, {
        t: 'photo.add', photo, fileId: toBase64Url(fileId), key: toBase64Url(wrappedKey), epoch: album.epoch,
        manifest, thumb: thumbHash, meta,
        taken: Date.parse(exif.takenAt ?? '') || file.lastModified || record.addedAt,
        ...(thumb?.placeholder ? { placeholder: thumb.placeholder } : {}),
      });
      return { name: file.name, status: 'added', photo };
    } catch (e) {
      // Whatever was staged stays pending and is swept; the photo never became visible.
      // Space can be freed (another app's files, this vault's Trash): the file waits for Retry.
      if (isQuotaError(e)) return { name: file.name, status: 'failed', reason: `Not enough space on this device (${(e as Error).message}): free some, then retry`, retryable: true };
      return { name: file.name, status: 'failed', reason: describeError(e), retryable: true };
    }
  }
}
