/**
 * grid-10k: the real virtualised grid (web/src/ui/fv-grid.ts) over 10,000 photos whose thumbnails
 * are real sealed objects in a real OPFS store, decrypted on demand by the crypto worker. Measures
 * the time from showing the album to a screenful of decoded thumbnails, at the top and after a jump
 * to the middle. (64 distinct thumbnails are stored; the 10,000 cells cycle through them, each
 * cell still doing its own store read and decryption.)
 */
import type { ObjectHash } from '../../web/src/core/ids.ts';
import { startCryptoWorker } from '../../web/src/crypto/client.ts';
import { openObjectStore } from '../../web/src/storage/open-store.ts';
import '../../web/src/ui/fv-grid.ts';
import { ThumbCache } from '../../web/src/ui/thumb-cache.ts';
import { scaleToJpeg } from '../../web/src/vault/media/thumbnail.ts';
import { makeJpeg } from './photos.ts';

async function run(count = 10_000, distinct = 64) {
  const crypto = startCryptoWorker();
  const store = await openObjectStore({ name: `grid${Date.now()}`, hash: (b) => crypto.hashObject(b) });
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
  const ids = Array.from({ length: count }, (_, i) => `p${i}`);
  const load = async (id: string) => {
    const bytes = await store.get(thumbs[Number(id.slice(1)) % distinct]!);
    if (!bytes) return undefined;
    return new Blob([(await crypto.openObject(fileKey, 'thumbnail', bytes)) as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
  };

  const screenful = async (grid: HTMLElement) => {
    // Done when every cell in view holds a decoded image.
    for (;;) {
      await new Promise((r) => requestAnimationFrame(r));
      const top = grid.scrollTop;
      const cells = [...grid.shadowRoot!.querySelectorAll<HTMLButtonElement>('button.cell')].filter((c) => {
        const y = parseFloat(c.style.top);
        return y >= top - 1 && y < top + grid.clientHeight;
      });
      const imgs = cells.map((c) => c.querySelector('img'));
      if (cells.length > 0 && imgs.every((i) => i && i.complete && i.naturalWidth > 0)) return cells.length;
    }
  };

  const t0 = performance.now();
  const grid = document.createElement('fv-grid');
  grid.cache = new ThumbCache(load);
  grid.ids = ids;
  document.body.append(grid);
  const firstCells = await screenful(grid);
  const firstMs = performance.now() - t0;

  const t1 = performance.now();
  grid.scrollTop = grid.scrollHeight / 2;
  const midCells = await screenful(grid);
  const midMs = performance.now() - t1;
  const domCells = grid.shadowRoot!.querySelectorAll('button.cell').length;
  crypto.close();
  return { firstMs, firstCells, midMs, midCells, domCells, count };
}

Object.assign(window, { fvGridBench: { run } });
