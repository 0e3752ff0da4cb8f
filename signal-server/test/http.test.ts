/** HTTP: /healthz, /metrics, and static serving of the PWA (types, caching, CSP, SPA fallback, traversal). */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, normalizePath, StaticSite } from '../src/static.ts';
import { joined, makeRoom, startTestServer, type TestServer } from './support/client.ts';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-SITE';
let tmp: string;
let site: string;
let server: TestServer;
const big = Buffer.alloc(3 * 1024 * 1024, 7); // above the in-memory limit: read per request

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fv-static-'));
  site = join(tmp, 'site');
  mkdirSync(join(site, 'assets'), { recursive: true });
  mkdirSync(join(site, 'icons'));
  writeFileSync(join(tmp, 'outside-secret.txt'), SECRET);
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(site, 'relay.html'), '<!doctype html><title>relay</title>');
  writeFileSync(join(site, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  writeFileSync(join(site, 'manifest.webmanifest'), '{"name":"Family Vault"}');
  writeFileSync(join(site, 'assets', 'index-DwRYP6vE.js'), 'console.log(1)');
  writeFileSync(join(site, 'assets', 'style-B1c2D3e4.css'), 'body{}');
  writeFileSync(join(site, 'assets', 'hash-Ab12Cd34.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(join(site, 'assets', 'big-Zz99Yy88.bin'), big);
  writeFileSync(join(site, 'icons', 'icon-192.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(join(site, '.env'), SECRET);
  symlinkSync(join(tmp, 'outside-secret.txt'), join(site, 'link-out.txt'));
  symlinkSync(tmp, join(site, 'linkdir'));
  server = await startTestServer({ staticDir: site });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A raw HTTP/1.1 request, so the path reaches the server exactly as written (fetch normalises). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; head: string; body: string }> {
  const { port } = server;
  return new Promise((resolve, reject) => {
    const sock = netConnect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('error', reject);
    sock.on('close', () => {
      const i = data.indexOf('\r\n\r\n');
      resolve({ status: Number(data.split(' ')[1]), head: data.slice(0, i), body: data.slice(i + 4) });
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`);
  });
}

describe('health and metrics', () => {
  it('GET /healthz → 200 {ok:true}', async () => {
    const r = await fetch(`${server.url}/healthz`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.json()).toEqual({ ok: true });
  });

  it('GET /metrics → Prometheus text with connections, rooms, relayed messages, refusals, bytes', async () => {
    const room = makeRoom();
    const a = await joined(server, room);
    const b = await joined(server, room);
    a.send({ type: 'signal', to: b.peer, data: 'x' });
    await b.next('signal');
    const r = await fetch(`${server.url}/metrics`);
    expect(r.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await r.text();
    expect(text).toMatch(/^# HELP fv_signal_connections /m);
    expect(text).toMatch(/^# TYPE fv_signal_connections gauge$/m);
    expect(text).toMatch(/^fv_signal_connections 2$/m);
    expect(text).toMatch(/^fv_signal_rooms 1$/m);
    expect(text).toMatch(/^fv_signal_peers 2$/m);
    expect(text).toMatch(/^fv_signal_messages_relayed_total\{kind="signal"\} 1$/m);
    expect(text).toMatch(/^fv_signal_received_bytes_total \d+$/m);
    expect(text).toMatch(/^fv_signal_sent_bytes_total \d+$/m);
    expect(text).toMatch(/^# TYPE fv_signal_refusals_total counter$/m);
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="[\w-]+"\})? \d+)$/);
    a.close();
    b.close();
  });
});

describe('static files', () => {
  it('serves index.html at / with CSP, nosniff, no-referrer, no-cache', async () => {
    const r = await fetch(`${server.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(await r.text()).toContain('<title>app</title>');
  });

  it('the CSP is the strict one the app is built for', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss:; img-src 'self' blob: data:; media-src 'self' blob:; " +
      "worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  });

  it.each([
    ['/relay.html', 'text/html; charset=utf-8', 'no-cache'],
    ['/sw.js', 'text/javascript; charset=utf-8', 'no-cache'],
    ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8', 'no-cache'],
    ['/assets/index-DwRYP6vE.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/assets/style-B1c2D3e4.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/assets/hash-Ab12Cd34.wasm', 'application/wasm', 'public, max-age=31536000, immutable'],
    ['/icons/icon-192.png', 'image/png', 'no-cache'],
  ])('%s → %s, %s', async (path, type, cache) => {
    const r = await fetch(server.url + path);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(type);
    expect(r.headers.get('cache-control')).toBe(cache);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.has('content-security-policy')).toBe(type.startsWith('text/html'));
  });

  it('answers If-None-Match with 304', async () => {
    const r = await fetch(`${server.url}/sw.js`);
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const r2 = await fetch(`${server.url}/sw.js`, { headers: { 'If-None-Match': etag } });
    expect(r2.status).toBe(304);
    expect(await r2.text()).toBe('');
  });

  it('serves large files (read per request) intact, and HEAD without a body', async () => {
    const r = await fetch(`${server.url}/assets/big-Zz99Yy88.bin`);
    expect(r.status).toBe(200);
    expect(Buffer.from(await r.arrayBuffer()).equals(big)).toBe(true);
    const h = await fetch(`${server.url}/assets/big-Zz99Yy88.bin`, { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(h.headers.get('content-length')).toBe(String(big.length));
  });

  it('falls back to index.html for navigations only', async () => {
    const nav = await fetch(`${server.url}/album/123`, { headers: { Accept: 'text/html,application/xhtml+xml' } });
    expect(nav.status).toBe(200);
    expect(await nav.text()).toContain('<title>app</title>');
    expect(nav.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const navMode = await rawGet('/settings', { 'Sec-Fetch-Mode': 'navigate' });
    expect(navMode.status).toBe(200);
    for (const [path, accept] of [['/album/123', '*/*'], ['/missing.js', 'text/html'], ['/assets/gone', 'text/html']] as const) {
      expect((await fetch(server.url + path, { headers: { Accept: accept } })).status, path).toBe(404);
    }
  });

  it('rejects other methods with 405', async () => {
    const r = await fetch(`${server.url}/index.html`, { method: 'POST', body: 'x' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
  });

  it('never serves anything outside the directory, dotfiles or symlinks', async () => {
    const attempts = [
      '/../outside-secret.txt', '/%2e%2e/outside-secret.txt', '/..%2foutside-secret.txt', '/%2e%2e%2foutside-secret.txt',
      '/assets/..%2f..%2foutside-secret.txt', '/assets/%2e%2e/%2e%2e/outside-secret.txt', '/..\\outside-secret.txt',
      '/%5c..%5coutside-secret.txt', '//../outside-secret.txt', '/./../outside-secret.txt', '/.env', '/%2eenv',
      '/link-out.txt', '/linkdir/outside-secret.txt', '/assets/%00', '/%00/../outside-secret.txt', '/%', '/%zz',
      '/' + '../'.repeat(20) + 'etc/passwd', '/..%252f..%252foutside-secret.txt', '/%c0%ae%c0%ae/outside-secret.txt',
    ];
    for (const path of attempts) {
      for (const accept of ['*/*', 'text/html']) {
        const r = await rawGet(path, { Accept: accept });
        expect(r.body, path).not.toContain(SECRET);
        expect(r.body, path).not.toContain('root:');
        // Navigation fallback may answer index.html; anything else is 400 or 404.
        if (r.status === 200) expect(r.body, path).toContain('<title>app</title>');
        else expect([400, 404], path).toContain(r.status);
      }
    }
  });

  it('normalizePath refuses dot segments, NUL, backslashes and bad escapes', () => {
    expect(normalizePath('/a/b.js')).toBe('a/b.js');
    expect(normalizePath('//a//b.js')).toBe('a/b.js');
    expect(normalizePath('/')).toBe('');
    for (const bad of ['/../x', '/a/../../x', '/%2e%2e/x', '/a/./b', '/%00', '/a\\b', '/%5c', '/%', '/%E0%A4%A']) {
      expect(normalizePath(bad), bad).toBeUndefined();
    }
  });

  it('the index never contains dotfiles or symlinks', () => {
    const s = new StaticSite(site);
    expect(s.resolve({ method: 'get', path: '/.env', accept: '', secFetchMode: '', ifNoneMatch: '' }).status).toMatch(/^404/);
    expect(s.resolve({ method: 'get', path: '/link-out.txt', accept: '', secFetchMode: '', ifNoneMatch: '' }).status).toMatch(/^404/);
    expect(s.fileCount).toBe(9);
  });

  it('serves nothing when no directory is configured', async () => {
    const bare = await startTestServer();
    expect((await fetch(`${bare.url}/index.html`)).status).toBe(404);
    expect((await fetch(`${bare.url}/healthz`)).status).toBe(200);
    await bare.close();
  });
});
