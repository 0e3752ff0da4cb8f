/**
 * An unlocked vault on a family device: the member's identity and secrets in memory, storage
 * open, replication running. Everything the UI does goes through here: albums, adding photos,
 * thumbnails and originals (decrypted on demand, never stored in the clear), invites, status.
 */
import { fromBase64Url, releaseBytes, toBase64Url } from '../core/bytes.ts';
import { Emitter } from '../core/emitter.ts';
import { describeError, PolicyError, StorageError } from '../core/errors.ts';
import type { AlbumId, ObjectHash, PeerId, PhotoId } from '../core/ids.ts';
import type { CryptoApi, Identity, KeyBundleOptions, VaultKeys } from '../crypto/api-types.ts';
import { signOp, VAULT_LOG } from '../replication/op-envelope.ts';
import { makeAdd, makeRemove, makeSet } from '../replication/crdt.ts';
import type { OpEnvelope, ReplicationPolicy } from '../replication/ports.ts';
import type { VaultIndex } from '../storage/index-db.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { AlbumState, COVER, decodePayload, encodePayload, NAME, PHOTOS, type AlbumOpPayload } from './album-state.ts';
import type { DeviceSecrets } from './device-secrets.ts';
import { Ingest, type AddPhotoOp, type FileOutcome, type IngestAlbum, type MediaPort, type SealedFile } from './ingest.ts';
import { IdbReplicationStores } from '../storage/replication-stores.ts';
import { UploadSpool } from '../storage/upload-spool.ts';
import { registerShareInbox, SHARE_SEAL_ID } from './share-inbox.ts';
import { UploadQueue } from './upload-queue.ts';
import { dropSupersededBundles, replicationCrypto, startReplicationNode, storedVaultLog, type ReplicationNode, type ReplicationNodeOptions } from './replication-node.ts';
import { AlbumSnapshots, HEAD_SIZE, type HeadEntry, type OpenedOp } from './album-snapshot.ts';
import { assertStrongPassphrase } from './passphrase-strength.ts';
import { Authority } from './authority/authority.ts';
import { signKeyOf, signStatement, type Cut, type InviteRole, type MemberRole, type StatementBody } from './authority/statement.ts';
import { Family, type MemberView } from './family.ts';
import { currentRecipients, newestGeneration, openKeyring, rotationBody, rotationDue, type Keyring } from './authority/rotation.ts';
import type { EnrolmentNote } from '../transport/signal-client.ts';
import { clearServerCode, pendingServerCode } from './server-code.ts';
import { yieldToMain } from '../core/yield.ts';
import { expired, mayRemove, trashRegister } from './trash.ts';
import { countNotBackedUp } from './backup-count.ts';

/** Ops of an album snapshot applied in one task while the library is replayed behind the first screen. */
const REPLAY_SLICE = 1000;
/** How long, in all, that replay may wait for thumbnails being read (#thumbnailsIdle). */
const REPLAY_WAIT_MS = 1500;
/** Chunks are 1 MiB envelopes; anything smaller is a thumbnail, manifest, metadata or bundle. */
const SMALL_OBJECT = 1024 * 1024;

export interface VaultSettings {
  /** 'all' keeps originals; 'save-space' evicts an original once `k` relays hold it. */
  originals: 'all' | 'save-space';
  k: number;
}

export interface VaultEvents extends Record<string, unknown> {
  /** Albums, photos, members or the trash changed. */
  changed: void;
  /** An object (a thumbnail, metadata, an original) arrived from a peer: what shows it may redraw. */
  object: void;
  status: void;
}

export interface PhotoView {
  id: PhotoId;
  album: AlbumId;
  thumb: ObjectHash;
  hasThumb: boolean;
}

export interface HomeCheck {
  lastPassedAt?: number;
  lastFailedAt?: number;
}

export interface HomeView {
  device: string;
  name: string;
  revoked: boolean;
  connected: boolean;
  check?: HomeCheck;
  /** When this device last had it connected (now, while it is). */
  lastSeenAt?: number;
  /** Encrypted objects it holds, as it last told this device (its inventory). */
  held?: number;
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
  /** Argon2 settings for a new passphrase (tests pass weak ones). */
  kdf?: KeyBundleOptions;
  /** Replication settings (tests only; the defaults are the product's). */
  engineConfig?: ReplicationNodeOptions['engineConfig'];
}

/** Album ops opened at once by #apply. */
const OPEN_AT_ONCE = 128;

export class VaultSession extends Emitter<VaultEvents> {
  readonly crypto: CryptoApi;
  readonly index: VaultIndex;
  readonly store: ObjectStore;
  /** The current generation's vault keys (room, handshake); they change when the family rotates. */
  keys: VaultKeys;
  /** This vault's local storage name (from the invite's secret; it never changes). */
  readonly vaultId: string;
  readonly identity: Identity;
  readonly albums = new Map<string, AlbumState>();
  node!: ReplicationNode;
  authority!: Authority;
  family!: Family;
  /** What home relays say of themselves (name, full and why), by peer id. */
  readonly peerStatus = new Map<string, { name?: string; full?: boolean; reason?: string; at: number }>();
  /** What the signal server last said about enrolling this family's current room (undefined: it does not enrol families). */
  serverEnrolment: EnrolmentNote | undefined;
  settings: VaultSettings = { originals: 'all', k: 2 };
  readonly #o: SessionOptions;
  readonly #author: string;
  #pending: OpEnvelope[] = [];
  #snapshots!: AlbumSnapshots;
  /** Thumbnails being read and opened now, and who waits for none to be (the library replay). */
  #thumbsLoading = 0;
  #thumbsIdle: Array<() => void> = [];
  #replayWaitLeft = REPLAY_WAIT_MS;
  /** Settles when the whole stored library is applied (unlock shows the timeline head before). */
  #restored: Promise<void> = Promise.resolve();
  /** True while the stored library is still being read behind the first screen. */
  restoring = false;
  #loadedHead: HeadEntry[] | undefined;
  /** photo → its chunk hashes, read from the sealed manifest once. */
  #chunkLists = new Map<PhotoId, ObjectHash[]>();
  #seqs: Map<string, number> | undefined;
  #ingest!: Ingest;
  #spool: UploadSpool | undefined;
  #uploads!: UploadQueue;
  #keyring!: Keyring;
  /** Roster size when this admin last checked for a due rotation (so each change is looked at once). */
  #dutyChecked = -1;
  #duties: Promise<void> | undefined;
  #writes: Promise<unknown> = Promise.resolve();
  #dutiesAgain = false;
  /** A family device refused this one at the handshake as revoked (or its member removed). */
  #refusedAsRevoked = false;

  constructor(o: SessionOptions) {
    super();
    this.#o = o;
    this.crypto = o.crypto;
    this.index = o.index;
    this.store = o.store;
    this.keys = o.keys;
    this.vaultId = o.keys.vaultId;
    this.identity = o.identity;
    this.#author = toBase64Url(o.secrets.device.publicKey);
  }

  get peerId(): PeerId {
    return this.#o.secrets.peerId as PeerId;
  }
  /** This device's signing key (base64url): the author of its ops. */
  get deviceKey(): string {
    return this.#author;
  }
  /**
   * This device is no longer allowed in the family (a lost phone revoked, or its member removed):
   * the family's log says so, or a family device refused it at the handshake as revoked (a phone
   * that was offline when it was revoked never gets the revocation itself, only refusals). It
   * then receives and sends nothing; the screens say so rather than "waiting to sync".
   */
  get revokedHere(): boolean {
    const r = this.authority.roster();
    return this.#refusedAsRevoked || (r.devices.has(this.#author) && !r.deviceOwner(this.#author));
  }
  /** The generation of the vault secret this device talks in (0 until the first rotation). */
  get generation(): number {
    return this.#keyring.gens[0]!.gen;
  }
  get ingest(): Ingest {
    return this.#ingest;
  }
  /** Picked files on their way to being photos; they survive a reload (upload-queue.ts). */
  get uploads(): UploadQueue {
    return this.#uploads;
  }
  /** This member's albums (those whose key they hold). */
  get albumIds(): string[] {
    return this.family.albums();
  }

