/**
 * Precompressed static files: the build's `x.br` / `x.gz` (scripts/precompress.ts) go out by
 * Accept-Encoding with Content-Encoding, Vary and an ETag per representation; identity otherwise.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../scripts/precompress.ts';
import { chooseCoding } from '../src/static.ts';
import { startTestServer, type TestServer } from './support/client.ts';

let tmp: string;
let server: TestServer;
// Text that compresses, like a real bundle.
const js = Array.from({ length: 400 }, (_, i) => `export const value${i} = "family vault ${i}";`).join('\n');
const html = `<!doctype html><title>app</title>${'<p>hello family</p>'.repeat(200)}`;
const tiny = 'console.log(1)';
const png = Buffer.alloc(4096, 0x89);

/** A raw GET/HEAD (node:http decodes nothing, unlike fetch). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const url = new URL(path, server.url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fv-compress-'));
  mkdirSync(join(tmp, 'assets'));
  writeFileSync(join(tmp, 'index.html'), html);
  writeFileSync(join(tmp, 'assets', 'app-Ab12Cd34.js'), js);
  writeFileSync(join(tmp, 'assets', 'tiny-Zz99Yy88.js'), tiny);
  writeFileSync(join(tmp, 'assets', 'icon-Qq11Ww22.png'), png);
  const done = await precompressDir(tmp);
  expect(done.map((d) => d.file).sort()).toEqual(['assets/app-Ab12Cd34.js', 'index.html']);
  server = await startTestServer({ staticDir: tmp });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('precompress (build step)', () => {
  it('writes .br and .gz that decode to the file, and skips small files and images', () => {
    const dir = join(tmp, 'assets');
    expect(brotliDecompressSync(readFileSync(join(dir, 'app-Ab12Cd34.js.br'))).toString()).toBe(js);
    expect(gunzipSync(readFileSync(join(dir, 'app-Ab12Cd34.js.gz'))).toString()).toBe(js);
    expect(() => readFileSync(join(dir, 'tiny-Zz99Yy88.js.br'))).toThrow(/ENOENT/);
    expect(() => readFileSync(join(dir, 'icon-Qq11Ww22.png.gz'))).toThrow(/ENOENT/);
  });
});

describe('serving by Accept-Encoding', () => {
  it('brotli when the browser takes it, with Vary and its own ETag', async () => {
    const r = await get('/assets/app-Ab12Cd34.js', { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['vary']).toBe('Accept-Encoding');
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(js.length / 4);
    expect(brotliDecompressSync(r.body).toString()).toBe(js);
    expect(r.headers['etag']).toMatch(/-br"$/);
  });

  it('gzip when brotli is not accepted', async () => {
    const r = await get('/assets/app-Ab12Cd34.js', { 'Accept-Encoding': 'gzip' });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers['vary']).toBe('Accept-Encoding');
    expect(gunzipSync(r.body).toString()).toBe(js);
    expect(r.headers['etag']).toMatch(/-gz"$/);
  });

  it('the file itself with no Accept-Encoding, or when br and gzip are refused (q=0)', async () => {
    for (const ae of [undefined, 'identity', 'br;q=0, gzip;q=0', 'deflate']) {
      const r = await get('/assets/app-Ab12Cd34.js', ae ? { 'Accept-Encoding': ae } : {});
      expect(r.headers['content-encoding'], String(ae)).toBeUndefined();
      expect(r.headers['vary']).toBe('Accept-Encoding');
      expect(r.body.toString()).toBe(js);
      expect(r.headers['etag']).not.toMatch(/-(br|gz)"$/);
    }
  });

  it('the navigation fallback (index.html) is compressed too and keeps its CSP', async () => {
    const r = await get('/albums/1', { 'Accept-Encoding': 'br', Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(brotliDecompressSync(r.body).toString()).toBe(html);
  });

  it('If-None-Match is checked against the representation that would be sent', async () => {
    const br = await get('/assets/app-Ab12Cd34.js', { 'Accept-Encoding': 'br' });
    const again = await get('/assets/app-Ab12Cd34.js', { 'Accept-Encoding': 'br', 'If-None-Match': String(br.headers['etag']) });
    expect(again.status).toBe(304);
    expect(again.headers['content-encoding']).toBe('br');
    expect(again.body.length).toBe(0);
    // A gzip-only client holding the brotli ETag gets the gzip bytes, not a 304.
    const other = await get('/assets/app-Ab12Cd34.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': String(br.headers['etag']) });
    expect(other.status).toBe(200);
    expect(other.headers['content-encoding']).toBe('gzip');
  });

  it('HEAD gives the length of the chosen representation', async () => {
    const gz = readFileSync(join(tmp, 'assets', 'app-Ab12Cd34.js.gz'));
    const r = await get('/assets/app-Ab12Cd34.js', { 'Accept-Encoding': 'gzip' }, 'HEAD');
    expect(r.status).toBe(200);
    expect(Number(r.headers['content-length'])).toBe(gz.length);
    expect(r.body.length).toBe(0);
  });

  it('files without a compressed form have no Vary or Content-Encoding', async () => {
    for (const p of ['/assets/tiny-Zz99Yy88.js', '/assets/icon-Qq11Ww22.png']) {
      const r = await get(p, { 'Accept-Encoding': 'br, gzip' });
      expect(r.status).toBe(200);
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.headers['vary']).toBeUndefined();
    }
  });

  it('the .br and .gz files are not reachable under their own names', async () => {
    for (const p of ['/assets/app-Ab12Cd34.js.br', '/assets/app-Ab12Cd34.js.gz', '/index.html.br']) {
      expect((await get(p, { 'Accept-Encoding': 'br' })).status, p).toBe(404);
    }
  });
});

describe('a file changed after the build', () => {
  it('is served as itself, not as its older precompressed copies (a new sw.js must reach the browser)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fv-compress-stale-'));
    try {
      writeFileSync(join(dir, 'sw.js'), js);
      await precompressDir(dir);
      const past = new Date(Date.now() - 60_000);
      for (const ext of ['br', 'gz']) utimesSync(join(dir, `sw.js.${ext}`), past, past);
      writeFileSync(join(dir, 'sw.js'), `${js}\n// next release\n`);
      const s = await startTestServer({ staticDir: dir });
      try {
        const r = await (async () => {
          const url = new URL('/sw.js', s.url);
          return new Promise<{ enc?: string; body: string }>((resolve, reject) => {
            request(url, { headers: { 'Accept-Encoding': 'br, gzip' } }, (res) => {
              const parts: Buffer[] = [];
              res.on('data', (c: Buffer) => parts.push(c));
              res.on('end', () => resolve({ enc: res.headers['content-encoding'], body: Buffer.concat(parts).toString() }));
            }).on('error', reject).end();
          });
        })();
        expect(r.enc).toBeUndefined();
        expect(r.body.endsWith('// next release\n')).toBe(true);
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('chooseCoding', () => {
  const both = new Map([['br', 1], ['gzip', 1]] as const);
  it.each([
    ['', undefined],
    ['br', 'br'],
    ['gzip, br', 'br'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0', undefined],
    ['br;q=0, *', 'gzip'],
    ['identity;q=1, deflate', undefined],
  ])('%j → %s', (header, want) => {
    expect(chooseCoding(header, both)).toBe(want);
  });
  it('only codings held are chosen', () => {
    expect(chooseCoding('br, gzip', new Map([['gzip', 1]] as const))).toBe('gzip');
  });
});
