import { defineConfig } from 'vite';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeShims } from '../../vite.shims.ts';

/**
 * Test pages for the browser suites. They import the real web/src modules and are bundled with
 * the same shims as the app, so what runs in Chromium is what the app ships.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const pages = readdirSync(root).filter((f) => f.endsWith('.html'));

export default defineConfig({
  root,
  ...nodeShims,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: { input: Object.fromEntries(pages.map((p) => [p.replace('.html', ''), `${root}/${p}`])) },
  },
  worker: { format: 'es' },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
});
