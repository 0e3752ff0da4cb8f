/**
 * An unlocked vault on a family device: the member's identity and secrets in memory, storage
 * open, replication running. Everything the UI does goes through here: albums, adding photos,
 * thumbnails and originals (decrypted on demand, never stored in the clear), invites, status.
 */
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { Emitter } from '../core/emitter.ts';
import { describeError, StorageError } from '../core/errors.ts';
import type { AlbumId, ObjectHash, PeerId, PhotoId } from '../core/ids.ts';
import type { CryptoApi, Identity, VaultKeys } from '../crypto/api-types.ts';
import { signOp, VAULT_LOG } from '../replication/op-envelope.ts';
import { makeAdd, makeRemove, makeSet } from '../replication/crdt.ts';
import type { OpEnvelope, ReplicationPolicy } from '../replication/ports.ts';
import type { VaultIndex } from '../storage/index-db.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { AlbumState, decodePayload, encodePayload, NAME, PHOTOS, type AlbumOpPayload } from './album-state.ts';
import type { DeviceSecrets } from './device-secrets.ts';
import { Ingest, type AddPhotoOp, type IngestAlbum, type MediaPort } from './ingest.ts';
import { replicationCrypto, startReplicationNode, type ReplicationNode } from './replication-node.ts';
import { openEntry, sealEntry, vaultLogKey, type VaultLogEntry } from './vault-log.ts';

/** Chunks are 1 MiB envelopes; anything smaller is a thumbnail, manifest, metadata or bundle. */
const SMALL_OBJECT = 1024 * 1024;

export interface VaultSettings {
  /** 'all' keeps originals; 'save-space' evicts an original once `k` relays hold it. */
  originals: 'all' | 'save-space';
  k: number;
}

export interface VaultEvents extends Record<string, unknown> {
  changed: void;
  status: void;
}

export interface PhotoView {
  id: PhotoId;
  album: AlbumId;
  thumb: ObjectHash;
  hasThumb: boolean;
}

export interface SessionOptions {
  crypto: CryptoApi;
  media: MediaPort;
  identity: Identity;
  secrets: DeviceSecrets;
  keys: VaultKeys;
  index: VaultIndex;
  store: ObjectStore;
  signalUrl: string;
  iceTransportPolicy?: RTCIceTransportPolicy;
  iceTimeoutMs?: number;
  name: string;
}

export class VaultSession extends Emitter<VaultEvents> {
  readonly crypto: CryptoApi;
  readonly index: VaultIndex;
  readonly store: ObjectStore;
  readonly keys: VaultKeys;
  readonly identity: Identity;
  readonly albums = new Map<string, AlbumState>();
  readonly albumKeys = new Map<string, { key: Uint8Array; epoch: number }>();
  readonly directory = new Map<string, { identity: string; bundle: ObjectHash; name: string }>();
  node!: ReplicationNode;
  /** What home relays say of themselves (name, full and why), by peer id. */
  readonly peerStatus = new Map<string, { name?: string; full?: boolean; reason?: string; at: number }>();
  settings: VaultSettings = { originals: 'all', k: 2 };
  readonly #o: SessionOptions;
  readonly #author: string;
  #logKey!: Uint8Array;
  #pending: OpEnvelope[] = [];
  /** album → X25519 public keys (base64url) its key has been sealed to. */
  #sharedWith = new Map<string, Set<string>>();
  /** photo → its chunk hashes, read from the sealed manifest once. */
  #chunkLists = new Map<PhotoId, ObjectHash[]>();
  #seqs: Map<string, number> | undefined;
  #ingest!: Ingest;

  constructor(o: SessionOptions) {
    super();
    this.#o = o;
    this.crypto = o.crypto;
    this.index = o.index;
    this.store = o.store;
    this.keys = o.keys;
    this.identity = o.identity;
    this.#author = toBase64Url(o.secrets.device.publicKey);
  }

  get peerId(): PeerId {
    return this.#o.secrets.peerId as PeerId;
  }
  get ingest(): Ingest {
    return this.#ingest;
  }

