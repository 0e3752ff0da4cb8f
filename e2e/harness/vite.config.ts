import { defineConfig, type Plugin } from 'vite';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeShims } from '../../vite.shims.ts';

/**
 * Test pages for the browser suites. They import the real web/src modules and are bundled with
 * the same shims as the app, so what runs in Chromium is what the app ships.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const pages = readdirSync(root).filter((f) => f.endsWith('.html'));
const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));

/** e2e/fixtures/* is served at /fixtures/* (real photos with EXIF, for fvVault.addFixture). */
const fixturesPlugin: Plugin = {
  name: 'fv-fixtures',
  generateBundle() {
    for (const f of readdirSync(fixtures)) this.emitFile({ type: 'asset', fileName: `fixtures/${f}`, source: readFileSync(`${fixtures}/${f}`) });
  },
};

export default defineConfig({
  root,
  ...nodeShims,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // FV_HARNESS_MINIFY=0: readable function names in a CPU profile (bench unlock-100k's FV_UNLOCK_CPUPROFILE).
    minify: process.env.FV_HARNESS_MINIFY !== '0',
    rollupOptions: { input: Object.fromEntries(pages.map((p) => [p.replace('.html', ''), `${root}/${p}`])) },
  },
  plugins: [fixturesPlugin],
  worker: { format: 'es' },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
});
