/**
 * Writes `x.br` and `x.gz` next to every compressible file of the built PWA, so the signal
 * server (signal-server/src/static.ts) sends them by Accept-Encoding with no work per request.
 * Run as the last step of `vite build` (vite.config.ts), after the service worker is written.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Text-like types; images, fonts and archives are compressed already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|wasm|txt|xml)$/i;
/** Below this, a header costs more than it saves. */
const MIN_BYTES = 1024;

export interface Precompressed { file: string; size: number; br: number; gzip: number }

export async function precompressDir(dir: string): Promise<Precompressed[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const abs = join(d, name);
      const st = statSync(abs);
      if (st.isDirectory()) walk(abs);
      else if (COMPRESSIBLE.test(name) && st.size >= MIN_BYTES) files.push(abs);
    }
  };
  walk(dir);
  return Promise.all(files.map(async (abs) => {
    const src = readFileSync(abs);
    const [b, g] = await Promise.all([
      brotli(src, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: src.length } }),
      gz(src, { level: 9 }),
    ]);
    // A form no smaller than the file is not written: the server then sends the file itself.
    if (b.length < src.length) writeFileSync(`${abs}.br`, b);
    if (g.length < src.length) writeFileSync(`${abs}.gz`, g);
    return { file: abs.slice(dir.length + 1), size: src.length, br: b.length, gzip: g.length };
  }));
}
