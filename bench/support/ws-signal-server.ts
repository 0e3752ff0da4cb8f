/**
 * Baseline for bench/signal.ts: the same signaling protocol served by the `ws` package on
 * Node's http server instead of uWebSockets.js. It drives the very same Hub (join check,
 * rooms, limits, forwarding) through a `ws` PeerSocket adapter, so the comparison measures
 * the WebSocket stack, not two different routers.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type RawData } from 'ws';
import { SendResult } from '../../signal-server/src/conn.ts';
import { Hub } from '../../signal-server/src/hub.ts';
import { resolveLimits, type Limits } from '../../signal-server/src/limits.ts';
import { makeLogger } from '../../signal-server/src/log.ts';
import { Metrics } from '../../signal-server/src/metrics.ts';

export interface WsSignalServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startWsSignalServer(opts: { host?: string; port?: number; limits?: Partial<Limits> } = {}): Promise<WsSignalServer> {
  const limits = resolveLimits(opts.limits);
  const metrics = new Metrics();
  const hub = new Hub({ limits, turn: undefined, metrics, log: makeLogger(() => undefined) });
  const http = createServer((req, res) => {
    if (req.url === '/healthz') res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/signal', maxPayload: limits.maxFrame, perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const conn = hub.admit(req.socket.remoteAddress ?? '?');
    if (!conn) {
      ws.close(1013, 'server full');
      return;
    }
    ws.on('message', (data: RawData, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      hub.message(conn, isBinary ? undefined : buf.toString('utf8'), buf.length);
    });
    ws.on('pong', () => hub.pong(conn));
    ws.on('close', () => hub.closed(conn, ''));
    ws.on('error', () => hub.closed(conn, '')); // ws closes the socket after an error
    hub.open(conn, {
      send: (text) => {
        if (ws.bufferedAmount > limits.maxBackpressure) return SendResult.Dropped;
        ws.send(text);
        return ws.bufferedAmount > 0 ? SendResult.Buffered : SendResult.Sent;
      },
      end: (code, reason) => ws.close(code, reason),
      ping: () => ws.ping(),
    });
  });
  const sweeper = setInterval(() => hub.sweep(), Math.max(50, Math.min(limits.joinTimeoutMs, limits.idleTimeoutMs) / 4));
  sweeper.unref();
  await new Promise<void>((resolve) => http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  return {
    port,
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: async () => {
      clearInterval(sweeper);
      hub.shutdown();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