  async start(): Promise<void> {
    // Phases of unlock as User Timing marks (bench unlock-100k reads them; they cost nothing).
    performance.mark('fv:session-start');
    const member = await this.crypto.deriveMemberKeys(this.#o.secrets.memberSecret);
    const log = (l: string) => console.info(l);
    const pin = await this.index.getSetting<{ inviteKey: string; inviter: string }>('authority.pin');
    const genesis = await this.index.getSetting<string>('authority.genesis');
    this.authority = new Authority({
      crypto: this.crypto, log,
      ...(genesis ? { genesis } : {}),
      ...(pin ? { pinBy: { inviteKey: pin.inviteKey, inviterFingerprint: fromBase64Url(pin.inviter) } } : {}),
      onPinned: (g) => this.index.setSetting('authority.genesis', g),
      onRefused: (what, why) => {
        this.family?.notice(`refused:${what}:${why}`, `Someone who is not allowed to tried to make a ${what}; every device refused it (${why}). Nothing was changed.`);
        this.emit('changed', undefined);
      },
    });
    // A device that stops being allowed (removed, revoked) is disconnected at once.
    this.authority.onChange(() => this.node?.engine.policyChanged());
    // The stored vault log first, so the first peer's ops are judged against the roster we had,
    // and this device talks in the newest generation's room it holds.
    await this.authority.load(await storedVaultLog(new IdbReplicationStores(this.index)));
    performance.mark('fv:authority-loaded');
    this.#keyring = await this.#openKeyring();
    this.keys = this.#keyring.gens[0]!.keys;
    this.family = new Family({
      crypto: this.crypto, identity: this.identity, directoryKeys: await this.#directoryKeys(), authority: this.authority, log,
      publish: (body) => this.publish(body),
    });
    this.#ingest = new Ingest({
      crypto: this.crypto, store: this.store, index: this.index, media: this.#o.media,
      dedupKey: member.dedupKey, recordOp: (album, op) => this.#recordPhoto(album, op),
    });
    this.#spool = await UploadSpool.open(this.vaultId);
    this.#uploads = new UploadQueue({
      crypto: this.crypto, spool: this.#spool, store: this.store, log,
      keys: { current: (a) => this.family.currentEpoch(a), ofEpoch: (a, epoch) => this.family.key(a, epoch) },
      ingest: (album, file, sealed) => this.#ingestOne(album, file, sealed),
      prepare: (file) => this.#ingest.prepare(file),
      openSharedKey: async (sealed) => (await this.crypto.openAlbumKey(this.identity.boxSecret, sealed, { albumId: SHARE_SEAL_ID, epoch: 0 })).albumKey,
    });
    this.settings = (await this.index.getSetting<VaultSettings>('vault.settings')) ?? this.settings;
    const policy: ReplicationPolicy = {
      authorizePeer: (p) => this.authority.authorizeDevice(p.deviceKey, p.credential),
      isAuthorAllowed: (_log, _author, op) => this.authority.admit(op),
      countsAsHome: (deviceKey) => this.authority.isHome(deviceKey),
      wantObject: (h, size) => !this.authority.roster().supersededBundles.has(h) && (this.settings.originals === 'all' || size < SMALL_OBJECT),
    };
    const credential = await this.index.getSetting<Uint8Array>('authority.credential');
    this.node = await startReplicationNode({
      role: 'member', peerId: this.peerId, keys: this.keys, extraRooms: this.#keyring.gens.slice(1).map((g) => g.keys), device: this.#o.secrets.device, signalUrl: this.#o.signalUrl,
      crypto: this.crypto, store: this.store, index: this.index, policy,
      ...(credential ? { credential } : {}),
      enrolCode: pendingServerCode,
      onEnrolment: (note, room) => this.#serverSaid(note, room),
      ...(this.#o.iceTransportPolicy ? { iceTransportPolicy: this.#o.iceTransportPolicy } : {}),
      ...(this.#o.iceTimeoutMs ? { iceTimeoutMs: this.#o.iceTimeoutMs } : {}),
      ...(this.#o.engineConfig ? { engineConfig: this.#o.engineConfig } : {}),
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
    performance.mark('fv:node-started');
    // Ops that arrive from now on are applied after the stored library, once each: an op the
    // vector read below counts is replayed with the library, any later one comes through here.
    // (Listening only after the library was read lost the ops a restoring device's relay sent
    // meanwhile: 10,000 photos, 1,351 shown until the next unlock.)
    let restoredNow!: () => void;
    this.#restored = new Promise<void>((r) => (restoredNow = r));
    let stored: Map<string, Map<string, number>> | undefined = undefined;
    const early: OpEnvelope[][] = [];
    const arrived = (ops: OpEnvelope[]) => {
      const fresh = ops.filter((o) => o.seq > (stored!.get(o.log)?.get(o.author) ?? 0));
      if (fresh.length) {
        void this.#restored.then(() => this.#apply(fresh)).then(() => this.emit('changed', undefined))
          .catch((e: unknown) => console.warn(`vault: arriving changes could not be applied (${describeError(e)})`));
      }
    };
    // Local ops are applied by #append itself (awaited), so only remote ones come through here.
    this.node.engine.on('ops', ({ ops, from }) => {
      if (from === 'local') return;
      if (stored) arrived(ops);
      else early.push(ops);
    });
    // Everything stored so far (the snapshot, then the ops after it), then whatever arrives.
    this.#snapshots = new AlbumSnapshots({ crypto: this.crypto, identity: this.identity, index: this.index, log, head: () => this.#timelineHead() });
    const head = await this.#snapshots.loadHead();
    this.#loadedHead = head;
    stored = await this.node.stores.opVector();
    for (const ops of early.splice(0)) arrived(ops);
    const inLog = (album: string, op: OpenedOp) => op.s <= (stored.get(album)?.get(op.a) ?? 0);
    if (head) {
      // The newest photos first (judged like any op, and only ops the log holds), the first screens from them; the rest behind.
      await this.family.refresh();
      for (const h of head) if (this.family.key(h.album, h.op.e) && inLog(h.album, h.op)) this.#applyOpened(h.album, h.op);
      performance.mark('fv:head-applied');
      this.restoring = true;
      // Never rejects: whatever could not be read, changes and arriving ops go on from what was.
      void this.#thumbnailsIdle(300, true).then(() => this.#restoreAlbums(stored))
        .catch((e: unknown) => console.warn(`vault: the library could not be read in full (${describeError(e)})`))
        .finally(() => {
          this.restoring = false;
          performance.mark('fv:albums-restored');
          restoredNow();
          this.emit('changed', undefined);
        });
    } else {
      await this.#restoreAlbums(stored);
      performance.mark('fv:albums-restored');
      restoredNow();
    }
    // A repair (photos committed whose op was never recorded): it reads this device's photo
    // records, so it runs behind the first screen rather than before it.
    void this.#restored.then(() => this.#recordMissingOps()).catch((e: unknown) => console.warn(`vault: could not announce photos kept on this device (${describeError(e)})`));
    // Not 'changed': the photo list is the same, and re-listing 10,000 photos for each of a
    // restore's 20,000 arrivals took a third of the main thread.
    this.node.engine.on('object', () => this.emit('object', undefined));
    const dropBundles = () => void dropSupersededBundles(this.store, this.authority.roster().supersededBundles, (l) => console.info(l))
      .catch((e: unknown) => console.warn(`vault: could not delete a replaced key bundle (${describeError(e)})`));
    this.authority.onChange(dropBundles);
    dropBundles();
    for (const e of ['peer-open', 'peer-closed', 'ack', 'job'] as const) this.node.engine.on(e, () => this.emit('status', undefined));
    this.node.engine.on('peer-refused', ({ by, reason }) => {
      if (by !== 'remote' || reason !== 'revoked-device' || this.#refusedAsRevoked) return;
      this.#refusedAsRevoked = true;
      this.emit('status', undefined);
      this.emit('changed', undefined);
    });
    // When each home was last connected, for Devices & homes ("last seen").
    this.node.engine.on('peer-open', ({ peerId }) => void this.#homeSeen(peerId).catch(() => undefined));
    this.node.engine.on('peer-closed', ({ peerId }) => void this.#homeSeen(peerId).catch(() => undefined));
    // Files an earlier page queued (a reload mid-upload) become photos now.
    void this.#uploads.resume().catch((e: unknown) => console.warn(`vault: could not resume the upload queue (${describeError(e)})`));
    // Files shared to the app while it is locked are sealed for this member, into this vault's spool.
    void registerShareInbox(this.vaultId, this.identity.boxPublic).catch((e: unknown) => console.warn(`vault: sharing to the app may not reach this vault (${describeError(e)})`));
  }

  /** The signal server's word on enrolment: a used or refused code is dropped (docs/signal-server.md "Enrolment"). */
  #serverSaid(note: EnrolmentNote, room: string): void {
    if (note.status === 'enrolled' && note.by === 'code') clearServerCode();
    if (note.status === 'refused' && note.reason.startsWith('bad-enrol-code')) clearServerCode();
    if (room !== this.node?.roomId) return;
    this.serverEnrolment = note;
    this.emit('status', undefined);
  }

  /** Whether the signal server refuses this family until its admin's code is entered. */
  get needsServerCode(): boolean {
    const n = this.serverEnrolment;
    return n !== undefined && n.status !== 'enrolled';
  }

  /** Tries the signal server again now (after a server code was entered) rather than at the next backoff. */
  reconnectSignal(): void {
    this.node.signal.stop();
    this.node.signal.start();
  }

  async stop(): Promise<void> {
    // The file in progress is finished; the rest of the queue waits in the spool for the next unlock.
    await this.#uploads?.stop();
    this.#spool?.close();
    await this.#duties;
    await this.#restored;
    await this.#snapshots?.flush().catch((e: unknown) => console.warn(`vault: the album snapshot was not saved (${describeError(e)}); the next unlock opens more ops`));
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
    for (const album of this.family.albums()) {
      const k = this.family.currentEpoch(album)!;
      for (const rec of await this.index.photosInAlbum(album as AlbumId)) {
        if (rec.state !== 'active' || this.albums.get(album)?.descriptors.has(rec.id)) continue;
        // A member who may not write (a viewer now) keeps the photo here; the family never gets its op.
        if (this.family.myRole() === 'viewer' || this.family.myRole() === 'removed') continue;
        try {
          await this.#recordPhoto({ id: album as AlbumId, rawId: fromBase64Url(album), key: k.key, epoch: k.epoch }, {
            t: 'photo.add', photo: rec.id, fileId: toBase64Url(rec.fileId), key: toBase64Url(rec.wrappedKey), epoch: rec.epoch,
            manifest: rec.objects.manifest, thumb: rec.objects.thumb, meta: rec.objects.meta,
          });
        } catch (e) {
          if (!(e instanceof PolicyError)) throw e;
          console.warn(`vault: a photo kept on this device was not announced (${describeError(e)})`);
        }
      }
    }
  }

  #openKeyring(): Promise<Keyring> {
    return openKeyring(this.crypto, this.authority.roster(), { box: toBase64Url(this.identity.boxPublic), boxSecret: this.identity.boxSecret },
      { vaultSecret: this.#o.secrets.vaultSecret, memberSecret: this.#o.secrets.memberSecret }, (l) => console.warn(l));
  }

  async #directoryKeys(): Promise<Uint8Array[]> {
    const out = [];
    for (const m of this.#keyring.memberSecrets) out.push((await this.crypto.deriveMemberKeys(m.secret)).directoryKey);
    return out;
  }

  /**
   * After the roster changed: open any new generation sealed to this member, talk in its room,
   * and seal under its directory key. Earlier rooms stay joined: there a peer that has not moved
   * yet (offline through the rotation) still gets it; honest peers there refuse removed devices.
   */
  async #rekey(): Promise<void> {
    if (this.authority.genesis === undefined) return;
    const k = await this.#openKeyring();
    const changed = k.gens.length !== this.#keyring.gens.length || k.gens[0]!.gen !== this.#keyring.gens[0]!.gen;
    this.#keyring = k;
    this.family.setDirectoryKeys(await this.#directoryKeys());
    if (changed) {
      this.keys = k.gens[0]!.keys;
      console.info(`vault: the family rotated its secrets (generation ${k.gens[0]!.gen}); talking in the new room`);
      this.node?.setRooms(k.gens.map((g) => g.keys));
    }
  }

  /**
   * What an admin's device does when it sees the roster: start a new generation when someone was
   * removed or revoked without one, or give a generation to whoever joined without it.
   */
  #scheduleDuties(): void {
    if (this.#duties) {
      this.#dutiesAgain = true;
      return;
    }
    this.#duties = (async () => {
      do {
        this.#dutiesAgain = false;
        try {
          await this.#adminDuties();
        } catch (e) {
          console.warn(`vault: a rotation could not be published now (${describeError(e)}); tried again on the next change`);
        }
      } while (this.#dutiesAgain);
      this.#duties = undefined;
    })();
  }

  /** Runs the admin duties for what is applied now, and waits until they are done. */
  async #dutiesDone(): Promise<void> {
    this.#scheduleDuties();
    while (this.#duties) await this.#duties;
  }

  async #adminDuties(): Promise<void> {
    const r = this.authority.roster();
    // A revoked device of an admin has no duties: whatever it published would be refused (and
    // its own refusal was shown as someone not allowed trying to change the vault).
    if (this.family.myRole() !== 'admin' || this.revokedHere || this.#dutyChecked === r.applied.size) return;
    this.#dutyChecked = r.applied.size;
    const due = rotationDue(r);
    if (due.rotate) {
      await this.#rotate();
      return;
    }
    for (const [gen, to] of due.missing) {
      const g = this.#keyring.gens.find((x) => x.gen === gen);
      const member = this.#keyring.memberSecrets.find((x) => x.gen === gen);
      if (!g || !member || to.length === 0) continue;
      await this.publish(await rotationBody(this.crypto, gen, { vaultSecret: g.vaultSecret, memberSecret: member.secret }, to));
    }
  }

  /** A new generation of the vault and member secrets for the current members and homes only. */
  async #rotate(): Promise<void> {
    const r = this.authority.roster();
    const gen = newestGeneration(r) + 1;
    const secrets = { vaultSecret: await this.crypto.newVaultSecret(), memberSecret: await this.crypto.newMemberSecret() };
    await this.publish(await rotationBody(this.crypto, gen, secrets, currentRecipients(r)));
    this.#dutyChecked = this.authority.roster().applied.size;
  }

  /**
   * The albums as stored: each album's snapshot replayed (album-snapshot.ts: ops opened before,
   * judged again against the roster of now), then the stored ops after its coverage opened one
   * by one. Unlock so reads what changed since the last session, not the whole library.
   */
  async #restoreAlbums(stored: Map<string, Map<string, number>>): Promise<void> {
    await this.family.refresh();
    const covered = new Map<string, Map<string, number>>();
    // One album at a time, a task each: the first screen's thumbnails, asked of the same crypto
    // worker meanwhile, wait behind one album's snapshot at most, not behind the whole library.
    for (const album of this.family.albums()) {
      await this.#thumbnailsIdle(250);
      const snap = await this.#snapshots.load(album);
      if (!snap) continue;
      // A key the snapshot names that this member no longer holds: the ops from the log decide.
      // A snapshot that knows ops the log does not hold (ops lost or rolled back since) would
      // keep a photo here that no other device will ever hear of: the log decides.
      if (snap.ops.some((o) => !this.family.key(album, o.e)) || [...snap.covered].some(([a, seq]) => seq > (stored.get(album)?.get(a) ?? 0))) {
        this.#snapshots.discard(album);
        continue;
      }
      this.#snapshots.adopt(snap);
      covered.set(album, snap.covered);
      // A task per 1,000 ops: the screen stays responsive while a large library is read (an
      // album of 5,000 photos applied at once was a 100 ms task).
      for (let i = 0; i < snap.ops.length; i += REPLAY_SLICE) {
        for (const op of snap.ops.slice(i, i + REPLAY_SLICE)) this.#applyOpened(album, op);
        await yieldToMain();
      }
    }
    performance.mark('fv:snapshot-replayed');
    const stores = this.node.stores;
    const rest: OpEnvelope[] = [];
    for (const [log, authors] of stored) {
      if (log === VAULT_LOG) continue;
      for (const [author, max] of authors) {
        const from = covered.get(log)?.get(author) ?? 0;
        if (max > from) rest.push(...(await stores.opsSince(log, author, from, 1e9)));
      }
    }
    await this.#apply(rest);
  }

  /**
   * Album ops are opened with the key of their epoch and applied if their author may make them
   * (family.writerOf; a remove only by the photo's adder or an admin). Ops whose key has not
   * arrived wait. Vault-log statements were taken by the authority when they were admitted.
   */
  #apply(ops: OpEnvelope[]): Promise<void> {
    // One batch at a time. Run side by side, a batch whose album key was not there yet put its
    // ops back in #pending after the batch bringing the key had already taken #pending: those
    // photos stayed unshown until some later op arrived (a restore: none ever did).
    const run = this.#applying.then(() => this.#applyNow(ops));
    this.#applying = run.catch(() => undefined);
    return run;
  }

  #applying: Promise<unknown> = Promise.resolve();

  async #applyNow(ops: OpEnvelope[]): Promise<void> {
    const vaultChanged = ops.some((o) => o.log === VAULT_LOG);
    if (vaultChanged) await this.#rekey();
    await this.family.refresh();
    if (vaultChanged) this.#scheduleDuties();
    const rest = [...this.#pending, ...ops.filter((o) => o.log !== VAULT_LOG)];
    this.#pending = [];
    // Opened OPEN_AT_ONCE at a time (the crypto worker pipelines them; one after another, a
    // restoring device's 10,000 ops were 20,000 round trips in a row), applied in their order.
    type Opened = { op: OpEnvelope; epoch?: number; payload?: Uint8Array; skip?: 'no-key' | 'not-writer'; error?: unknown };
    const open = async (op: OpEnvelope): Promise<Opened> => {
      try {
        const header = await this.crypto.parseOp(op.ciphertext);
        const key = this.family.key(op.log, header.epoch);
        if (!key) return { op, skip: 'no-key' };
        if (!this.family.writerOf(op.log, op.author, op.seq)) return { op, skip: 'not-writer' };
        const { payload } = await this.crypto.openOp(key, op.ciphertext, fromBase64Url(op.author));
        return { op, epoch: header.epoch, payload };
      } catch (error) {
        return { op, error };
      }
    };
    for (let i = 0; i < rest.length; i += OPEN_AT_ONCE) {
      for (const r of await Promise.all(rest.slice(i, i + OPEN_AT_ONCE).map(open))) {
        const { op } = r;
        if (r.skip === 'no-key') {
          this.#pending.push(op);
          continue;
        }
        if (r.skip === 'not-writer') {
          console.warn(`vault: ignored an album op by ${op.author.slice(0, 8)}… (not a writer of this album when it was made)`);
          continue;
        }
        if (r.error !== undefined || !r.payload) {
          console.warn(`vault: dropped an album op that did not open (${describeError(r.error)})`);
          continue;
        }
        try {
          const p = decodePayload(r.payload);
          if (!p) {
            this.#snapshots.unusable(op.log, op.author, op.seq);
            continue;
          }
          const opened: OpenedOp = { a: op.author, s: op.seq, l: op.lamport, e: r.epoch!, p };
          this.#snapshots.opened(op.log, opened);
          this.#applyOpened(op.log, opened);
        } catch (err) {
          console.warn(`vault: dropped an album op that did not open (${describeError(err)})`);
        }
      }
    }
    for (const id of this.family.albums()) this.#album(id);
  }

  /**
   * An opened album op applied if its author may make it now (family.writerOf; a remove only by
   * the photo's adder or an admin): the same judgement for an op just opened and for one
   * replayed from the snapshot.
   */
  #applyOpened(album: string, op: OpenedOp): void {
    const writer = this.family.writerOf(album, op.a, op.s);
    if (!writer) {
      console.warn(`vault: ignored an album op by ${op.a.slice(0, 8)}… (not a writer of this album when it was made)`);
      return;
    }
    const a = this.#album(album);
    // A removal, or a trash mark, of another member's photo: only by its adder or an admin.
    if (!a.mayApply(op.p.body, writer)) {
      console.warn(`vault: ignored a change to another member's photo by ${op.a.slice(0, 8)}…`);
      return;
    }
    a.apply(op.a, op.s, op.l, op.p, writer.sign);
  }

  /** The newest photos' ops across every album (by date taken), for the snapshot's timeline head. */
  #timelineHead(): HeadEntry[] {
    // While the library is still being read, the state is partial: the head loaded stays the head.
    if (this.restoring) return this.#loadedHead ?? [];
    const all: Array<{ taken: number; album: string; d: AddPhotoOp; from: readonly [number, string, number] }> = [];
    for (const [album, a] of this.albums) {
      // Not what is in the trash: its marks are not applied until the whole library is.
      const trashed = this.trashed(album);
      for (const d of a.photos()) {
        if (trashed.has(d.photo)) continue;
        const from = a.opOf(d.photo);
        if (from) all.push({ taken: d.taken ?? 0, album, d, from });
      }
    }
    all.sort((x, y) => y.taken - x.taken);
    return all.slice(0, HEAD_SIZE).map(({ album, d, from: [l, a, s] }) => ({
      album, op: { a, s, l, e: d.epoch, p: { body: { kind: 'add', set: PHOTOS, element: d.photo }, photo: d } },
    }));
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

  /** Signs a statement with this member's identity and appends it to the vault log. */
  async publish(body: StatementBody): Promise<void> {
    const g = this.authority.genesis;
    if (g === undefined && body.t !== 'genesis') throw new StorageError('this device has not found its family yet (no peer has answered)', { retryable: true });
    const bytes = await signStatement(this.crypto, { secretKey: this.identity.signSecret, publicKey: this.identity.signPublic }, body.t === 'genesis' ? '' : g!, body);
    await this.appendVaultBytes(bytes);
  }

  /** Appends signed statement bytes (the genesis, or one signed with another key) to the vault log. */
  async appendVaultBytes(bytes: Uint8Array): Promise<void> {
    // The authority has seen every vault-log op (stored, received, ours): its clock is the log's.
    await this.#serial(() => this.#append(VAULT_LOG, this.authority.nextLamport, bytes));
  }

  /**
   * One append at a time in this tab: each takes the next sequence number of its log, and two at
   * once (an add and a delete) would take the same one and the second be refused as equivocation.
   * (Other tabs: AppController holds the vault's Web Lock, so only one tab writes.)
   */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(fn);
    this.#writes = run.catch(() => undefined);
    return run;
  }

  #appendAlbumOp(album: string, payload: AlbumOpPayload, lamport: number): Promise<void> {
    return this.#serial(() => this.#appendAlbumOpNow(album, payload, lamport));
  }

  async #appendAlbumOpNow(album: string, payload: AlbumOpPayload, lamport: number): Promise<void> {
    const k = this.family.currentEpoch(album);
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
    if (r.error !== undefined) throw new StorageError(`this change could not be saved on this device (${describeError(r.error)})`, { retryable: true });
    if (r.rejected.length) throw new PolicyError(`the family's rules refused this change (${r.rejected.map((x) => x.reason).join(', ')})`);
    const seqs = await this.#lastSeqs();
    seqs.set(log, Math.max(seqs.get(log) ?? 0, seq));
    await this.#apply(r.accepted);
  }

  // ── albums and photos ────────────────────────────────────────────────────────────────

  async createAlbum(name: string): Promise<string> {
    await this.#restored; // an op made from the album's state needs all of it (the clock, what a remove observes)
    const rawId = await this.crypto.newAlbumId();
    const id = toBase64Url(rawId);
    await this.family.createAlbum(id, await this.crypto.newAlbumKey());
    this.#album(id);
    await this.renameAlbum(id, name);
    return id;
  }

  async renameAlbum(album: string, name: string): Promise<void> {
    await this.#restored; // an op made from the album's state needs all of it (the clock, what a remove observes)
    const a = this.#album(album);
    const seq = await this.#nextSeq(album);
    const op = makeSet(a.crdt, this.#author, seq, NAME, name);
    await this.#appendAlbumOp(album, { body: op.body }, op.lamport);
    this.emit('changed', undefined);
  }

  /** Leaves an album (family.leaveAlbum): gone from this member's albums; the family keeps it. */
  async leaveAlbum(album: string): Promise<void> {
    await this.family.leaveAlbum(album);
    this.emit('changed', undefined);
  }

  /** Makes a photo of the album its cover, for the whole family (a last-writer-wins register). */
  async setCover(album: string, photo: PhotoId): Promise<void> {
    const a = this.#album(album);
    if (!a.holds(photo)) throw new StorageError('that photo is not in this album');
    const op = makeSet(a.crdt, this.#author, await this.#nextSeq(album), COVER, photo);
    await this.#appendAlbumOp(album, { body: op.body }, op.lamport);
    this.emit('changed', undefined);
  }

  async #recordPhoto(album: IngestAlbum, photo: AddPhotoOp): Promise<void> {
    await this.#restored; // an op made from the album's state needs all of it (the clock, what a remove observes)
    const a = this.#album(album.id);
    const op = makeAdd(a.crdt, this.#author, await this.#nextSeq(album.id), PHOTOS, photo.photo);
    await this.#appendAlbumOp(album.id, { body: op.body, photo }, op.lamport);
    this.node.engine.objectsChanged();
    this.emit('changed', undefined);
  }

  /**
   * Adds photos whose objects are already stored to an album: one signed, sealed op each,
   * appended as one batch (another album's photos with their file keys wrapped again for this
   * one, an import). Each descriptor's key must be wrapped under this album's current epoch.
   */
  async recordPhotos(album: string, photos: AddPhotoOp[]): Promise<void> {
    await this.#restored;
    if (this.family.myRole() === 'viewer' || this.family.myRole() === 'removed') throw new PolicyError('you can look at this album but not add to it');
    await this.#serial(async () => {
      const k = this.family.currentEpoch(album);
      if (!k) throw new StorageError('no key for this album on this device');
      const seqs = await this.#lastSeqs();
      let seq = seqs.get(album) ?? 0;
      let lamport = this.#album(album).crdt.clock;
      const opened = new Map<number, OpenedOp>();
      const signer = replicationCrypto(this.crypto, this.#o.secrets.device);
      // Sealed and signed all at once: the worker takes them back to back, no round trip between.
      const ops = await Promise.all(photos.map(async (photo) => {
        const op = { a: this.#author, s: ++seq, l: ++lamport, e: k.epoch, p: { body: { kind: 'add', set: PHOTOS, element: photo.photo }, photo: { ...photo, epoch: k.epoch } } } satisfies OpenedOp;
        opened.set(op.s, op);
        const ciphertext = await this.crypto.sealOp({
          albumId: fromBase64Url(album), epoch: k.epoch, albumKey: k.key, authorSecret: this.#o.secrets.device.secretKey, seq: op.s, payload: encodePayload(op.p),
        });
        return signOp(signer, { log: album, author: this.#author, seq: op.s, lamport: op.l, ciphertext });
      }));
      const r = await this.node.engine.addLocalOps(ops);
      for (const op of r.accepted) {
        seqs.set(album, Math.max(seqs.get(album) ?? 0, op.seq));
        const o = opened.get(op.seq)!;
        this.#snapshots.opened(album, o);
        this.#applyOpened(album, o);
      }
      if (r.error !== undefined) throw new StorageError(`these photos could not be saved on this device (${describeError(r.error)})`, { retryable: true });
      if (r.rejected.length) throw new PolicyError(`the family's rules refused ${r.rejected.length} of these photos (${r.rejected[0]!.reason})`);
    });
    this.node.engine.objectsChanged();
    this.emit('changed', undefined);
  }

  /** Queues files for the album (saved encrypted first, so a reload loses none); resolves with each one's outcome. */
  async addFiles(album: string, files: File[]): Promise<FileOutcome[]> {
    const k = this.family.currentEpoch(album);
    if (!k) throw new StorageError('no key for this album on this device');
    if (this.family.myRole() === 'viewer') throw new PolicyError('you can look at this album but not add to it (your role is viewer)');
    return this.#uploads.add(album, files);
  }

  /** One queued file through the ingest pipeline, with the album's key of now. */
  async #ingestOne(album: string, file: File, sealed?: SealedFile): Promise<FileOutcome> {
    const k = this.family.currentEpoch(album);
    if (!k) return { name: file.name, status: 'failed', reason: 'no key for this album on this device', retryable: false };
    const role = this.family.myRole();
    if (role === 'viewer' || role === 'removed') return { name: file.name, status: 'refused', reason: `you can look at this album but not add to it (your role is ${role})` };
    const [outcome] = await this.#ingest.addFiles({ id: album as AlbumId, rawId: fromBase64Url(album), key: k.key, epoch: k.epoch }, [file], [sealed]);
    return outcome!;
  }

  async removePhoto(album: string, photo: PhotoId): Promise<void> {
    await this.#restored; // an op made from the album's state needs all of it (the clock, what a remove observes)
    const a = this.#album(album);
    const op = makeRemove(a.crdt, this.#author, await this.#nextSeq(album), PHOTOS, photo);
    await this.#appendAlbumOp(album, { body: op.body }, op.lamport);
    await this.index.setPhotoState(photo, 'removed');
    this.emit('changed', undefined);
  }

  /**
   * Adds photos of other albums to `target` without uploading them again: each file key is
   * unwrapped with its album's key and wrapped under the target's current epoch; the objects
   * (manifest, thumbnail, metadata, chunks) are the same. Photos already there are skipped.
   * Returns how many were added.
   */
  async addToAlbum(target: string, photos: Array<{ album: string; photo: PhotoId }>): Promise<number> {
    const k = this.family.currentEpoch(target);
    if (!k) throw new StorageError('no key for this album on this device');
    const there = this.albums.get(target);
    const inTrash = this.trashed(target);
    const seen = new Set<PhotoId>();
    const add: AddPhotoOp[] = [];
    // One that is in the target's trash comes back out of it rather than being added again.
    const restore: Array<{ album: string; photo: PhotoId }> = [];
    for (const { album, photo } of photos) {
      if (album === target || seen.has(photo)) continue;
      seen.add(photo);
      if (there?.holds(photo)) {
        if (inTrash.has(photo) && this.mayRemove(target, photo)) restore.push({ album: target, photo });
        continue;
      }
      const d = this.albums.get(album)?.descriptors.get(photo);
      if (!d) continue;
      const fileId = fromBase64Url(d.fileId);
      const wrapped = await this.crypto.wrapFileKey(k.key, k.epoch, fileId, await this.#fileKey(album, d));
      add.push({ ...d, key: toBase64Url(wrapped), epoch: k.epoch });
    }
    if (add.length) await this.recordPhotos(target, add);
    if (restore.length) await this.restorePhotos(restore);
    return add.length + restore.length;
  }

  /** The albums this member reads that hold the photo (out of the trash): a photo added to a second album is in both. */
  albumsWith(photo: PhotoId): string[] {
    return this.albumIds.filter((a) => this.albums.get(a)?.holds(photo) && !this.trashed(a).has(photo));
  }

  // ── trash (trash.ts) ─────────────────────────────────────────────────────────────────

  /** The album's photos in the trash: photo → when it was trashed (marks by members not allowed are ignored). */
  trashed(album: string): Map<PhotoId, number> {
    const a = this.albums.get(album);
    return a ? a.trashed((device, seq) => this.family.writerOf(album, device, seq)) : new Map();
  }

  /** Every photo in the trash, across the albums this member reads, most recently trashed first. */
  trash(): Array<{ album: string; photo: AddPhotoOp; at: number }> {
    const out: Array<{ album: string; photo: AddPhotoOp; at: number }> = [];
    for (const album of this.albumIds) {
      const a = this.albums.get(album);
      for (const [id, at] of this.trashed(album)) {
        const d = a?.descriptors.get(id);
        if (d) out.push({ album, photo: d, at });
      }
    }
    return out.sort((x, y) => y.at - x.at);
  }

  /** Who added the photo to the album, for the viewer's details: a member's name, or "You". */
  addedBy(album: string, photo: PhotoId): string | undefined {
    const sign = this.albums.get(album)?.addedBy.get(photo);
    if (!sign) return undefined;
    return sign === this.family.mySign ? 'You' : this.family.nameOf(sign);
  }

  /** Whether this member may trash, restore or remove the photo: they added it, or they are an admin. */
  mayRemove(album: string, photo: PhotoId): boolean {
    const role = this.family.myRole();
    if (role === undefined) return false;
    return mayRemove({ sign: this.family.mySign, role }, this.albums.get(album)?.addedBy.get(photo));
  }

  /** Moves photos to the trash for the whole family (one 'set' op each on the photo's trash register). */
  async trashPhotos(photos: Array<{ album: string; photo: PhotoId }>, now = Date.now()): Promise<void> {
    await this.#markTrash(photos, now);
  }

  /** Takes photos out of the trash, back into their albums. */
  async restorePhotos(photos: Array<{ album: string; photo: PhotoId }>): Promise<void> {
    await this.#markTrash(photos, null);
  }

  async #markTrash(photos: Array<{ album: string; photo: PhotoId }>, at: number | null): Promise<void> {
    const refused = photos.filter((p) => !this.mayRemove(p.album, p.photo));
    if (refused.length) throw new PolicyError(`only the member who added a photo, or an admin, can ${at === null ? 'restore' : 'delete'} it (${refused.length} of these photos)`);
    for (const { album, photo } of photos) {
      const a = this.#album(album);
      const op = makeSet(a.crdt, this.#author, await this.#nextSeq(album), trashRegister(photo), at);
      await this.#appendAlbumOp(album, { body: op.body }, op.lamport);
    }
    this.emit('changed', undefined);
  }

  /** Removes for good every photo in the trash this member may remove; returns how many. */
  async emptyTrash(): Promise<number> {
    return this.#removeTrashed(() => true);
  }

  #expiring: Promise<number> | undefined;

  /**
   * Removes for good the photos trashed 30 days ago or more that this member may remove (any
   * allowed device that sees them does it; the others wait for one). `now`: the clock (tests).
   */
  expireTrash(now = Date.now()): Promise<number> {
    this.#expiring ??= this.#removeTrashed((at) => expired(at, now)).finally(() => (this.#expiring = undefined));
    return this.#expiring;
  }

  async #removeTrashed(which: (at: number) => boolean): Promise<number> {
    let n = 0;
    for (const { album, photo, at } of this.trash()) {
      if (!which(at) || !this.mayRemove(album, photo.photo)) continue;
      await this.removePhoto(album, photo.photo);
      n++;
    }
    return n;
  }

  #albumKey(album: string, d: AddPhotoOp): Uint8Array {
    const key = this.family.key(album, d.epoch);
    if (!key) throw new StorageError('no key for this photo on this device');
    return key;
  }

  async #fileKey(album: string, d: AddPhotoOp): Promise<Uint8Array> {
    return this.crypto.unwrapFileKey(this.#albumKey(album, d), fromBase64Url(d.fileId), fromBase64Url(d.key));
  }

  /**
   * The decrypted thumbnail (JPEG) or undefined while it has not arrived. One that is asked for
   * and missing (a restore in progress: the screen shows photos whose thumbnails are still queued
   * behind thousands of others) is fetched ahead of the queue; its arrival emits `changed`.
   */
  async thumbnail(album: string, photo: PhotoId): Promise<Blob | undefined> {
    this.#thumbsLoading++;
    try {
      return await this.#thumbnail(album, photo);
    } finally {
      if (--this.#thumbsLoading === 0) this.#thumbsIdle.splice(0).forEach((f) => f());
    }
  }

  /**
   * Lets the library replay behind the first screen (an album snapshot: megabytes to decrypt,
   * thousands of ops to apply on this thread) wait for the screen's thumbnails: resolves when
   * none is being read (`first`: once the first ones asked for are open), or after `ms`. The
   * waits share one budget (REPLAY_WAIT_MS), so scrolling slows the replay a little, never more.
   */
  #thumbnailsIdle(ms: number, first = false): Promise<void> {
    const wait = Math.min(ms, this.#replayWaitLeft);
    if (wait <= 0 || (!first && this.#thumbsLoading === 0)) return Promise.resolve();
    const from = performance.now();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#thumbsIdle = this.#thumbsIdle.filter((f) => f !== done);
        this.#replayWaitLeft -= performance.now() - from;
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.#thumbsIdle.push(done);
    });
  }

  async #thumbnail(album: string, photo: PhotoId): Promise<Blob | undefined> {
    const d = this.albums.get(album)?.descriptors.get(photo);
    if (!d) return undefined;
    const fetch = () => void this.node.engine.fetch(d.thumb).catch((e: unknown) => console.warn(`vault: could not ask for a thumbnail (${describeError(e)})`));
    // Read without hashing: AES-GCM authenticates what opens. Bytes that do not open (whatever
    // the error: a damaged byte may fail the version, the kind or the tag) are read again
    // verified, which condemns a damaged copy (and the sync fetches a good one); bytes that
    // verify and still do not open are the photo's own fault, and that error stands.
    const bytes = await this.store.get(d.thumb, { verify: false });
    if (!bytes) return fetch();
    const albumKey = this.#albumKey(album, d);
    // A Blob made in the crypto worker (scrolling 100,000 photos, the page built a Blob from each
    // decrypted thumbnail: 14 s of its main thread), from the album key and the wrapped file
    // key in one call (one round trip; the file key stays in the worker).
    const open = (b: Uint8Array) => this.crypto.openWrappedAsBlob(albumKey, fromBase64Url(d.fileId), fromBase64Url(d.key), 'thumbnail', b, { type: 'image/jpeg', firstByte: 0xff });
    try {
      return await open(bytes);
    } catch (e) {
      const checked = await this.store.get(d.thumb).catch(() => undefined);
      if (!checked) return fetch();
      throw e;
    }
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
   * A photo's original for random access (the viewer's video stream): its size and type, and
   * `chunk(i)`, the i-th 1 MiB of plaintext, decrypted on its own (fetched first if it is not on
   * this device). Nothing is decrypted until a chunk is asked for.
   */
  async randomAccess(album: string, photo: PhotoId): Promise<{ name: string; mime: string; size: number; chunk(i: number): Promise<Uint8Array> }> {
    const d = this.albums.get(album)?.descriptors.get(photo);
    if (!d) throw new StorageError('no such photo');
    const fileKey = await this.#fileKey(album, d);
    const fileId = fromBase64Url(d.fileId);
    const meta = await this.metadata(album, photo);
    const m = await this.#manifest(album, photo, d);
    const list = m.chunks;
    return {
      name: meta?.name ?? `${photo}.bin`,
      mime: meta?.mime ?? 'application/octet-stream',
      size: m.size,
      chunk: async (i) => {
        const h = list[i];
        if (h === undefined) throw new RangeError(`chunk ${i}: past the end`);
        await this.#fetchMissing([h]);
        const env = await this.store.get(h);
        if (!env) throw new StorageError(`chunk ${i} is not on this device`, { retryable: true });
        try {
          return await this.crypto.decryptChunk(fileKey, fileId, i, i === list.length - 1, env, h);
        } finally {
          // Ours alone (the store hands out a fresh copy) and dead now: free it without waiting for GC.
          releaseBytes(env);
        }
      },
    };
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
    return (await this.#manifest(album, photo, d)).chunks;
  }

  /** The photo's manifest (size and chunk list), fetched first if it is not here; its chunk list is kept. */
  async #manifest(album: string, photo: PhotoId, d: AddPhotoOp): Promise<{ size: number; chunks: ObjectHash[] }> {
    await this.#fetchMissing([d.manifest]);
    const m = await this.crypto.openManifest(await this.#fileKey(album, d), fromBase64Url(d.fileId), (await this.store.get(d.manifest))!);
    this.#chunkLists.set(photo, m.chunks);
    return m;
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

  /** How many photos of the album no home holds whole (they exist only on devices): backup-count.ts. */
  async notBackedUp(album: string, onProgress?: (done: number, total: number) => void): Promise<number> {
    return this.#countNotBackedUp([album], onProgress);
  }

  /** Each relay's holdings are read once for the whole count. */
  async #countNotBackedUp(albums: readonly string[], onProgress?: (done: number, total: number) => void): Promise<number> {
    const homes = [...(await this.node.engine.relayHoldings()).values()];
    return countNotBackedUp(albums, homes, {
      photos: (album) => this.photos(album),
      smallHashes: (album, photo) => this.albums.get(album)?.smallHashesOf(photo) ?? [],
      allHashes: (album, photo) => this.#hashesOf(album, photo),
    }, onProgress);
  }

  async setSettings(s: VaultSettings): Promise<void> {
    this.settings = s;
    await this.index.setSetting('vault.settings', s);
  }

  /**
   * "Save space": drop an original's chunk only after at least K enrolled homes proved, just now,
   * that they hold it (a fresh storage challenge each, checked against our copy). Acks, offers
   * and inventories are claims; a home that fails a challenge loses its claim. They come back
   * on demand.
   */
  async evictBackedUpOriginals(): Promise<{ evicted: number; kept: number; failedChallenges: number }> {
    let evicted = 0;
    let kept = 0;
    let failedChallenges = 0;
    if (this.settings.originals !== 'save-space') return { evicted, kept, failedChallenges };
    for (const [albumId, a] of this.albums) {
      for (const d of a.photos()) {
        for (const h of await this.chunksOf(albumId, d.photo)) {
          if (!(await this.store.has(h))) continue;
          const { relays } = await this.node.engine.backedUpOn(h);
          let proven = 0;
          for (const home of relays) {
            const r = await this.#challenge(home, h);
            if (r === 'passed') proven++;
            else if (r === 'failed') failedChallenges++;
            if (proven >= this.settings.k) break;
          }
          if (proven >= this.settings.k) {
            await this.store.delete(h);
            evicted++;
          } else kept++;
        }
      }
    }
    return { evicted, kept, failedChallenges };
  }

  async #challenge(peer: PeerId, hash: ObjectHash) {
    const r = await this.node.engine.challenge(peer, hash);
    const key = this.node.engine.deviceKeyOf(peer);
    if (key && (r === 'passed' || r === 'failed')) {
      const checks = (await this.index.getSetting<Record<string, HomeCheck>>('homes.checks')) ?? {};
      const d = toBase64Url(key);
      const prev = checks[d];
      checks[d] = r === 'passed' ? { lastPassedAt: Date.now(), ...(prev?.lastFailedAt ? { lastFailedAt: prev.lastFailedAt } : {}) } : { ...prev, lastFailedAt: Date.now() };
      await this.index.setSetting('homes.checks', checks);
    }
    return r;
  }

  /**
   * Who a connected peer is, in the family's words: a home by its name, a member's device as
   * theirs ("Ada's device"), one of mine as "Your other device"; undefined while the link has not
   * proved which device it is (or the device is nobody the roster knows).
   */
  peerName(peerId: string): string | undefined {
    const key = this.node.engine.deviceKeyOf(peerId as PeerId);
    if (!key) return undefined;
    const d = toBase64Url(key);
    const r = this.authority.roster();
    const home = r.homes.get(d);
    if (home) return home.name;
    const owner = r.devices.get(d);
    if (!owner) return undefined;
    if (owner === this.family.mySign) return 'Your other device';
    return `${this.family.knownName(owner) ?? 'A family member'}'s device`;
  }

  /** The enrolled homes, whether each is connected, and when each last proved it holds our photos. */
  async homes(): Promise<HomeView[]> {
    const checks = (await this.index.getSetting<Record<string, HomeCheck>>('homes.checks')) ?? {};
    const seen = (await this.index.getSetting<Record<string, { peer: string; at: number }>>('homes.seen')) ?? {};
    const holdings = await this.node.engine.relayHoldings();
    const connected = new Map<string, string>(); // device → peer id
    for (const p of this.node.engine.peers()) {
      const key = p.state === 'open' && p.peerId ? this.node.engine.deviceKeyOf(p.peerId as PeerId) : undefined;
      if (key) connected.set(toBase64Url(key), p.peerId!);
    }
    return [...this.authority.roster().homes.values()].map((h) => {
      const last = seen[h.device];
      const peer = connected.get(h.device) ?? last?.peer;
      // A home enrolled while connected was not one yet when its connection opened: note it now.
      if (connected.has(h.device) && !last) void this.#homeSeen(connected.get(h.device)).catch(() => undefined);
      const held = peer ? holdings.get(peer as PeerId)?.size : undefined;
      return {
        device: h.device, name: h.name, revoked: h.revoked, connected: connected.has(h.device), ...(checks[h.device] ? { check: checks[h.device] } : {}),
        ...(connected.has(h.device) ? { lastSeenAt: Date.now() } : last ? { lastSeenAt: last.at } : {}),
        ...(held !== undefined ? { held } : {}),
      };
    });
  }

  /**
   * Photos of every album this member reads that no home holds whole, each counted once (one in
   * two albums is one photo): Family's warning and Settings' "exist only on this device".
   */
  notBackedUpAnywhere(onProgress?: (done: number, total: number) => void): Promise<number> {
    return this.#countNotBackedUp(this.albumIds, onProgress);
  }

  /** Notes that an enrolled home was connected just now (at open and at close). */
  async #homeSeen(peerId: string | undefined): Promise<void> {
    if (!peerId) return;
    const seen = (await this.index.getSetting<Record<string, { peer: string; at: number }>>('homes.seen')) ?? {};
    const key = this.node.engine.deviceKeyOf(peerId as PeerId);
    const device = key ? toBase64Url(key) : Object.keys(seen).find((d) => seen[d]!.peer === peerId);
    if (!device || !this.authority.roster().homes.has(device)) return;
    seen[device] = { peer: peerId, at: Date.now() };
    await this.index.setSetting('homes.seen', seen);
  }

  /**
   * Asks every connected enrolled home to prove it holds a photo part it claims (a fresh storage
   * challenge, answered from its bytes and checked against ours). Returns passed and failed counts.
   */
  async checkHomes(): Promise<{ passed: number; failed: number; unchecked: number }> {
    const out = { passed: 0, failed: 0, unchecked: 0 };
    for (const p of this.node.engine.peers()) {
      const key = p.peerId && p.state === 'open' ? this.node.engine.deviceKeyOf(p.peerId as PeerId) : undefined;
      if (!key || !this.authority.isHome(key)) continue;
      const claimed = [];
      for (const h of await this.node.stores.ackList(p.peerId as PeerId)) if (await this.store.has(h as ObjectHash)) claimed.push(h as ObjectHash);
      const pick = claimed[Math.floor(Math.random() * claimed.length)];
      const r = pick ? await this.#challenge(p.peerId as PeerId, pick) : 'not-here';
      if (r === 'passed') out.passed++;
      else if (r === 'failed') out.failed++;
      else out.unchecked++;
    }
    this.emit('status', undefined);
    return out;
  }

  /** Cancels an invite nobody used yet (a pending join): its key can no longer join or enrol. */
  async cancelInvite(key: string): Promise<void> {
    await this.publish({ t: 'revoke', device: key, upTo: {} });
    this.emit('changed', undefined);
  }

  /** Family members with their roles, devices and the safety words two people compare before sharing. */
  members(): Promise<MemberView[]> {
    return this.family.members();
  }

  /** Invites made and not used yet (pending joins). */
  pendingInvites(): Array<{ key: string; role: string }> {
    return [...this.authority.roster().invites].filter(([, i]) => i.usedBy === undefined && !i.revoked).map(([key, i]) => ({ key, role: i.role }));
  }

  /** Grants every album key this member may share to `identity` (after the safety words matched). */
  async shareAlbumsWith(identity: string): Promise<number> {
    const m = this.authority.roster().members.get(signKeyOf(identity));
    if (!m || m.role === 'removed') throw new PolicyError('only a current member of the family can be given albums');
    const n = await this.family.shareAlbumsWith(m);
    await this.family.refresh();
    this.emit('changed', undefined);
    return n;
  }

  /** What of a member's devices this device has seen: the cut their removal or demotion carries. */
  async #cutOf(devices: Iterable<string>): Promise<Cut> {
    const v = await this.node.stores.opVector();
    const cut: Cut = {};
    for (const d of devices) {
      cut[d] = {};
      for (const [log, authors] of v) {
        const seq = authors.get(d);
        if (seq) cut[d][log] = seq;
      }
    }
    return cut;
  }

  #devicesOf(sign: string): string[] {
    return [...this.authority.roster().devices].filter(([, o]) => o === sign).map(([d]) => d);
  }

  /** An admin changes a member's role (admin, contributor, viewer). */
  async setRole(identity: string, role: MemberRole): Promise<void> {
    await this.publish({ t: 'role', who: identity, role, cut: await this.#cutOf(this.#devicesOf(signKeyOf(identity))) });
    await this.family.refresh();
    this.emit('changed', undefined);
  }

  /**
   * Removes a member: their devices can no longer connect or write, and every album they could
   * read gets a new epoch whose key is sealed to the remaining readers only. What they already
   * saw cannot be unseen; what is added afterwards they cannot open.
   */
  async removeMember(identity: string): Promise<void> {
    const sign = signKeyOf(identity);
    const m = this.authority.roster().members.get(sign);
    if (!m) throw new PolicyError('not a member of this family');
    await this.publish({ t: 'role', who: identity, role: 'removed', cut: await this.#cutOf(this.#devicesOf(sign)) });
    await this.#dutiesDone(); // the new generation, without them
    await this.family.refresh();
    for (const album of this.family.albumsReadBy(m.box)) await this.family.newEpoch(album, new Set([m.box]));
    this.emit('changed', undefined);
  }

  /** Revokes a device (a lost phone): it can no longer connect, and its later ops are void. */
  async revokeDevice(device: string): Promise<void> {
    const owner = this.authority.roster().devices.get(device);
    const cut = await this.#cutOf([device]);
    await this.publish({ t: 'revoke', device, upTo: cut[device] ?? {} });
    // Only an admin starts a generation; a member revoking their own phone leaves it to the next admin device online.
    await this.#dutiesDone();
    await this.family.refresh();
    const m = owner ? this.authority.roster().members.get(owner) : undefined;
    if (m) for (const album of this.family.albumsReadBy(m.box)) await this.family.newEpoch(album, new Set());
    this.emit('changed', undefined);
  }

  /** Stores a key bundle as an object (it replicates like any other, so a restore finds it). */
  async storeBundle(bundle: Uint8Array): Promise<ObjectHash> {
    const hash = await this.crypto.hashObject(bundle);
    await this.store.put(hash, bundle);
    this.node.engine.objectsChanged();
    return hash;
  }

  /**
   * A new passphrase: refused if weak; the key bundle gets a new passphrase slot (new salt) and is
   * published as this member's profile, and every honest device and home deletes the old copy,
   * so the old passphrase opens no bundle they keep. The recovery phrase stays valid.
   */
  async changePassphrase(current: string, next: string): Promise<void> {
    await assertStrongPassphrase(next, [this.#o.name]);
    const bundle = await this.index.getSetting<Uint8Array>('member.bundle');
    if (!bundle) throw new StorageError('this device holds no key bundle');
    const renewed = await this.crypto.changePassphrase(bundle, { passphrase: current }, next, this.#o.kdf);
    await this.index.setSetting('member.bundle', renewed);
    await this.publish({ t: 'profile', bundle: await this.storeBundle(renewed), p: await this.family.sealedName(this.#o.name) });
  }

  /** The album's photos, without those in the trash. */
  photos(album: string): AddPhotoOp[] {
    const all = this.albums.get(album)?.photos() ?? [];
    const trashed = this.trashed(album);
    return trashed.size ? all.filter((d) => !trashed.has(d.photo)) : all;
  }

  /** A new invite key, announced in a signed statement; its seed travels in the invite. */
  async #newInvite(role: InviteRole): Promise<{ inviter: Uint8Array; inviteSeed: Uint8Array }> {
    const key = await this.crypto.newSigningKey();
    await this.publish({ t: 'invite', key: toBase64Url(key.publicKey), role });
    // Family lists it among the invites not used yet (a relay invite is made on another card).
    this.emit('changed', undefined);
    return { inviter: await this.crypto.fingerprint(this.identity), inviteSeed: key.secretKey };
  }

  /** An invite that enrols one home relay: the vault secret and an invite key; nothing that decrypts. */
  async relayInvite(): Promise<string> {
    return this.crypto.encodeInvite({ kind: 'relay', vaultSecret: this.#keyring.gens[0]!.vaultSecret, ...(await this.#newInvite('home')) });
  }

  /**
   * An invite for a family member's device: a new member joins with `role`; 'device' lets this
   * member restore on a new device (any member may make that one; only admins invite people).
   */
  async memberInvite(role: InviteRole = 'contributor'): Promise<string> {
    // The current room's vault secret; generation 0's member secret (later ones come sealed, rotation.ts).
    return this.crypto.encodeInvite({ kind: 'member', vaultSecret: this.#keyring.gens[0]!.vaultSecret, memberSecret: this.#o.secrets.memberSecret, ...(await this.#newInvite(role)) });
  }
}
