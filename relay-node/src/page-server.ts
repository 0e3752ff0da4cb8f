/**
 * Serves the built web app (web/dist) on 127.0.0.1 so the relay's Chromium can load
 * relay.html from a fixed origin. Only files under the root are served: the path is
 * decoded, normalised and checked to stay inside, symlinks included. Requests whose Host
 * is not loopback are refused, so a web page cannot reach it through DNS rebinding. HTML
 * carries the app's Content-Security-Policy.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import type { Logger } from './log.ts';
import { isLoopbackHost, listenLoopback } from './loopback.ts';
import { CONTENT_SECURITY_POLICY } from '../../signal-server/src/static.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

// The same policy the signal server sends with the app's HTML: the relay page handles data from
// other peers, so no inline or foreign script may run in it.
export { CONTENT_SECURITY_POLICY };

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` a URL path names, or undefined if it would leave the root.
 * `root` must be a real path (no symlinks) for the final check in `serveFile` to hold.
 */
export function resolveUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return undefined; // malformed %-escape: not a file we have
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const parts: string[] = [];
  for (const part of decoded.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined; // no climbing, even where it would stay inside
    parts.push(part);
  }
  if (parts.length === 0) parts.push('relay.html');
  return join(root, ...parts);
}

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

export async function startPageServer(opts: { root: string; port: number; log: Logger }): Promise<PageServer> {
  const root = await realpath(opts.root);
  const server: Server = createServer((req, res) => {
    serve(root, req, res).catch((e: unknown) => {
      opts.log.error('page-server-error', { path: req.url?.slice(0, 200), error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) res.writeHead(500).end('internal error\n');
      else res.destroy();
    });
  });
  const port = await listenLoopback(server, opts.port, 'relay page');
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function serve(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isLoopbackHost(req.headers.host)) {
    res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong host\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const file = resolveUnder(root, req.url ?? '/');
  const real = file ? await realpath(file).catch(() => undefined) : undefined; // missing → 404
  // A symlink inside web/dist must not lead outside it.
  if (!real || (real !== root && !real.startsWith(root + sep))) return notFound(res);
  const st = await stat(real);
  if (!st.isFile()) return notFound(res);
  const type = mimeType(real);
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': st.size,
    // The page is rebuilt in place on update; revalidate so a restart picks up the new build.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...(type.startsWith('text/html') ? { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    createReadStream(real).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
}
