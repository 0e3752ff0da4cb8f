/**
 * GET /healthz (200 when healthy, else 503; for monitors and systemd) and GET /status (the
 * full report, always 200) on 127.0.0.1. No secrets are in either. Requests naming another
 * Host are refused, so a web page cannot read them through DNS rebinding.
 */
import { createServer, type Server } from 'node:http';
import { errorText, type Logger } from './log.ts';
import { isLoopbackHost, listenLoopback } from './loopback.ts';
import type { StatusReport } from './status-report.ts';

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

export async function startStatusServer(opts: { port: number; report: () => Promise<StatusReport>; log: Logger }): Promise<StatusServer> {
  const server: Server = createServer((req, res) => {
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(JSON.stringify(body, null, 2) + '\n');
    };
    if (!isLoopbackHost(req.headers.host)) return send(421, { error: 'wrong host' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'method not allowed' });
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/status') return send(404, { error: 'not found', routes: ['/healthz', '/status'] });
    opts.report().then(
      (r) => {
        if (path === '/status') return send(200, r);
        send(r.ok ? 200 : 503, { ok: r.ok, problem: r.problem, uptimeSec: r.uptimeSec, restarts: r.browser.restarts, version: r.version });
      },
      (e: unknown) => {
        opts.log.error('status-failed', { error: errorText(e) });
        send(500, { ok: false, problem: 'status unavailable' });
      },
    );
  });
  const port = await listenLoopback(server, opts.port, 'status endpoint');
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
