/**
 * Vault harness: a family device driven by the browser suites (window.fvVault). It uses the real
 * vault layer as the app does (crypto worker, media worker, OPFS, replication over WebRTC).
 */
import { startCryptoWorker } from '../../web/src/crypto/client.ts';
import type { AlbumId, ObjectHash, PeerId, PhotoId } from '../../web/src/core/ids.ts';
import { fromBase64Url, toBase64Url } from '../../web/src/core/bytes.ts';
import { openDB } from 'idb';
import { storageNames } from '../../web/src/storage/layout.ts';
import { tamperIdbObject, tamperOpfsObject } from '../../web/src/storage/test-hooks.ts';
import { MediaClient } from '../../web/src/vault/media/media-client.ts';
import { createVault, joinVault, unlockVault, type VaultEnv } from '../../web/src/vault/vault-setup.ts';
import type { VaultSession } from '../../web/src/vault/vault-session.ts';
import { makeJpeg, sha256Hex } from './photos.ts';

let env: VaultEnv;
let s: VaultSession | undefined;
let album = '';
const sent = new Map<string, string>(); // photo id → SHA-256 of the original added here
let servingGate: { release: () => void; restore: () => void } | undefined;

function setEnv(signalUrl: string, iceTransportPolicy: RTCIceTransportPolicy = 'all', iceTimeoutMs?: number, abuseLimit?: number) {
  env = {
    crypto: startCryptoWorker(), media: new MediaClient(), signalUrl, iceTransportPolicy, weakKdfForTests: true, ...(iceTimeoutMs ? { iceTimeoutMs } : {}),
    // The fault rounds raise the abuse limit so that every hostile frame reaches a handler.
    ...(abuseLimit ? { engineConfigForTests: { abuse: { limit: abuseLimit, decayPerMinute: 0 } } } : {}),
  };
}

/** A restored device learns its album from the replicated vault log. */
function currentAlbum(): string {
  album ||= s!.albumIds[0] ?? '';
  return album;
}

/** The hashes of the encrypted chunks of every original in the album. */
async function originalChunks(): Promise<Set<string>> {
  const chunks = new Set<string>();
  for (const p of s!.photos(currentAlbum())) for (const h of await s!.chunksOf(album, p.photo)) chunks.add(h);
  return chunks;
}

