/**
 * restore-10k (bench/restore-10k.ts): the real family app (fv-app over AppController and a real
 * VaultSession, crypto and media workers, OPFS, replication over WebRTC), window.fvRestoreBench.
 * Two roles, each in its own Chromium process:
 *  - the builder (the family's first device): build() creates a vault through the real
 *    AppController and adds `photos` photos to `albums` albums through VaultSession.recordPhotos,
 *    each photo with its own file key wrapped under its album's key, one signed, sealed op each,
 *    and a real sealed thumbnail and metadata object in the real object store (as
 *    bench-unlock.ts builds grid-10k); the session stays open so a relay can back it all up;
 *  - the new device: the bench types the invite and the recovery phrase into the real welcome
 *    screen; progress() says when every photo's op is applied and its thumbnail and metadata are
 *    on this device; verify() decrypts thumbnails and metadata; holdings() counts what the device holds.
 */
import '../../web/src/ui/fv-app.ts';
import { toBase64Url } from '../../web/src/core/bytes.ts';
import type { ObjectHash, PhotoId } from '../../web/src/core/ids.ts';
import { directApi } from '../../web/src/crypto/api.ts';
import { startCryptoWorker } from '../../web/src/crypto/client.ts';
import { ByteWriter } from '../../web/src/replication/byte-codec.ts';
import { encodeOp } from '../../web/src/replication/frame-codec.ts';
import { AppController } from '../../web/src/vault/app-controller.ts';
import type { AddPhotoOp } from '../../web/src/vault/ingest.ts';
import { MediaClient } from '../../web/src/vault/media/media-client.ts';
import { scaleToJpeg } from '../../web/src/vault/media/thumbnail.ts';
import type { VaultSession } from '../../web/src/vault/vault-session.ts';
import { makeJpeg } from './photos.ts';

const signalUrl = `ws://${location.host}/signal`;
const app = document.querySelector('fv-app')!;
const controller = new AppController(startCryptoWorker(), new MediaClient(), signalUrl);
app.app = controller;

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const absentHash = () => hex(crypto.getRandomValues(new Uint8Array(32))) as ObjectHash;

/** The builder: a vault of `photos` photos, every one with a real sealed thumbnail and metadata. */
async function build(o: { passphrase: string; photos: number; albums: number; years?: number }) {
  const t0 = performance.now();
  await controller.create('Ada', o.passphrase);
  const recoveryPhrase = controller.recoveryPhrase!;
  const s = controller.session!;
  const albums = [s.albumIds[0]!];
  for (let i = 1; i < o.albums; i++) albums.push(await s.createAlbum(`Album ${i + 1}`));
  const pictures = [];
  for (let i = 0; i < 32; i++) {
    const bitmap = await createImageBitmap(await makeJpeg(i, 800, 600));
    pictures.push(await scaleToJpeg(bitmap));
    bitmap.close();
  }
  const end = Date.UTC(2026, 10, 1);
  const step = ((o.years ?? 10) * 365 * 86_400_000) / o.photos;
  const perAlbum = new Map<string, AddPhotoOp[]>(albums.map((a) => [a, []]));
  let thumbBytes = 0;
  let metaBytes = 0;
  for (let i = 0; i < o.photos; i++) {
    if (i % 1000 === 0) controller.activity();
    const album = albums[i % albums.length]!;
    const k = s.family.currentEpoch(album)!;
    const fileId = await directApi.newFileId();
    const fileKey = await directApi.newFileKey();
    const pic = pictures[i % pictures.length]!;
    const taken = end - Math.round(i * step);
    const t = await directApi.sealObject(fileKey, 'thumbnail', pic.bytes);
    const m = await directApi.sealMetadata(fileKey, { name: `IMG_${i}.jpg`, mime: 'image/jpeg', size: 3_000_000, takenAt: new Date(taken).toISOString(), width: 4000, height: 3000, thumbhash: pic.placeholder });
    const thumb = (await directApi.hashObject(t)) as ObjectHash;
    const meta = (await directApi.hashObject(m)) as ObjectHash;
    await s.store.put(thumb, t);
    await s.store.put(meta, m);
    thumbBytes += t.length;
    metaBytes += m.length;
    perAlbum.get(album)!.push({
      t: 'photo.add', photo: toBase64Url(fileId) as PhotoId, fileId: toBase64Url(fileId),
      key: toBase64Url(await directApi.wrapFileKey(k.key, k.epoch, fileId, fileKey)), epoch: k.epoch,
      // No original: a restore brings thumbnails and metadata first; originals are not part of this bench.
      manifest: absentHash(), thumb, meta, taken, placeholder: pic.placeholder,
    });
  }
  const keysMs = performance.now() - t0;
  for (const [album, photos] of perAlbum) {
    photos.reverse(); // oldest first, as they would have been added over the years
    for (let i = 0; i < photos.length; i += 500) {
      await s.recordPhotos(album, photos.slice(i, i + 500));
      controller.activity();
    }
  }
  const count = albums.reduce((n, a) => n + s.photos(a).length, 0);
  // A device invite (the member restores on a new phone) and a relay invite (the home).
  const deviceInvite = await s.memberInvite('device');
  const relayInvite = await s.relayInvite();
  return {
    vaultId: s.vaultId, count, recoveryPhrase, deviceInvite, relayInvite, thumbBytes, metaBytes,
    buildMs: Math.round(performance.now() - t0), keysMs: Math.round(keysMs),
  };
}

