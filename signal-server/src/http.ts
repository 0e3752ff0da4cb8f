/**
 * Plain HTTP routes: `/healthz`, `/metrics`, and the static PWA.
 *
 * uWS rules that shape this file:
 * - request headers are readable only inside the handler;
 * - a handler that returns without responding or attaching `onAborted` makes uWS call
 *   std::terminate (the process dies), so every handler is wrapped in `safe()`;
 * - a response finished later (async file read) needs `onAborted` and `cork`;
 * - `endWithoutBody(n)` with an argument does not complete the response in this build, so
 *   HEAD writes Content-Length itself and calls `endWithoutBody()` without one;
 * - `res.end(body)` buffers whatever the kernel does not take, per response: bodies go out
 *   through `streamBody` (http-body.ts) instead;
 * - every response carries `uWebSockets: 20`, written by uWS itself (compiled in; no option
 *   removes it), and HTTP/1.0 requests are dropped unanswered by its parser (see health-server.ts).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { CHUNK, streamBody, type BodySource } from './http-body.ts';
import type { Logger } from './log.ts';
import { COMMON_HEADERS, type StaticResponse, type StaticSite } from './static.ts';

export interface HttpDeps {
  site: StaticSite | undefined;
  /** The `/healthz` body (build-info.ts). */
  health?: string;
  metricsText: () => string;
  log: Logger;
  /** Whether this request reached us over TLS, as far as we can know (HSTS). */
  viaTls: (req: HttpRequest) => boolean;
  /** Close a response that makes no progress for this long (ms). */
  stallMs: number;
}

/** One year; sent only when the request is known to have come over TLS (see docs). */
export const HSTS = 'max-age=31536000';

type Handler = (res: HttpResponse, req: HttpRequest) => void;

export function registerHttp(app: TemplatedApp, deps: HttpDeps): void {
  const HEALTH: StaticResponse = { status: '200 OK', headers: [['Content-Type', 'application/json'], ['Cache-Control', 'no-store']], text: deps.health ?? '{"ok":true}' };
  app.get('/healthz', safe(deps, (res, req) => write(res, HEALTH, deps, req)));
  app.head('/healthz', safe(deps, (res, req) => write(res, { ...HEALTH, text: undefined, headSize: HEALTH.text!.length }, deps, req)));
  app.get('/metrics', safe(deps, (res, req) => {
    write(res, {
      status: '200 OK',
      headers: [['Content-Type', 'text/plain; version=0.0.4; charset=utf-8'], ['Cache-Control', 'no-store']],
      text: deps.metricsText(),
    }, deps, req);
  }));
  app.any('/*', safe(deps, (res, req) => serveStatic(res, req, deps)));
}

/** Answers 500 (or drops the connection) if a handler throws, instead of letting uWS abort. */
function safe(deps: HttpDeps, fn: Handler): Handler {
  return (res, req) => {
    try {
      fn(res, req);
    } catch (e) {
      deps.log('error', { where: 'http', error: e instanceof Error ? e.message : String(e) });
      try {
        res.writeStatus('500 Internal Server Error').end('internal error\n');
      } catch (e2) {
        deps.log('error', { where: 'http', error: `could not answer 500: ${String(e2)}` });
        res.close();
      }
    }
  };
}

function serveStatic(res: HttpResponse, req: HttpRequest, deps: HttpDeps): void {
  if (!deps.site) {
    write(res, { status: '404 Not Found', headers: [], text: 'not found (this server serves no static files)\n' }, deps, req);
    return;
  }
  const r = deps.site.resolve({
    method: req.getMethod(),
    path: req.getUrl(),
    accept: req.getHeader('accept'),
    secFetchMode: req.getHeader('sec-fetch-mode'),
    ifNoneMatch: req.getHeader('if-none-match'),
    acceptEncoding: req.getHeader('accept-encoding'),
  });
  write(res, r, deps, req);
}

/** Status, headers, then the body streamed (or none). Reads `req`, so only inside the handler. */
function write(res: HttpResponse, r: StaticResponse, deps: HttpDeps, req: HttpRequest): void {
  res.writeStatus(r.status);
  for (const [k, v] of COMMON_HEADERS) res.writeHeader(k, v);
  if (deps.viaTls(req)) res.writeHeader('Strict-Transport-Security', HSTS);
  let typed = false;
  for (const [k, v] of r.headers) {
    res.writeHeader(k, v);
    if (k === 'Content-Type') typed = true;
  }
  if (r.headSize !== undefined) {
    res.writeHeader('Content-Length', String(r.headSize)).endWithoutBody();
    return;
  }
  const onError = (e: unknown) => deps.log('error', { where: 'static', error: e instanceof Error ? e.message : String(e) });
  const source = r.file !== undefined ? fileSource(r.file.path, r.file.size, onError)
    : r.body !== undefined ? bufferSource(r.body)
    : r.text !== undefined ? bufferSource(Buffer.from(r.text))
    : undefined;
  if (!source) {
    res.endWithoutBody(); // 304: no body, no length
    return;
  }
  if (!typed) res.writeHeader('Content-Type', 'text/plain; charset=utf-8');
  streamBody(res, source, { stallMs: deps.stallMs, onError });
}

/** A cached body: chunks are views into it, nothing is copied. */
function bufferSource(buf: Buffer): BodySource {
  return { size: buf.length, read: (offset) => buf.subarray(offset, offset + CHUNK) };
}

/** A large file, read CHUNK bytes at a time as the client takes them (never whole). */
function fileSource(path: string, size: number, onError: (e: unknown) => void): BodySource {
  let handle: Promise<FileHandle> | undefined;
  let closed = false;
  return {
    size,
    read: async (offset) => {
      handle ??= open(path, 'r');
      const fh = await handle;
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) throw new Error(`${path} is shorter than when it was indexed`);
      return buf.subarray(0, bytesRead);
    },
    close: () => {
      if (closed || !handle) return;
      closed = true;
      handle.then((fh) => fh.close()).then(undefined, onError);
    },
  };
}
