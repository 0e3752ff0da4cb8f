/**
 * unlock-100k (bench/unlock-100k.ts): the real family app (fv-app, AppController, VaultSession,
 * crypto and media workers) over a library built here. build() creates a vault with the real
 * passphrase KDF, makes `albums` albums and adds `photos` photos to them through
 * VaultSession.recordPhotos: each photo its own file key wrapped under its album's key, one
 * signed, sealed op each, as a device that received them from the family holds them. The newest
 * `withObjects` photos (the first screens of the timeline) get real sealed thumbnails and
 * metadata in the real object store; older ones' objects are not stored (unlock never reads
 * them). Then it locks, which saves the album snapshot.
 */
import '../../web/src/ui/fv-app.ts';
import { toBase64Url } from '../../web/src/core/bytes.ts';
import type { ObjectHash, PhotoId } from '../../web/src/core/ids.ts';
import { directApi } from '../../web/src/crypto/api.ts';
import { startCryptoWorker } from '../../web/src/crypto/client.ts';
import { AppController } from '../../web/src/vault/app-controller.ts';
import type { AddPhotoOp } from '../../web/src/vault/ingest.ts';
import { MediaClient } from '../../web/src/vault/media/media-client.ts';
import { scaleToJpeg } from '../../web/src/vault/media/thumbnail.ts';
import { openDB } from 'idb';
import { storageNames } from '../../web/src/storage/layout.ts';
import { makeJpeg } from './photos.ts';

const signalUrl = `ws://${location.host}/signal`;
const app = document.querySelector('fv-app')!;
/** Time spent in each crypto worker call (calls overlap, so these are wall times of the calls). */
const cryptoMs = new Map<string, { n: number; ms: number }>();
const worker = startCryptoWorker();
const timedCrypto = new Proxy(worker, {
  get(target, prop, recv) {
    const v = Reflect.get(target, prop, recv);
    if (typeof v !== 'function') return v;
    return (...args: unknown[]) => {
      const t = performance.now();
      const r = v.apply(target, args);
      if (r instanceof Promise) void r.finally(() => {
        const e = cryptoMs.get(String(prop)) ?? { n: 0, ms: 0 };
        e.n++;
        e.ms += performance.now() - t;
        cryptoMs.set(String(prop), e);
      }).catch(() => undefined);
      return r;
    };
  },
});
const controller = new AppController(timedCrypto, new MediaClient(), signalUrl);
app.app = controller;

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const absentHash = () => hex(crypto.getRandomValues(new Uint8Array(32))) as ObjectHash;

async function build(o: { passphrase: string; photos: number; albums: number; withObjects: number; years?: number }) {
  const t0 = performance.now();
  await controller.create('Ada', o.passphrase);
  const s = controller.session!;
  const albums = [s.albumIds[0]!];
  for (let i = 1; i < o.albums; i++) albums.push(await s.createAlbum(`Album ${i + 1}`));
  // A few distinct pictures; each photo's thumbnail is still sealed under its own file key.
  const pictures = [];
  for (let i = 0; i < 32; i++) {
    const bitmap = await createImageBitmap(await makeJpeg(i, 800, 600));
    pictures.push(await scaleToJpeg(bitmap));
    bitmap.close();
  }
  const end = Date.UTC(2026, 10, 1);
  const step = ((o.years ?? 10) * 365 * 86_400_000) / o.photos;
  const perAlbum = new Map<string, AddPhotoOp[]>(albums.map((a) => [a, []]));
  const puts: Promise<unknown>[] = [];
  for (let i = 0; i < o.photos; i++) {
    if (i % 1000 === 0) controller.activity();
    // Photo i is the i-th newest; albums take turns.
    const album = albums[i % albums.length]!;
    const k = s.family.currentEpoch(album)!;
    const fileId = await directApi.newFileId();
    const fileKey = await directApi.newFileKey();
    const pic = pictures[i % pictures.length]!;
    let thumb = absentHash();
    let meta = absentHash();
    const manifest = absentHash();
    const taken = end - Math.round(i * step);
    if (i < o.withObjects) {
      const t = await directApi.sealObject(fileKey, 'thumbnail', pic.bytes);
      const m = await directApi.sealMetadata(fileKey, { name: `IMG_${i}.jpg`, mime: 'image/jpeg', size: 3_000_000, takenAt: new Date(taken).toISOString(), width: 4000, height: 3000, thumbhash: pic.placeholder });
      thumb = (await directApi.hashObject(t)) as ObjectHash;
      meta = (await directApi.hashObject(m)) as ObjectHash;
      // Stored 64 at a time, as a sync stores what arrives: one by one, each put waits on its
      // own catalog transactions and OPFS calls (~8 ms for a small object here).
      puts.push(s.store.put(thumb, t), s.store.put(meta, m));
      if (puts.length >= 64) await Promise.all(puts.splice(0));
    }
    perAlbum.get(album)!.push({
      t: 'photo.add', photo: toBase64Url(fileId) as PhotoId, fileId: toBase64Url(fileId),
      key: toBase64Url(await directApi.wrapFileKey(k.key, k.epoch, fileId, fileKey)), epoch: k.epoch,
      manifest, thumb, meta, taken, placeholder: pic.placeholder,
    });
  }
  await Promise.all(puts);
  const keysMs = performance.now() - t0;
  // Oldest first, as they would have been added over the years.
  for (const [album, photos] of perAlbum) {
    photos.reverse();
    for (let i = 0; i < photos.length; i += 500) {
      await s.recordPhotos(album, photos.slice(i, i + 500));
      // Someone is using the app (the build takes minutes): the auto-lock would close the vault under it.
      controller.activity();
    }
  }
  const opsMs = performance.now() - t0 - keysMs;
  const vaultId = s.vaultId;
  const count = albums.reduce((n, a) => n + s.photos(a).length, 0);
  await controller.lock();
  return { vaultId, count, buildMs: Math.round(performance.now() - t0), keysMs: Math.round(keysMs), opsMs: Math.round(opsMs) };
}

