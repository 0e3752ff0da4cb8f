/**
 * Plain HTTP routes: `/healthz`, `/metrics`, and the static PWA.
 *
 * uWS rules that shape this file:
 * - request headers are readable only inside the handler;
 * - a handler that returns without responding or attaching `onAborted` makes uWS call
 *   std::terminate (the process dies), so every handler is wrapped in `safe()`;
 * - a response finished later (async file read) needs `onAborted` and `cork`;
 * - `endWithoutBody(n)` with an argument does not complete the response in this build, so
 *   HEAD writes Content-Length itself and calls `endWithoutBody()` without one.
 */
import { readFile } from 'node:fs/promises';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from './log.ts';
import { COMMON_HEADERS, type StaticResponse, type StaticSite } from './static.ts';

export interface HttpDeps {
  site: StaticSite | undefined;
  metricsText: () => string;
  log: Logger;
}

type Handler = (res: HttpResponse, req: HttpRequest) => void;

export function registerHttp(app: TemplatedApp, deps: HttpDeps): void {
  app.get('/healthz', safe(deps, (res) => {
    write(res, { status: '200 OK', headers: [['Content-Type', 'application/json'], ['Cache-Control', 'no-store']], text: '{"ok":true}' });
  }));
  app.get('/metrics', safe(deps, (res) => {
    write(res, {
      status: '200 OK',
      headers: [['Content-Type', 'text/plain; version=0.0.4; charset=utf-8'], ['Cache-Control', 'no-store']],
      text: deps.metricsText(),
    });
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
    write(res, { status: '404 Not Found', headers: [], text: 'not found (this server serves no static files)\n' });
    return;
  }
  const r = deps.site.resolve({
    method: req.getMethod(),
    path: req.getUrl(),
    accept: req.getHeader('accept'),
    secFetchMode: req.getHeader('sec-fetch-mode'),
    ifNoneMatch: req.getHeader('if-none-match'),
  });
  const file = r.file;
  if (file === undefined) {
    write(res, r);
    return;
  }
  // A large file: read it, unless the client went away meanwhile.
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  readFile(file).then(
    (body) => {
      if (!aborted) res.cork(() => write(res, { ...r, body }));
    },
    (e: unknown) => {
      deps.log('error', { where: 'static', error: e instanceof Error ? e.message : String(e) });
      if (!aborted) res.cork(() => write(res, { status: '500 Internal Server Error', headers: [], text: 'read error\n' }));
    },
  );
}

function write(res: HttpResponse, r: StaticResponse): void {
  res.writeStatus(r.status);
  for (const [k, v] of COMMON_HEADERS) res.writeHeader(k, v);
  let typed = false;
  for (const [k, v] of r.headers) {
    res.writeHeader(k, v);
    if (k === 'Content-Type') typed = true;
  }
  if (r.headSize !== undefined) {
    res.writeHeader('Content-Length', String(r.headSize)).endWithoutBody();
    return;
  }
  if (r.body === undefined && r.text === undefined) {
    res.endWithoutBody(); // 304: no body, no length
    return;
  }
  if (!typed) res.writeHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(r.body ?? r.text);
}
