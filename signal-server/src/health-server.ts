/**
 * `/healthz` on a port of its own, served by node:http (`--health-port`). uWS's parser in this
 * build drops HTTP/1.0 requests (and HTTP/1.1 ones without Host) without an answer, and some
 * health checkers (HAProxy's default `option httpchk`, keepalived, plain scripts) speak exactly
 * that. This listener answers GET and HEAD /healthz over HTTP/1.0 and 1.1, nothing else.
 */
import { createServer } from 'node:http';
import { COMMON_HEADERS } from './static.ts';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(host: string, port: number, body = '{"ok":true}'): Promise<HealthServer> {
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    for (const [k, v] of COMMON_HEADERS) res.setHeader(k, v);
    if (path !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