/** Deletes the album snapshot (the unlock then opens every op, as before the snapshot existed). */
async function dropSnapshots(vaultId: string) {
  const db = await openDB(storageNames(vaultId).indexDb);
  let n = 0;
  for (const k of await db.getAllKeys('vault')) {
    if (typeof k === 'string' && k.startsWith('albums.snapshot.')) {
      await db.delete('vault', k);
      n++;
    }
  }
  db.close();
  return n;
}

/** The timeline's cells in view, and how many of them show a decoded thumbnail. */
function screenful() {
  const screen = app.shadowRoot?.querySelector('fv-timeline-screen');
  const tl = screen?.shadowRoot?.querySelector('fv-timeline');
  const root = tl?.shadowRoot;
  if (!root) return { cells: 0, decoded: 0 };
  const vh = innerHeight;
  let cells = 0;
  let decoded = 0;
  for (const c of root.querySelectorAll<HTMLElement>('.cell')) {
    const r = c.getBoundingClientRect();
    if (r.bottom <= 0 || r.top >= vh || r.width === 0) continue;
    cells++;
    const img = c.querySelector<HTMLImageElement>('img:not(.placeholder)');
    if (img && !img.hidden && img.complete && img.naturalWidth > 0) decoded++;
  }
  return { cells, decoded };
}

/** Where the last unlock's time went: crypto calls by method, and the session's phase marks (ms from t0). */
function phases(t0: number) {
  const marks = Object.fromEntries(performance.getEntriesByType('mark').filter((m) => m.startTime >= t0).map((m) => [m.name, Math.round(m.startTime - t0)]));
  const calls = Object.fromEntries([...cryptoMs].filter(([, v]) => v.ms >= 5).map(([k, v]) => [k, { n: v.n, ms: Math.round(v.ms) }]));
  cryptoMs.clear();
  return { marks, crypto: calls };
}

/** Every long task (main thread busy >= 50 ms) since the page loaded. */
const longTasks: Array<{ at: number; ms: number }> = [];
new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push({ at: e.startTime, ms: Math.round(e.duration) }))).observe({ type: 'longtask', buffered: true });
const frame = () => new Promise((r) => requestAnimationFrame(r));

function timelineRoot(): ShadowRoot | undefined {
  return app.shadowRoot?.querySelector('fv-timeline-screen')?.shadowRoot?.querySelector('fv-timeline')?.shadowRoot ?? undefined;
}

/** Waits until every cell in view shows its decoded thumbnail; the frames it took. */
async function untilScreenful(limit = 1200): Promise<number> {
  for (let n = 0; ; n++) {
    const s = screenful();
    if (s.cells > 0 && s.decoded === s.cells) return n;
    if (n > limit) throw new Error(`no screenful of decoded thumbnails within ${limit} frames (${JSON.stringify(s)})`);
    await frame();
  }
}

/**
 * After unlock (grid benches): jumps to every year with the scrubber, each time until a
 * screenful is decoded, then scrolls from the top to the bottom 400 px a frame (a fling) and waits
 * for the last screenful. Reports the longest main-thread task during it, and the cells in the DOM.
 */
async function scrollRun() {
  const root = timelineRoot();
  if (!root) throw new Error('no timeline on screen');
  const scroller = root.querySelector<HTMLElement>('.scroller')!;
  const from = performance.now();
  let maxCells = 0;
  const years = [...root.querySelectorAll<HTMLButtonElement>('nav.scrub button')];
  const t1 = performance.now();
  for (const b of years) {
    b.click();
    await untilScreenful();
  }
  const jumpMs = (performance.now() - t1) / Math.max(1, years.length);
  scroller.scrollTop = 0;
  await untilScreenful();
  const t2 = performance.now();
  let frames = 0;
  while (scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - 1) {
    scroller.scrollTop += 400;
    await frame();
    frames++;
    maxCells = Math.max(maxCells, root.querySelectorAll('.cell').length);
    if (frames > 200_000) throw new Error('the timeline never reached its end');
  }
  await untilScreenful();
  const scrollMs = performance.now() - t2;
  const during = longTasks.filter((t) => t.at >= from).map((t) => t.ms);
  // Where the long tasks were: the year jumps (from..t2) or the scroll from top to bottom.
  const worst = (a: number, b: number) => longTasks.filter((t) => t.at >= a && t.at < b).map((t) => Math.round(t.ms)).sort((x, y) => y - x).slice(0, 8);
  return {
    years: years.length, jumpMs: Math.round(jumpMs), scrollFrames: frames, scrollMs: Math.round(scrollMs), height: scroller.scrollHeight,
    longestTaskMs: during.length ? Math.max(...during) : 0, longTasks: during.length, maxCells,
    longTasksJumping: worst(from, t2), longTasksScrolling: worst(t2, Infinity),
  };
}

/** Long tasks since `t0` (the unlock click), longest first: how long, and when (ms after t0). */
const longTasksSince = (t0: number) => longTasks.filter((t) => t.at >= t0).map((t) => ({ ms: t.ms, at: Math.round(t.at - t0) })).sort((a, b) => b.ms - a.ms);

(window as any).fvUnlockBench = { scrollRun, longTasksSince, build, dropSnapshots, screenful, controller, phases };
