import { fileURLToPath } from 'node:url';
import type { UserConfig } from 'vite';

/**
 * simple-peer (and its readable-stream) expect Node's `buffer`, `process`, `events` and
 * `global`. These aliases point them at the npm browser packages; web/src/transport/node-shims.ts
 * sets the globals before simple-peer loads. See ../shared/TESTING.md ("Two build pitfalls").
 */
export const nodeShims: Pick<UserConfig, 'define' | 'resolve'> = {
  define: { global: 'globalThis' },
  resolve: {
    alias: {
      buffer: fileURLToPath(new URL('./node_modules/buffer/', import.meta.url)),
      process: fileURLToPath(new URL('./node_modules/process/browser.js', import.meta.url)),
      events: fileURLToPath(new URL('./node_modules/events/', import.meta.url)),
    },
  },
};
