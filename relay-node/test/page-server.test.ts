import * as fs from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLogger } from '../src/log.ts';
import { mimeType, resolveUnder, startPageServer, type PageServer } from '../src/page-server.ts';

describe('resolveUnder', () => {
  it('maps URL paths to files under the root and refuses climbing out', () => {
    expect(resolveUnder('/w', '/')).toBe('/w/relay.html');
    expect(resolveUnder('/w', '/assets/a.js?v=1')).toBe('/w/assets/a.js');
    expect(resolveUnder('/w', '/a%20b.png')).toBe('/w/a b.png');
    for (const bad of ['/../etc/passwd', '/%2e%2e/etc/passwd', '/assets/../../x', '/a%00b', '/%E0%A4%A', '/..%5c..%5cx']) {
      expect(resolveUnder('/w', bad), bad).toBeUndefined();
    }
  });

  it('names the MIME types the app needs', () => {
    expect(mimeType('a.wasm')).toBe('application/wasm');
    expect(mimeType('a.js')).toMatch(/^text\/javascript/);
    expect(mimeType('manifest.webmanifest')).toBe('application/manifest+json');
    expect(mimeType('a.map')).toBe('application/json');
    expect(mimeType('a.svg')).toBe('image/svg+xml');
  });
});

/** Raw GET, so paths are sent exactly as written (fetch would normalise "..") */
function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; type: string | undefined; csp: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], csp: res.headers['content-security-policy'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('page server', () => {
  let dir: string;
  let server: PageServer;
  let port: number;
  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'fv-page-'));
    await fs.mkdir(join(dir, 'web', 'assets'), { recursive: true });
    await fs.writeFile(join(dir, 'web', 'relay.html'), '<!doctype html>relay');
    await fs.writeFile(join(dir, 'web', 'assets', 'x.wasm'), new Uint8Array([0, 97, 115, 109]));
    await fs.writeFile(join(dir, 'secret.txt'), 'outside');
    await fs.symlink(join(dir, 'secret.txt'), join(dir, 'web', 'link.txt'));
    server = await startPageServer({ root: join(dir, 'web'), port: 0, log: makeLogger({ level: 'error', format: 'text' }) });
    port = Number(new URL(server.origin).port);
  });
  afterAll(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('serves the built files with their types', async () => {
    const page = await get(port, '/relay.html');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html>relay' });
    expect(page.csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'/);
    expect(await get(port, '/')).toMatchObject({ status: 200, body: '<!doctype html>relay' });
    expect(await get(port, '/assets/x.wasm')).toMatchObject({ status: 200, type: 'application/wasm' });
    expect(await get(port, '/missing.js')).toMatchObject({ status: 404 });
    expect(await get(port, '/assets')).toMatchObject({ status: 404 });
  });

  it('serves nothing outside its root, through ".." or a symlink', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/link.txt']) {
      const r = await get(port, p);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('outside');
    }
  });

  it('refuses requests that name another host (DNS rebinding)', async () => {
    expect((await get(port, '/relay.html', 'evil.example:80')).status).toBe(421);
    expect((await get(port, '/relay.html', `localhost:${port}`)).status).toBe(200);
  });
});
