/**
 * The timeline (web/src/ui/timeline) over a large library, as the Photos screen drives it: items
 * sorted with sortItems, thumbnails real sealed objects in a real OPFS store, decrypted on demand
 * by the crypto worker (64 distinct ones; every cell still does its own read and decryption).
 * Records every long task (main thread busy ≥ 50 ms) while the timeline opens, jumps to each year
 * with the scrubber, and scrolls continuously, and how many cells were ever in the DOM at once.
 */
import type { ObjectHash } from '../../web/src/core/ids.ts';
import { startCryptoWorker } from '../../web/src/crypto/client.ts';
import { openObjectStore } from '../../web/src/storage/open-store.ts';
import '../../web/src/ui/timeline/fv-timeline.ts';
import { sortItems, type TimelineItem } from '../../web/src/ui/timeline/layout.ts';
import { ThumbCache } from '../../web/src/ui/thumb-cache.ts';
import { scaleToJpeg } from '../../web/src/vault/media/thumbnail.ts';
import { makeJpeg } from './photos.ts';

const frame = () => new Promise((r) => requestAnimationFrame(r));

async function run(o: { count: number; years: number; distinct?: number }) {
  const distinct = o.distinct ?? 64;
  const crypto = startCryptoWorker();
  const store = await openObjectStore({ name: `timeline${Date.now()}`, hash: (b) => crypto.hashObject(b) });
  const fileKey = await crypto.newFileKey();
  const thumbs: ObjectHash[] = [];
  for (let i = 0; i < distinct; i++) {
    const bitmap = await createImageBitmap(await makeJpeg(i, 800, 600));
    const t = await scaleToJpeg(bitmap);
    bitmap.close();
    const sealed = await crypto.sealObject(fileKey, 'thumbnail', t.bytes);
    const h = await crypto.hashObject(sealed);
    await store.put(h, sealed);
    thumbs.push(h);
  }
  const end = Date.now();
  const span = o.years * 365 * 86_400_000;
  // In album order (as ops arrive), not date order: the screen sorts.
  const raw: TimelineItem[] = Array.from({ length: o.count }, (_, i) => ({ key: `album/p${i}`, taken: end - Math.floor(((i * 7919) % o.count) * (span / o.count)) }));
  const load = async (key: string) => {
    const bytes = await store.get(thumbs[Number(key.slice('album/p'.length)) % distinct]!);
    if (!bytes) return undefined;
    return new Blob([(await crypto.openObject(fileKey, 'thumbnail', bytes)) as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
  };

  const longTasks: number[] = [];
  const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(Math.round(e.duration))));
  obs.observe({ type: 'longtask' });
  let maxCells = 0;
  const el = document.createElement('fv-timeline');
  const scroller = () => el.shadowRoot!.querySelector<HTMLElement>('.scroller')!;
  const cellsInView = () => {
    const s = scroller();
    return [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button.cell')].filter((c) => {
      const r = c.getBoundingClientRect();
      const v = s.getBoundingClientRect();
      return r.bottom > v.top && r.top < v.bottom;
    });
  };
  // Its own photo's decoded thumbnail, shown (a reused cell must not show the photo it had before).
  const showsOwn = (c: HTMLButtonElement) => {
    const i = c.querySelector<HTMLImageElement>('img:not(.placeholder)');
    return !!i && !i.hidden && i.complete && i.naturalWidth > 0 && i.src === el.cache.peek(c.dataset.key!);
  };
  // Cells in the DOM in the photos' order (what Tab and a screen reader follow).
  const inOrder = () => {
    const idx = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button.cell')].map((c) => Number(c.dataset.index));
    return idx.every((v, k) => k === 0 || v > idx[k - 1]!);
  };
  const screenful = async () => {
    for (let n = 0; ; n++) {
      await frame();
      maxCells = Math.max(maxCells, el.shadowRoot!.querySelectorAll('button.cell').length);
      const cells = cellsInView();
      if (cells.length > 0 && cells.every(showsOwn)) return cells.length;
      if (n > 1200) throw new Error('no screenful of thumbnails within 1,200 frames');
    }
  };

  const t0 = performance.now();
  el.cache = new ThumbCache(load);
  const ts = performance.now();
  el.items = sortItems(raw);
  const sortMs = performance.now() - ts;
  document.body.append(el);
  const firstCells = await screenful();
  const openMs = performance.now() - t0;
  const openLongTasks = longTasks.splice(0);

  // Every year by the scrubber.
  const t1 = performance.now();
  const years = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('nav.scrub button')];
  for (const b of years) {
    b.click();
    await screenful();
  }
  const jumpMs = (performance.now() - t1) / Math.max(1, years.length);
  // A long continuous scroll: 400 px a frame for 300 frames (a hard fling), then a screenful.
  for (let i = 0; i < 300; i++) {
    scroller().scrollTop += 400;
    await frame();
    maxCells = Math.max(maxCells, el.shadowRoot!.querySelectorAll('button.cell').length);
  }
  await screenful();
  const ordered = inOrder();
  // Back up by a fling and a gentle scroll: cells reused in the other direction.
  for (let i = 0; i < 40; i++) {
    scroller().scrollTop -= i < 30 ? 400 : 40;
    await frame();
  }
  await screenful();
  const orderedBack = inOrder();
  obs.disconnect();
  const height = scroller().scrollHeight;
  crypto.close();
  return { sortMs: Math.round(sortMs), count: o.count, openMs: Math.round(openMs), firstCells, jumpMs: Math.round(jumpMs), years: years.length, openLongTasks, scrollLongTasks: longTasks, maxCells, height, ordered, orderedBack };
}

Object.assign(window, { fvTimeline: { run } });
