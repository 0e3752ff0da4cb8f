import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { nodeShims } from './vite.shims.ts';
import { sourceBuildHash } from './scripts/build-info.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { precompressDir } from './scripts/precompress.ts';

const BUILD = sourceBuildHash(import.meta.dirname);
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// Two pages: the family app (index.html) and the keyless relay page (relay.html).
// The service worker (web/src/entries/sw.ts) uses injectManifest so it can later take the
// share-target POST; built as IIFE because a classic SW cannot be an ES module.
export default defineConfig({
  root: 'web',
  publicDir: '../public',
  base: '/',
  ...nodeShims,
  define: { ...nodeShims.define, __FV_BUILD__: JSON.stringify(BUILD), __FV_VERSION__: JSON.stringify(pkg.version) },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: { index: 'web/index.html', relay: 'web/relay.html' },
    },
  },
  worker: { format: 'es' },
  plugins: [
    {
      // build.json: what the signal server reports in /healthz for the app it serves.
      name: 'fv-build-info',
      apply: 'build',
      generateBundle() {
        this.emitFile({ type: 'asset', fileName: 'build.json', source: JSON.stringify({ build: BUILD, version: pkg.version }) + '\n' });
      },
    },
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/entries',
      filename: 'sw.ts',
      injectRegister: false,
      registerType: 'prompt',
      injectManifest: {
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,wasm}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
      },
      manifest: {
        id: '/',
        name: 'Family Vault',
        short_name: 'Vault',
        description: 'Your family photos, encrypted on your devices and kept at home.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f6f3ee',
        theme_color: '#2f5d50',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
        share_target: {
          action: '/share-target',
          method: 'POST',
          enctype: 'multipart/form-data',
          params: { files: [{ name: 'photos', accept: ['image/*', 'video/*'] }] },
        },
      },
    }),
    {
      // Last: .br and .gz next to each text asset (sw.js included, so after VitePWA writes it).
      name: 'fv-precompress',
      apply: 'build',
      closeBundle: {
        sequential: true,
        order: 'post',
        async handler() {
          await precompressDir(join(import.meta.dirname, 'web', 'dist'));
        },
      },
    },
  ],
});