const api = {
  async create(o: { signalUrl: string; passphrase: string; relay?: boolean; name?: string; albumName?: string; iceTimeoutMs?: number; abuseLimit?: number }) {
    setEnv(o.signalUrl, o.relay ? 'relay' : 'all', o.iceTimeoutMs, o.abuseLimit);
    const r = await createVault(env, { name: o.name ?? 'Ada', passphrase: o.passphrase, ...(o.albumName ? { albumName: o.albumName } : {}) });
    s = r.session;
    album = r.album;
    return { vaultId: s.vaultId, album, recoveryPhrase: r.recoveryPhrase, relayInvite: await s.relayInvite(), memberInvite: await s.memberInvite() };
  },
  async join(o: { signalUrl: string; invite: string; passphrase?: string; recoveryPhrase?: string; restore: boolean; relay?: boolean; iceTimeoutMs?: number; name?: string; timeoutMs?: number }) {
    setEnv(o.signalUrl, o.relay ? 'relay' : 'all', o.iceTimeoutMs);
    const r = await joinVault(env, {
      invite: o.invite, name: o.name ?? 'Ada', restore: o.restore, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}), ...(o.recoveryPhrase !== undefined ? { recoveryPhrase: o.recoveryPhrase } : {}),
    });
    s = r.session;
    return { vaultId: s.vaultId };
  },
  async unlock(o: { signalUrl: string; vaultId: string; passphrase: string }) {
    setEnv(o.signalUrl);
    s = await unlockVault(env, o.vaultId, { passphrase: o.passphrase });
    album = s.albumIds[0] ?? '';
    return { albums: s.albumIds };
  },
  async addGenerated(o: { from: number; count: number; width?: number; height?: number; quality?: number }) {
    const files: File[] = [];
    for (let i = o.from; i < o.from + o.count; i++) files.push(await makeJpeg(i, o.width, o.height, o.quality));
    const out = await s!.addFiles(currentAlbum(), files);
    for (const [i, r] of out.entries()) if (r.status === 'added') sent.set(r.photo, await sha256Hex(files[i]!));
    return out;
  },
  async addFixture(url: string, name: string) {
    const blob = await (await fetch(url)).blob();
    return s!.addFiles(album, [new File([blob], name, { type: blob.type })]);
  },
  sentHashes: () => Object.fromEntries(sent),
  /**
   * Fault rounds: hands generated photos to the upload queue and returns once it has them (not
   * when they are photos), so a test can reload the page in the middle. Returns their SHA-256.
   */
  async queueGenerated(o: { from: number; count: number; width?: number; height?: number; quality?: number }) {
    const files: File[] = [];
    for (let i = o.from; i < o.from + o.count; i++) files.push(await makeJpeg(i, o.width, o.height, o.quality));
    void s!.addFiles(currentAlbum(), files);
    return Promise.all(files.map((f) => sha256Hex(f)));
  },
  /**
   * Fault rounds: a storage challenge (docs/replication.md "Proof of storage") to `peer` for every
   * object of every photo of the album: only a peer holding the exact bytes passes.
   */
  async proveAll(peer: string) {
    const hashes = new Set<string>();
    for (const p of s!.photos(currentAlbum())) {
      for (const h of [...(s!.albums.get(album)?.smallHashesOf(p.photo) ?? []), ...(await s!.chunksOf(album, p.photo))]) hashes.add(h);
    }
    const results: Record<string, number> = {};
    const list = [...hashes];
    for (let i = 0; i < list.length; i += 32) {
      const rs = await Promise.all(list.slice(i, i + 32).map((h) => s!.node.engine.challenge(peer as PeerId, h as ObjectHash)));
      for (const r of rs) results[r] = (results[r] ?? 0) + 1;
    }
    return { objects: list.length, results };
  },
  /** The upload queue: files saved and not yet photos, and how far the current run is. */
  queueState: () => s!.uploads.state,
  /** SHA-256 of every original in the album, decrypted (for the fault rounds' lost/doubled count). */
  async albumHashes() {
    const out: string[] = [];
    for (const p of s!.photos(currentAlbum())) out.push(await sha256Hex(await s!.original(album, p.photo)));
    return out;
  },
  /**
   * Whether the upload queue's saved copies hold anything of these files in the clear: their
   * names, or 32 bytes from inside each (only ciphertext): the spool's entries and parts, and the
   * chunks held for its entries in the object store.
   */
  async spoolPlaintext(o: { vaultId: string; names: string[]; from: number; count: number; width?: number; height?: number; quality?: number }) {
    const needles: Uint8Array[] = o.names.map((n) => new TextEncoder().encode(n));
    for (let i = o.from; i < o.from + o.count; i++) needles.push(new Uint8Array(await (await makeJpeg(i, o.width, o.height, o.quality)).arrayBuffer()).slice(1000, 1032));
    const db = await openDB(storageNames(o.vaultId).uploadsDb);
    const values: Uint8Array[] = [];
    for (const v of await db.getAll('parts')) values.push(new Uint8Array(v as ArrayBuffer));
    const entries = (await db.getAll('entries')) as Array<{ header: Uint8Array; held?: string[] }>;
    db.close();
    for (const e of entries) {
      values.push(e.header, new TextEncoder().encode(JSON.stringify(e)));
      for (const h of e.held ?? []) {
        const bytes = await s!.store.get(h as ObjectHash, { held: true });
        if (bytes) values.push(bytes);
      }
    }
    const has = (hay: Uint8Array, n: Uint8Array) => {
      outer: for (let i = 0; i + n.length <= hay.length; i++) {
        if (hay[i] !== n[0]) continue;
        for (let k = 1; k < n.length; k++) if (hay[i + k] !== n[k]) continue outer;
        return true;
      }
      return false;
    };
    return { parts: values.length, hits: needles.filter((n) => values.some((v) => has(v, n))).length };
  },
  /** A relay invite enrols one home: each home needs its own. */
  relayInvite: () => s!.relayInvite(),
  memberInvite: (role?: 'admin' | 'contributor' | 'viewer' | 'device') => s!.memberInvite(role),
  albums: () => s!.albumIds,
  photoIds: () => s!.photos(currentAlbum()).map((p) => p.photo),
  /** How many photos have their thumbnail and every original part on this device. */
  async complete() {
    currentAlbum();
    let thumbs = 0;
    let originals = 0;
    for (const p of s!.photos(album)) {
      if (await s!.store.has(p.thumb)) thumbs++;
      let all = true;
      const chunks = (await s!.store.has(p.manifest)) ? await s!.chunksOf(album, p.photo) : [undefined];
      for (const h of chunks) if (!h || !(await s!.store.has(h))) all = false;
      if (all) originals++;
    }
    return { photos: s!.photos(album).length, thumbs, originals };
  },
  async originalHash(photo: string) {
    return sha256Hex(await s!.original(album, photo as PhotoId));
  },
  async thumbnailSize(photo: string) {
    return (await s!.thumbnail(album, photo as PhotoId))?.size ?? 0;
  },
  async metadata(photo: string) {
    return s!.metadata(album, photo as PhotoId);
  },
  /** Test hook: flips the first byte of the photo's stored thumbnail behind the store's back (a failing disk). */
  async damageThumbnail(photo: string) {
    const d = s!.albums.get(currentAlbum())!.descriptors.get(photo as PhotoId)!;
    await (s!.store.kind === 'opfs' ? tamperOpfsObject : tamperIdbObject)(s!.vaultId, d.thumb);
  },
  /** What the Storage page counts: photos of the album no home holds whole. */
  notBackedUp: () => s!.notBackedUp(currentAlbum()),
  async backedUpOn(photo: string) {
    return s!.backedUpOn(album, photo as PhotoId);
  },
  peers: () => s!.node.engine.peers().map((p) => ({ peerId: p.peerId, role: p.role, transport: p.transport, state: p.state, refusal: p.refusal, bytesIn: p.bytesIn, bytesOut: p.bytesOut, abuse: p.abuse })),
  /** Transfer jobs; a failed one carries its reason (lastError) and when it is retried. */
  jobs: () => s!.node.engine.jobs().map((j) => ({
    state: j.state, dir: j.dir, peer: j.peer, hash: j.hash.slice(0, 12), size: j.size, attempts: j.attempts,
    ...(j.lastError ? { lastError: j.lastError } : {}), nextAttemptAt: j.nextAttemptAt,
  })),
  /** The relays (homes) that hold every object of the photo: what "backed up on N homes" counts. */
  async homesOf(photo: string) {
    const hashes = [...(s!.albums.get(currentAlbum())?.smallHashesOf(photo as PhotoId) ?? []), ...(await s!.chunksOf(currentAlbum(), photo as PhotoId))];
    let common: Set<string> | undefined;
    for (const h of hashes) {
      const { relays } = await s!.node.engine.backedUpOn(h);
      common = new Set(relays.filter((r) => !common || common.has(r)));
    }
    return [...(common ?? [])].sort();
  },
  /** Each object of the photo, whether this device holds it, and the relays known to hold it. */
  async objectsOf(photo: string) {
    const a = s!.albums.get(currentAlbum());
    const d = a?.descriptors.get(photo as PhotoId);
    const hashes = [...(a?.smallHashesOf(photo as PhotoId) ?? []), ...(d && (await s!.store.has(d.manifest)) ? await s!.chunksOf(currentAlbum(), photo as PhotoId) : [])];
    return Promise.all(hashes.map(async (h) => ({ hash: h.slice(0, 12), here: await s!.store.has(h), relays: (await s!.node.engine.backedUpOn(h)).relays })));
  },
  /**
   * Test hook: deletes this device's newest `count` ops of the album log from IndexedDB, as if
   * the app had closed after committing those photos but before recording their ops.
   */
  async forgetNewestAlbumOps(o: { vaultId: string; count: number }) {
    await s?.stop();
    s = undefined;
    const db = await openDB(storageNames(o.vaultId).indexDb);
    const tx = db.transaction('ops', 'readwrite');
    const keys = (await tx.store.getAllKeys(IDBKeyRange.bound([album], [album, []]))) as Array<[string, string, number]>;
    const newest = keys.sort((a, b) => b[2] - a[2]).slice(0, o.count);
    for (const k of newest) await tx.store.delete(k);
    await tx.done;
    db.close();
    return newest.length;
  },
  async stat() {
    return s!.store.stat();
  },
  /**
   * Test hook: this device serves `count` more chunks of originals to its peers, then holds every
   * further request for one until releaseServing(), so a test can cut a transfer at a known point
   * whatever the machine's speed. Everything else (key bundle, thumbnails, manifests) flows.
   * Peers' reads are the unverified store reads (ObjectStorePort.serve).
   */
  async holdServingAfter(count: number) {
    const chunks = await originalChunks();
    const store = s!.store;
    const get = store.get.bind(store);
    let left = count;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    store.get = async (hash, options) => {
      if (options?.verify === false && chunks.has(hash) && left-- <= 0) await released;
      return get(hash, options);
    };
    servingGate = { release, restore: () => (store.get = get) };
  },
  originalChunks: async () => (await originalChunks()).size,
  releaseServing() {
    servingGate?.restore();
    servingGate?.release();
    servingGate = undefined;
  },
  async setSettings(o: { originals: 'all' | 'save-space'; k: number }) {
    await s!.setSettings(o);
  },
  evict: () => s!.evictBackedUpOriginals(),
  // ── the family's authority ────────────────────────────────────────────────────────────
  members: async () => (await s!.members()).map((m) => ({ name: m.name, role: m.role, me: m.me, albums: m.albums, devices: m.devices.length, words: m.words.join(' ') })),
  myRole: () => s!.family.myRole(),
  notices: () => [...s!.family.notices],
  myBox: () => s!.family.myBox,
  /** The epoch this member's new photos in the album use. */
  epoch: () => s!.family.currentEpoch(currentAlbum())?.epoch,
  async shareWith(name: string) {
    const m = (await s!.members()).find((x) => x.name === name);
    if (!m) throw new Error(`no member named ${name}`);
    return s!.shareAlbumsWith(m.identity);
  },
  async setRole(o: { name: string; role: 'admin' | 'contributor' | 'viewer' }) {
    const m = (await s!.members()).find((x) => x.name === o.name);
    await s!.setRole(m!.identity, o.role);
  },
  checkHomes: () => s!.checkHomes(),
  homes: () => s!.homes(),
  changePassphrase: (o: { current: string; next: string }) => s!.changePassphrase(o.current, o.next),
  async removeMember(name: string) {
    const m = (await s!.members()).find((x) => x.name === name);
    await s!.removeMember(m!.identity);
  },
  /**
   * A dishonest member's app: the local checks are switched off (its own authority admits
   * anything, the viewer check is skipped), so it signs and offers an add it may not make.
   */
  async forceAdd(o: { from: number }) {
    const admit = s!.authority.admit.bind(s!.authority);
    const me = s!.deviceKey;
    s!.authority.admit = async (op) => (op.log !== 'vault' && op.author === me) || admit(op);
    const k = s!.family.currentEpoch(currentAlbum())!;
    const file = await makeJpeg(o.from);
    return s!.ingest.addFiles({ id: album as AlbumId, rawId: fromBase64Url(album), key: k.key, epoch: k.epoch }, [file]);
  },
  /** The newest album op this device holds (to hand to someone who should not be able to open it). */
  async newestAlbumOp() {
    currentAlbum();
    const v = await s!.node.stores.opVector();
    let best: { ciphertext: Uint8Array; lamport: number } | undefined;
    for (const author of v.get(album)?.keys() ?? []) {
      for (const op of await s!.node.stores.opsSince(album, author, 0, 1e9)) if (!best || op.lamport > best.lamport) best = op;
    }
    return best ? toBase64Url(best.ciphertext) : undefined;
  },
  /** Tries every key this member holds for the album on an op: can it be read? */
  async canOpen(ciphertext: string) {
    for (const key of s!.family.albumKeys.get(currentAlbum())?.values() ?? []) {
      try {
        await s!.crypto.openOp(key, fromBase64Url(ciphertext));
        return true;
      } catch {
        // not this key
      }
    }
    return false;
  },
  peerId: () => s!.peerId,
  /** The signaling room this device talks in, and the generation of the vault secret it comes from. */
  room: () => ({ id: s!.node.roomId, generation: s!.generation }),
  openPeers: () => s!.node.engine.peers().filter((p) => p.state === 'open').map((p) => p.peerId),
  /** What home relays announced about themselves (name, full and why). */
  peerStatus: () => Object.fromEntries(s!.peerStatus),
  async stop() {
    await s?.stop();
    s = undefined;
  },
};

Object.assign(window, { fvVault: api });
