/** The HEIC decoder for the viewer: one worker, started at the first HEIC opened, ended after a minute unused. */
import { wrap, type Remote } from 'comlink';
import type { HeicDisplayApi } from './heic-display-worker.ts';

let worker: { w: Worker; api: Remote<HeicDisplayApi> } | undefined;
let idle: ReturnType<typeof setTimeout> | undefined;
let busy = 0;

/** The original as a JPEG Blob at full size (decoded in the worker). */
export async function heicForDisplay(file: Blob): Promise<Blob> {
  clearTimeout(idle);
  worker ??= (() => {
    const w = new Worker(new URL('./heic-display-worker.ts', import.meta.url), { type: 'module', name: 'fv-heic' });
    return { w, api: wrap<HeicDisplayApi>(w) };
  })();
  busy++;
  try {
    return await worker.api.heicToJpeg(file);
  } finally {
    if (--busy === 0) {
      idle = setTimeout(() => {
        worker?.w.terminate();
        worker = undefined;
      }, 60_000);
    }
  }
}