  async start(): Promise<void> {
    this.#logKey = await vaultLogKey(this.crypto, this.keys.handshakeKey);
    const member = await this.crypto.deriveMemberKeys(this.#o.secrets.memberSecret);
    this.#ingest = new Ingest({
      crypto: this.crypto, store: this.store, index: this.index, media: this.#o.media,
      dedupKey: member.dedupKey, recordOp: (album, op) => this.#recordPhoto(album, op),
    });
    this.settings = (await this.index.getSetting<VaultSettings>('vault.settings')) ?? this.settings;
    const policy: ReplicationPolicy = {
      authorizePeer: () => 'ok',
      isAuthorAllowed: () => true,
      wantObject: (_h, size) => this.settings.originals === 'all' || size < SMALL_OBJECT,
    };
    this.node = await startReplicationNode({
      role: 'member', peerId: this.peerId, keys: this.keys, device: this.#o.secrets.device, signalUrl: this.#o.signalUrl,
      crypto: this.crypto, store: this.store, index: this.index, policy,
      ...(this.#o.iceTransportPolicy ? { iceTransportPolicy: this.#o.iceTransportPolicy } : {}),
      ...(this.#o.iceTimeoutMs ? { iceTimeoutMs: this.#o.iceTimeoutMs } : {}),
      onPeerStatus: (peer, st) => {
        this.peerStatus.set(peer, {
          ...(typeof st.name === 'string' ? { name: st.name.slice(0, 64) } : {}),
          full: st.full === true,
          ...(typeof st.reason === 'string' ? { reason: st.reason.slice(0, 300) } : {}),
          at: Date.now(),
        });
        this.emit('status', undefined);
      },
    });
    // Everything stored so far, then whatever arrives.
    await this.#applyAll();
    await this.#recordMissingOps();
    // Local ops are applied by #append itself (awaited), so only remote ones come through here.
    this.node.engine.on('ops', ({ ops, from }) => {
      if (from !== 'local') void this.#apply(ops).then(() => this.emit('changed', undefined));
    });
    this.node.engine.on('object', () => this.emit('changed', undefined));
    for (const e of ['peer-open', 'peer-closed', 'ack', 'job'] as const) this.node.engine.on(e, () => this.emit('status', undefined));
  }

  async stop(): Promise<void> {
    await this.node.stop();
    await this.store.close();
    this.index.close();
  }

  // ── ops ──────────────────────────────────────────────────────────────────────────────

  /**
   * A photo committed here whose op was never recorded (the app closed between the two) gets its
   * op now: the commit is the durable fact, the op only announces it.
   */
  async #recordMissingOps(): Promise<void> {
    for (const [album, k] of this.albumKeys) {
      for (const rec of await this.index.photosInAlbum(album as AlbumId)) {
        if (rec.state !== 'active' || this.albums.get(album)?.descriptors.has(rec.id)) continue;
        await this.#recordPhoto({ id: album as AlbumId, rawId: fromBase64Url(album), key: k.key, epoch: k.epoch }, {
          t: 'photo.add', photo: rec.id, fileId: toBase64Url(rec.fileId), key: toBase64Url(rec.wrappedKey), epoch: rec.epoch,
          manifest: rec.objects.manifest, thumb: rec.objects.thumb, meta: rec.objects.meta,
        });
      }
    }
  }

  async #applyAll(): Promise<void> {
    const v = await this.node.stores.opVector();
    const ops: OpEnvelope[] = [];
    for (const [log, authors] of v) {
      for (const author of authors.keys()) ops.push(...(await this.node.stores.opsSince(log, author, 0, 1e9)));
    }
    await this.#apply(ops);
  }

  /** Decrypts and applies ops; album ops whose key is not known yet wait for it. */
  async #apply(ops: OpEnvelope[]): Promise<void> {
    const vaultOps = ops.filter((o) => o.log === VAULT_LOG);
    for (const op of vaultOps) {
      try {
        const e = await openEntry(this.crypto, this.#logKey, op.ciphertext);
        if (e) await this.#applyVault(e);
      } catch (err) {
        console.warn(`vault: could not open vault log op (${describeError(err)})`);
      }
    }
    const rest = [...this.#pending, ...ops.filter((o) => o.log !== VAULT_LOG)];
    this.#pending = [];
    for (const op of rest) {
      const k = this.albumKeys.get(op.log);
      if (!k) {
        this.#pending.push(op);
        continue;
      }
      try {
        const { payload } = await this.crypto.openOp(k.key, op.ciphertext, fromBase64Url(op.author));
        const p = decodePayload(payload);
        if (p) this.#album(op.log).apply(op.author, op.seq, op.lamport, p);
      } catch (err) {
        console.warn(`vault: dropped an album op that did not open (${describeError(err)})`);
      }
    }
  }

  async #applyVault(e: VaultLogEntry): Promise<void> {
    if (e.t === 'member') {
      this.directory.set(e.identity, { identity: e.identity, bundle: e.bundle, name: e.name });
    } else if (e.t === 'album.key') {
      let set = this.#sharedWith.get(e.album);
      if (!set) this.#sharedWith.set(e.album, (set = new Set()));
      set.add(e.to);
      if (e.to !== toBase64Url(this.identity.boxPublic)) return;
      const cur = this.albumKeys.get(e.album);
      if (cur && cur.epoch >= e.epoch) return;
      const opened = await this.crypto.openAlbumKey(this.identity.boxSecret, fromBase64Url(e.sealed));
      this.albumKeys.set(e.album, { key: opened.albumKey, epoch: opened.epoch });
      this.#album(e.album);
    }
  }

  #album(id: string): AlbumState {
    let a = this.albums.get(id);
    if (!a) this.albums.set(id, (a = new AlbumState()));
    return a;
  }

  /**
   * This device's last seq per log. Only this device writes as this author, so after one read of
   * the stored vector the count is kept here (reading the vector scans every stored op key).
   */
  async #lastSeqs(): Promise<Map<string, number>> {
    if (!this.#seqs) {
      const v = await this.node.stores.opVector();
      this.#seqs = new Map([...v].map(([log, authors]) => [log, authors.get(this.#author) ?? 0]));
    }
    return this.#seqs;
  }

  async #nextSeq(log: string): Promise<number> {
    return ((await this.#lastSeqs()).get(log) ?? 0) + 1;
  }

  async appendVaultEntry(e: VaultLogEntry): Promise<void> {
    const ciphertext = await sealEntry(this.crypto, this.#logKey, e);
    await this.#append(VAULT_LOG, 0, ciphertext);
  }

  async #appendAlbumOp(album: string, payload: AlbumOpPayload, lamport: number): Promise<void> {
    const k = this.albumKeys.get(album);
    if (!k) throw new StorageError('no key for this album on this device');
    const seq = await this.#nextSeq(album);
    const ciphertext = await this.crypto.sealOp({
      albumId: fromBase64Url(album), epoch: k.epoch, albumKey: k.key, authorSecret: this.#o.secrets.device.secretKey, seq, payload: encodePayload(payload),
    });
    await this.#append(album, lamport, ciphertext, seq);
  }

  async #append(log: string, lamport: number, ciphertext: Uint8Array, seqIn?: number): Promise<void> {
    const seq = seqIn ?? (await this.#nextSeq(log));
    const op = await signOp(replicationCrypto(this.crypto, this.#o.secrets.device), { log, author: this.#author, seq, lamport, ciphertext });
    const r = await this.node.engine.addLocalOps([op]);
    if (r.rejected.length) throw new StorageError(`op refused: ${r.rejected.map((x) => x.reason).join(', ')}`);
    const seqs = await this.#lastSeqs();
    seqs.set(log, Math.max(seqs.get(log) ?? 0, seq));
    await this.#apply(r.accepted);
  }

  // ── albums and photos ────────────────────────────────────────────────────────────────

  async createAlbum(name: string): Promise<string> {
    const rawId = await this.crypto.newAlbumId();
    const id = toBase64Url(rawId);
    const key = await this.crypto.newAlbumKey();
    const sealed = await this.crypto.sealAlbumKey(this.identity.boxPublic, key, rawId, 0);
    await this.appendVaultEntry({ t: 'album.key', album: id, epoch: 0, to: toBase64Url(this.identity.boxPublic), sealed: toBase64Url(sealed) });
    await this.renameAlbum(id, name);
    return id;
  }

  async renameAlbum(album: string, name: string): Promise<void> {
    const a = this.#album(album);
    const seq = await this.#nextSeq(album);
    const op = makeSet(a.crdt, this.#author, seq, NAME, name);
    await this.#appendAlbumOp(album, { body: op.body }, op.lamport);
    this.emit('changed', undefined);
  }

  async #recordPhoto(album: IngestAlbum, photo: AddPhotoOp): Promise<void> {
    const a = this.#album(album.id);
    const op = makeAdd(a.crdt, this.#author, await this.#nextSeq(album.id), PHOTOS, photo.photo);
    await this.#appendAlbumOp(album.id, { body: op.body, photo }, op.lamport);
    this.node.engine.objectsChanged();
    this.emit('changed', undefined);
  }

  async addFiles(album: string, files: File[]) {
    const k = this.albumKeys.get(album);
    if (!k) throw new StorageError('no key for this album on this device');
    return this.#ingest.addFiles({ id: album as AlbumId, rawId: fromBase64Url(album), key: k.key, epoch: k.epoch }, files);
  }

  async removePhoto(album: string, photo: PhotoId): Promise<void> {
    const a = this.#album(album);
    const op = makeRemove(a.crdt, this.#author, await this.#nextSeq(album), PHOTOS, photo);
    await this.#appendAlbumOp(album, { body: op.body }, op.lamport);
    await this.index.setPhotoState(photo, 'removed');
    this.emit('changed', undefined);
  }

  async #fileKey(album: string, d: AddPhotoOp): Promise<Uint8Array> {
    const k = this.albumKeys.get(album);
    if (!k) throw new StorageError('no key for this album on this device');
    return this.crypto.unwrapFileKey(k.key, fromBase64Url(d.fileId), fromBase64Url(d.key));
  }

  /** The decrypted thumbnail (JPEG) or undefined while it has not arrived. */
  async thumbnail(album: string, photo: PhotoId): Promise<Blob | undefined> {
    const d = this.albums.get(album)?.descriptors.get(photo);
    if (!d) return undefined;
    const bytes = await this.store.get(d.thumb);
    if (!bytes) return undefined;
    const plain = await this.crypto.openObject(await this.#fileKey(album, d), 'thumbnail', bytes);
    return plain[0] === 0xff ? new Blob([plain as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }) : undefined;
  }

  async metadata(album: string, photo: PhotoId) {
    const d = this.albums.get(album)?.descriptors.get(photo);
    if (!d) return undefined;
    const bytes = await this.store.get(d.meta);
    return bytes ? this.crypto.openMetadata(await this.#fileKey(album, d), bytes) : undefined;
  }

  /** The original, decrypted chunk by chunk into a Blob (a File for download). */
  async original(album: string, photo: PhotoId): Promise<File> {
    const d = this.albums.get(album)?.descriptors.get(photo);
    if (!d) throw new StorageError('no such photo');
    const fileKey = await this.#fileKey(album, d);
    const meta = await this.metadata(album, photo);
    const list = await this.chunksOf(album, photo);
    await this.#fetchMissing(list);
    const store = this.store;
    async function* chunks() {
      for (const h of list) yield (await store.get(h))!;
    }
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for await (const p of this.crypto.decryptStream(fileKey, fromBase64Url(d.fileId), chunks(), { hashes: list })) parts.push(p as Uint8Array<ArrayBuffer>);
    return new File(parts, meta?.name ?? `${photo}.bin`, { type: meta?.mime ?? 'application/octet-stream' });
  }

  /**
   * Brings objects that are not on this device (a "save space" original, a photo still syncing)
   * from whichever peer holds them; fails with a retryable error if none answers in time.
   */
  async #fetchMissing(hashes: ObjectHash[], timeoutMs = 60_000): Promise<void> {
    const missing = new Set<ObjectHash>();
    for (const h of hashes) if (!(await this.store.has(h))) missing.add(h);
    if (missing.size === 0) return;
    const arrived = new Promise<void>((resolve) => {
      const off = this.node.engine.on('object', ({ hash }) => {
        missing.delete(hash);
        if (missing.size === 0) {
          off();
          resolve();
        }
      });
    });
    const results = await Promise.all([...missing].map((h) => this.node.engine.fetch(h)));
    for (const [i, h] of [...missing].entries()) if (results[i] === 'present') missing.delete(h);
    if (missing.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StorageError(`the original is not on this device and no connected device or home sent it (${missing.size} of ${hashes.length} parts missing)`, { retryable: true })), timeoutMs);
    });
    try {
      await Promise.race([arrived, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The chunk objects of a photo, from its manifest (fetched if needed, then remembered). */
  async chunksOf(album: string, photo: PhotoId): Promise<ObjectHash[]> {
    const cached = this.#chunkLists.get(photo);
    if (cached) return cached;
    const d = this.albums.get(album)?.descriptors.get(photo);
    if (!d) throw new StorageError('no such photo');
    await this.#fetchMissing([d.manifest]);
    const m = await this.crypto.openManifest(await this.#fileKey(album, d), fromBase64Url(d.fileId), (await this.store.get(d.manifest))!);
    this.#chunkLists.set(photo, m.chunks);
    return m.chunks;
  }

  /** Every object of a photo, or only its small ones while the manifest has not arrived. */
  async #hashesOf(album: string, photo: PhotoId): Promise<ObjectHash[]> {
    const small = this.albums.get(album)?.smallHashesOf(photo) ?? [];
    const d = this.albums.get(album)?.descriptors.get(photo);
    if (!d || !(await this.store.has(d.manifest))) return small;
    return [...small, ...(await this.chunksOf(album, photo))];
  }

  /** Relays that hold every object of the photo ("backed up on N homes"). */
  async backedUpOn(album: string, photo: PhotoId): Promise<number> {
    const hashes = await this.#hashesOf(album, photo);
    let common: Set<PeerId> | undefined;
    for (const h of hashes) {
      const { relays } = await this.node.engine.backedUpOn(h);
      common = common ? new Set(relays.filter((r) => common!.has(r))) : new Set(relays);
      if (common.size === 0) return 0;
    }
    return common?.size ?? 0;
  }

  /**
   * How many photos of the album no home holds whole (they exist only on devices), in one pass:
   * each relay's holdings are read once; a photo's chunk list is read only when some home holds
   * its small objects. `onProgress(done, total)` every 100 photos.
   */
  async notBackedUp(album: string, onProgress?: (done: number, total: number) => void): Promise<number> {
    const homes = [...(await this.node.engine.relayHoldings()).values()];
    const photos = this.photos(album);
    if (homes.length === 0) return photos.length;
    let only = 0;
    for (const [i, p] of photos.entries()) {
      const small = this.albums.get(album)?.smallHashesOf(p.photo) ?? [];
      let holders = homes.filter((h) => small.every((x) => h.has(x)));
      if (holders.length > 0) {
        const chunks = await this.#hashesOf(album, p.photo);
        holders = holders.filter((h) => chunks.every((x) => h.has(x)));
      }
      if (holders.length === 0) only++;
      if ((i + 1) % 100 === 0) onProgress?.(i + 1, photos.length);
    }
    return only;
  }

  async setSettings(s: VaultSettings): Promise<void> {
    this.settings = s;
    await this.index.setSetting('vault.settings', s);
  }

  /** "Save space": drop originals that at least K relays hold; they come back on demand. */
  async evictBackedUpOriginals(): Promise<{ evicted: number; kept: number }> {
    let evicted = 0;
    let kept = 0;
    if (this.settings.originals !== 'save-space') return { evicted, kept };
    for (const [albumId, a] of this.albums) {
      for (const d of a.photos()) {
        for (const h of await this.chunksOf(albumId, d.photo)) {
          if (!(await this.store.has(h))) continue;
          const { relays } = await this.node.engine.backedUpOn(h);
          if (relays.length >= this.settings.k) {
            await this.store.delete(h);
            evicted++;
          } else kept++;
        }
      }
    }
    return { evicted, kept };
  }

  /** Family members in the directory, with the safety words two people compare before sharing. */
  async members(): Promise<Array<{ identity: string; name: string; words: string[]; me: boolean; albums: number }>> {
    const mine = toBase64Url(await this.crypto.encodePublicIdentity(this.identity));
    const out = [];
    for (const m of this.directory.values()) {
      const pub = await this.crypto.decodePublicIdentity(fromBase64Url(m.identity));
      const box = toBase64Url(pub.boxPublic);
      out.push({
        identity: m.identity, name: m.name, words: await this.crypto.safetyWords(pub), me: m.identity === mine,
        albums: [...this.albumKeys.keys()].filter((a) => this.#sharedWith.get(a)?.has(box)).length,
      });
    }
    return out;
  }

  /** Seals every album key this device holds to a member (after the safety words matched). */
  async shareAlbumsWith(identity: string): Promise<number> {
    const pub = await this.crypto.decodePublicIdentity(fromBase64Url(identity));
    const to = toBase64Url(pub.boxPublic);
    let n = 0;
    for (const [album, k] of this.albumKeys) {
      if (this.#sharedWith.get(album)?.has(to)) continue;
      const sealed = await this.crypto.sealAlbumKey(pub.boxPublic, k.key, fromBase64Url(album), k.epoch);
      await this.appendVaultEntry({ t: 'album.key', album, epoch: k.epoch, to, sealed: toBase64Url(sealed) });
      n++;
    }
    this.emit('changed', undefined);
    return n;
  }

  photos(album: string): AddPhotoOp[] {
    return this.albums.get(album)?.photos() ?? [];
  }

  /** An invite for a home relay: the vault secret and who made it; nothing that decrypts. */
  async relayInvite(): Promise<string> {
    const inviter = await this.crypto.fingerprint(this.identity);
    return this.crypto.encodeInvite({ kind: 'relay', vaultSecret: this.#o.secrets.vaultSecret, inviter });
  }

  /** An invite for a family member's device (new member, or this member on a new device). */
  async memberInvite(): Promise<string> {
    const inviter = await this.crypto.fingerprint(this.identity);
    return this.crypto.encodeInvite({ kind: 'member', vaultSecret: this.#o.secrets.vaultSecret, memberSecret: this.#o.secrets.memberSecret, inviter });
  }
}