/** The builder's store and the relay's view of it (is everything backed up?). */
async function builderState() {
  const s = controller.session!;
  controller.activity();
  const st = await s.store.stat();
  const peers = s.node.engine.peers().map((p) => ({ role: p.role, state: p.state, transport: p.transport, ready: p.ready, bytesOut: p.bytesOut }));
  const jobs = s.node.engine.jobs().filter((j) => j.state === 'queued' || j.state === 'sending').length;
  return { objects: st.count, bytes: st.bytes, peers, jobs };
}

// ── the new device ──────────────────────────────────────────────────────────────────────

/** Hashes known to be on this device (from the engine's 'object' events and store lookups). */
const present = new Set<string>();
/** Hashes looked up in the store once (later arrivals come through the 'object' events). */
const looked = new Set<string>();
let watched: VaultSession | undefined;
let allSeenAt: number | undefined;

function descriptors(s: VaultSession): Array<{ album: string; d: AddPhotoOp }> {
  const out: Array<{ album: string; d: AddPhotoOp }> = [];
  for (const album of s.albumIds) for (const d of s.photos(album)) out.push({ album, d });
  return out;
}

/**
 * Where the restore is: 'joining' until the app has a session (the recovery phrase opened the
 * key bundle), then the photos whose ops are applied and how many of their thumbnails and
 * metadata objects are on this device. `done` once all `expect` photos are there with both.
 */
let vectorAt = 0;
let lastPresent = -1;
let lastGrowth = 0;
let allPhotos: { s: VaultSession; all: ReturnType<typeof descriptors> } | undefined;
async function progress(expect: number) {
  const s = controller.session;
  if (!s) return { phase: 'joining', screen: controller.screen, photos: 0, thumbs: 0, metas: 0, done: false };
  // The member watches the screen fill: no auto-lock under a restore that takes minutes.
  controller.activity();
  if (watched !== s) {
    watched = s;
    s.node.engine.on('object', ({ hash }) => present.add(hash));
  }
  // Once every photo is in, the list no longer changes (a restore removes none): kept, so the
  // probe stops asking the album states for 10,000 photos four times a second.
  const all = allPhotos?.s === s ? allPhotos.all : descriptors(s);
  if (all.length >= expect && allPhotos?.s !== s && !s.restoring) allPhotos = { s, all };
  let thumbs = 0;
  let metas = 0;
  // Store lookups, once per object, only for what the events did not show: what was stored before
  // this listener (the probe session fetches only the key bundle, so that is at most what the
  // session stored in its first poll interval, before its listing was in). Asked when few are
  // missing, or when nothing has arrived for 15 s since the listing is in: asked for all 20,000 as soon as the ops were in, the lookups queued with the
  // device's own listing and cost it 20,000 IndexedDB requests inside the measured time.
  const missing = 2 * all.length - present.size;
  if (present.size !== lastPresent) {
    lastPresent = present.size;
    lastGrowth = performance.now();
  }
  const ready = s.node.engine.peers().some((p) => p.ready);
  if (all.length >= expect && !s.restoring && (missing <= 512 || (ready && performance.now() - lastGrowth > 15_000))) {
    const ask = all.flatMap(({ d }) => [d.thumb, d.meta]).filter((h) => !present.has(h) && !looked.has(h));
    for (let i = 0; i < ask.length; i += 512) {
      const part = ask.slice(i, i + 512);
      for (const h of part) looked.add(h);
      const held = await Promise.all(part.map((h) => s.store.has(h)));
      part.forEach((h, k) => held[k] && present.add(h));
    }
  }
  for (const { d } of all) {
    for (const [h, kind] of [[d.thumb, 't'], [d.meta, 'm']] as const) {
      if (present.has(h)) {
        if (kind === 't') thumbs++;
        else metas++;
      }
    }
  }
  const done = all.length === expect && thumbs === expect && metas === expect;
  if (done && allSeenAt === undefined) allSeenAt = performance.now();
  // While photos are missing, every 10 s: the stored op vector per log (each author's highest
  // contiguous seq, summed), to tell ops never stored from ops stored but not applied.
  let opsStored: Record<string, number> | undefined;
  if (all.length < expect && performance.now() - vectorAt > 10_000) {
    vectorAt = performance.now();
    opsStored = {};
    for (const [log, authors] of await s.node.stores.opVector()) opsStored[log.slice(0, 8)] = [...authors.values()].reduce((n, v) => n + v, 0);
  }
  return { phase: s.restoring ? 'reading' : 'syncing', screen: controller.screen, photos: all.length, thumbs, metas, objects: present.size, ready, done, at: allSeenAt, ...(opsStored ? { opsStored } : {}) };
}

