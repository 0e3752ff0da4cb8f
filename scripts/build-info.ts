/**
 * The build hash (issue 10 §7): SHA-256 over every source file that goes into the web app
 * (web/ without tests, public/, the lock file, the build config), path and bytes, in path order.
 * The same sources give the same hash on any machine, so a family can compare what their app
 * shows (Settings) and what a server says it serves (`/healthz`) with a build of the release
 * they trust. `vite.config.ts` puts it in the app and writes `build.json` next to it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const ROOTS = ['web', 'public'];
const FILES = ['package-lock.json', 'vite.config.ts', 'vite.shims.ts', 'scripts/build-info.ts'];
const SKIP = new Set(['dist', 'node_modules', '__tests__', 'test']);

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (!/\.test\.ts$/.test(name)) out.push(p);
  }
}

export function sourceBuildHash(root: string): string {
  const files: string[] = [];
  for (const r of ROOTS) walk(join(root, r), files);
  for (const f of FILES) files.push(join(root, f));
  const h = createHash('sha256');
  for (const f of files.map((p) => relative(root, p).split(sep).join('/')).sort()) {
    const bytes = readFileSync(join(root, f));
    h.update(`${f}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return h.digest('hex');
}
