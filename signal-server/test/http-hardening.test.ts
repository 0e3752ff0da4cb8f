/**
 * HTTP under hostile or old clients: pipelining without reading (memory stays bounded, stalled
 * connections are closed), source maps, HEAD and HTTP/1.0 health checks, security headers,
 * and the Origin check on the WebSocket upgrade.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HSTS } from '../src/http.ts';
import { normalizeOrigin, originAllowed } from '../src/origin.ts';
import { PERMISSIONS_POLICY } from '../src/static.ts';
import { connect, sleep, startTestServer, type TestServer } from './support/client.ts';
import { hasProcNetTcp, serverSocketState } from './support/tcp.ts';

const MiB = 1024 * 1024;
const BUILD = 'ab'.repeat(32);
const HEALTH = JSON.stringify({ ok: true, build: BUILD, version: '1.2.3' });
let tmp: string;
let site: string;
let server: TestServer;
const cached = Buffer.alloc(MiB, 1); // held in memory (≤ 2 MiB)
const onDisk = Buffer.alloc(3 * MiB, 2); // streamed from disk
const HUGE = 16 * MiB; // more than the loopback socket buffers hold: a non-reader stalls

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fv-http-'));
  site = join(tmp, 'site');
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(site, 'assets', 'index-DwRYP6vE.js'), 'console.log(1)\n//# sourceMappingURL=index-DwRYP6vE.js.map');
  writeFileSync(join(site, 'assets', 'index-DwRYP6vE.js.map'), '{"version":3,"sources":["secret-source.ts"]}');
  writeFileSync(join(site, 'assets', 'cached-Aa11Bb22.bin'), cached);
  writeFileSync(join(site, 'assets', 'disk-Cc33Dd44.bin'), onDisk);
  writeFileSync(join(site, 'assets', 'huge-Ee55Ff66.bin'), Buffer.alloc(HUGE, 3));
  writeFileSync(join(site, 'build.json'), JSON.stringify({ build: BUILD, version: '1.2.3' }));
  server = await startTestServer({ staticDir: site, limits: { httpStallTimeoutMs: 1000 }, healthPort: 0 });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Sends raw bytes and collects everything until the server closes or `ms` pass. */
function raw(port: number, request: string, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    const sock = netConnect(port, '127.0.0.1');
    let data = '';
    const t = setTimeout(() => sock.destroy(), ms);
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('error', () => undefined); // a reset simply ends the exchange
    sock.on('close', () => {
      clearTimeout(t);
      resolve(data);
    });
    sock.write(request);
  });
}