/**
 * Decrypts the thumbnails (must be a JPEG) and metadata (name IMG_n.jpg) of `sample` photos
 * spread over the library (all of them if sample >= the count); how many opened.
 */
async function verify(o: { sample: number }) {
  const s = controller.session!;
  const all = descriptors(s);
  const stepBy = Math.max(1, Math.floor(all.length / Math.max(1, o.sample)));
  let checked = 0;
  let thumbsOk = 0;
  let metasOk = 0;
  const bad: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < all.length && checked < o.sample; i += stepBy) {
    const { album, d } = all[i]!;
    checked++;
    const blob = await s.thumbnail(album, d.photo as PhotoId).catch((e: unknown) => (bad.push(`${d.photo}: ${String(e)}`), undefined));
    if (blob && blob.size > 0 && blob.type === 'image/jpeg') thumbsOk++;
    else if (bad.length < 5) bad.push(`${d.photo}: thumbnail ${blob ? `${blob.type} ${blob.size} B` : 'missing'}`);
    const meta = await s.metadata(album, d.photo as PhotoId).catch(() => undefined);
    if (meta && /^IMG_\d+\.jpg$/.test(meta.name)) metasOk++;
    else if (bad.length < 5) bad.push(`${d.photo}: metadata ${JSON.stringify(meta)}`);
  }
  return { checked, thumbsOk, metasOk, bad: bad.slice(0, 5), ms: Math.round(performance.now() - t0) };
}

/** What this device holds (the builder, or the new device after the restore): objects (count, bytes), and the vault's ops as the wire encodes them. */
async function holdings() {
  const s = controller.session!;
  const st = await s.store.stat();
  const stores = s.node.stores;
  let ops = 0;
  let opBytes = 0;
  for (const [log, authors] of await stores.opVector()) {
    for (const [author, max] of authors) {
      for (let after = 0; after < max;) {
        const batch = await stores.opsSince(log, author, after, 1000);
        if (!batch.length) break;
        for (const op of batch) {
          const w = new ByteWriter();
          encodeOp(w, op);
          opBytes += w.length;
          ops++;
        }
        after = batch[batch.length - 1]!.seq;
      }
    }
  }
  let thumbBytes = 0;
  let metaBytes = 0;
  for (const { d } of descriptors(s)) {
    thumbBytes += (await s.store.get(d.thumb))?.length ?? 0;
    metaBytes += (await s.store.get(d.meta))?.length ?? 0;
  }
  const peers = s.node.engine.peers().map((p) => ({ role: p.role, state: p.state, transport: p.transport, bytesIn: p.bytesIn, bytesOut: p.bytesOut }));
  return { objects: st.count, objectBytes: st.bytes, thumbBytes, metaBytes, ops, opBytes, peers };
}

/** The timeline's cells in view, and how many of them show a decoded thumbnail. */
function screenful() {
  const root = app.shadowRoot?.querySelector('fv-timeline-screen')?.shadowRoot?.querySelector('fv-timeline')?.shadowRoot;
  if (!root) return { cells: 0, decoded: 0 };
  let cells = 0;
  let decoded = 0;
  for (const c of root.querySelectorAll<HTMLElement>('.cell')) {
    const r = c.getBoundingClientRect();
    if (r.bottom <= 0 || r.top >= innerHeight || r.width === 0) continue;
    cells++;
    const img = c.querySelector<HTMLImageElement>('img:not(.placeholder)');
    if (img && !img.hidden && img.complete && img.naturalWidth > 0) decoded++;
  }
  return { cells, decoded };
}

(window as any).fvRestoreBench = { build, builderState, progress, verify, holdings, screenful, controller };