/** A client that pipelines `n` GETs of `path` in one write and then never reads. */
async function pipeliner(path: string, n: number): Promise<Socket> {
  const sock = netConnect(server.port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.on('error', () => undefined); // the server may drop it: that is the point
  sock.pause();
  sock.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`.repeat(n));
  return sock;
}

const rssMiB = () => process.memoryUsage().rss / MiB;

describe('clients that never read', () => {
  // uWS closes a connection that sends a request while the previous response is still going
  // out, so pipelining stops at the first response that does not fit the socket buffers.
  it.each([
    ['/assets/cached-Aa11Bb22.bin', 'a cached 1 MiB file'],
    ['/assets/disk-Cc33Dd44.bin', 'a 3 MiB file streamed from disk'],
  ])('pipelining %s (%s): 10 clients × 50 GETs grow RSS by less than 64 MiB', async (path) => {
    const before = rssMiB();
    const socks = await Promise.all(Array.from({ length: 10 }, () => pipeliner(path, 50)));
    await sleep(500);
    const grown = rssMiB() - before;
    // With res.end(body) every answer was buffered whole: about 500 MiB for the cached file.
    console.log(JSON.stringify({ path, clients: 10, pipelined: 50, rssGrowthMiB: Math.round(grown) }));
    expect(grown).toBeLessThan(64);
    for (const s of socks) s.destroy();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('20 clients each fetching a 16 MiB file without reading grow RSS by less than 64 MiB', async () => {
    const before = rssMiB();
    const socks = await Promise.all(Array.from({ length: 20 }, () => pipeliner('/assets/huge-Ee55Ff66.bin', 1)));
    await sleep(500); // less than the stall timeout
    const grown = rssMiB() - before;
    // readFile per request held 16 MiB each (320 MiB), plus whatever res.end buffered.
    console.log(JSON.stringify({ path: 'huge', clients: 20, rssGrowthMiB: Math.round(grown) }));
    expect(grown).toBeLessThan(64);
    for (const s of socks) s.destroy();
  });

  it.runIf(hasProcNetTcp)('a connection whose response makes no progress is closed after --http-stall-timeout', async () => {
    const sock = await pipeliner('/assets/huge-Ee55Ff66.bin', 1);
    const clientPort = sock.localPort!;
    await sleep(300);
    expect(serverSocketState(server.port, clientPort)).toBe('ESTABLISHED');
    await sleep(2000);
    expect(serverSocketState(server.port, clientPort)).not.toBe('ESTABLISHED');
    sock.destroy();
  });

  it('readers still get every byte, of several files on one keep-alive connection', async () => {
    const huge = Buffer.alloc(HUGE, 3);
    for (const [path, body] of [['/assets/disk-Cc33Dd44.bin', onDisk], ['/assets/cached-Aa11Bb22.bin', cached], ['/assets/huge-Ee55Ff66.bin', huge]] as const) {
      const r = await fetch(server.url + path);
      expect(Buffer.from(await r.arrayBuffer()).equals(body), path).toBe(true);
    }
  });
});

describe('static', () => {
  it('does not serve source maps', async () => {
    expect((await fetch(`${server.url}/assets/index-DwRYP6vE.js`)).status).toBe(200);
    const r = await fetch(`${server.url}/assets/index-DwRYP6vE.js.map`);
    expect(r.status).toBe(404);
    expect(await r.text()).not.toContain('secret-source');
  });
});

describe('health checks', () => {
  it('/healthz names the build of the app it serves (the build.json next to it)', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true, build: BUILD, version: '1.2.3' });
  });

  it('HEAD /healthz → 200 with a length and no body', async () => {
    const r = await raw(server.port, 'HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(r).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r).toMatch(new RegExp(`\r\nContent-Length: ${HEALTH.length}\r\n`, 'i'));
    expect(r.endsWith('\r\n\r\n')).toBe(true);
  });

  it('a plain HTTP/1.0 GET /healthz gets an answer on --health-port', async () => {
    const r = await raw(server.healthPort!, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(r).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.endsWith(HEALTH)).toBe(true);
    const head = await raw(server.healthPort!, 'HEAD /healthz HTTP/1.0\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(await raw(server.healthPort!, 'GET /metrics HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('uWS itself still drops HTTP/1.0 unanswered (why --health-port exists; if this fails, uWS learned HTTP/1.0)', async () => {
    expect(await raw(server.port, 'GET /healthz HTTP/1.0\r\n\r\n', 500)).toBe('');
  });
});

describe('headers', () => {
  it('Permissions-Policy everywhere; no HSTS when TLS is not known', async () => {
    for (const path of ['/', '/healthz', '/metrics', '/nope.js']) {
      const r = await fetch(server.url + path);
      expect(r.headers.get('permissions-policy'), path).toBe(PERMISSIONS_POLICY);
      expect(r.headers.has('strict-transport-security'), path).toBe(false);
    }
    // Without --trust-proxy a client's X-Forwarded-Proto means nothing.
    const r = await fetch(`${server.url}/`, { headers: { 'X-Forwarded-Proto': 'https' } });
    expect(r.headers.has('strict-transport-security')).toBe(false);
  });

  it('HSTS with --hsts, or with --trust-proxy when the proxy says https', async () => {
    const hsts = await startTestServer({ hsts: true });
    const proxied = await startTestServer({ trustProxy: true });
    try {
      expect((await fetch(`${hsts.url}/healthz`)).headers.get('strict-transport-security')).toBe(HSTS);
      expect((await fetch(`${proxied.url}/healthz`, { headers: { 'X-Forwarded-Proto': 'https' } })).headers.get('strict-transport-security')).toBe(HSTS);
      expect((await fetch(`${proxied.url}/healthz`, { headers: { 'X-Forwarded-Proto': 'http' } })).headers.has('strict-transport-security')).toBe(false);
    } finally {
      await hsts.close();
      await proxied.close();
    }
  });

  it('still names uWebSockets: uWS writes that header itself and it cannot be removed (documented)', async () => {
    expect((await fetch(`${server.url}/healthz`)).headers.get('uwebsockets')).toBe('20');
  });
});

describe('Origin on the WebSocket upgrade', () => {
  const status = (s: TestServer, origin: string) => new Promise<number>((resolve) => {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/signal`, { origin });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('error', () => undefined);
  });

  it('refuses other sites with 403, allows this host, loopback pages, the allow-list and programs without Origin', async () => {
    const s = await startTestServer({ allowedOrigins: ['https://app.example.org'] });
    try {
      expect(await status(s, 'https://evil.example')).toBe(403);
      expect(await status(s, 'null')).toBe(403);
      expect(await status(s, s.url)).toBe(101);
      expect(await status(s, 'http://localhost:5173')).toBe(101);
      expect(await status(s, 'https://app.example.org')).toBe(101);
      const c = await connect(s); // no Origin header at all
      c.close();
      const lines = s.logs.filter((l) => l.includes('reason=bad-origin'));
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain('code=403');
      expect(s.metrics().refusals['bad-origin']).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('originAllowed compares scheme-normalised hosts', () => {
    expect(originAllowed('https://vault.example.org', 'vault.example.org', [])).toBe(true);
    expect(originAllowed('https://vault.example.org', 'vault.example.org:443', [])).toBe(true);
    expect(originAllowed('https://VAULT.example.org', 'vault.example.org', [])).toBe(true);
    expect(originAllowed('https://vault.example.org.evil.example', 'vault.example.org', [])).toBe(false);
    expect(originAllowed('https://vault.example.org:8443', 'vault.example.org', [])).toBe(false);
    expect(originAllowed('ftp://vault.example.org', 'vault.example.org', [])).toBe(false);
    expect(originAllowed('https://other.example', '', [])).toBe(false);
    expect(originAllowed('https://127.0.0.1:8787', 'vault.example.org', [])).toBe(true);
    expect(normalizeOrigin('https://App.Example.org:443/')).toBe('https://app.example.org');
    expect(normalizeOrigin('https://app.example.org/path')).toBeUndefined();
    expect(normalizeOrigin('app.example.org')).toBeUndefined();
  });
});
