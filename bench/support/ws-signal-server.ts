/**
 * A comparison for bench/signal.ts: the same signaling protocol served by the `ws` package on
 * Node's http server instead of uWebSockets.js. It drives the very same Hub (join check,
 * rooms, limits, forwarding) and the very same CorkedSender as server.ts (frames queued per
 * socket, written in one corked batch per loop turn), so the comparison measures the WebSocket
 * stack, not two different routers or two different batching policies. ws's own `send` writes
 * each frame at once; corking the TCP socket (`net.Socket.cork`, nested corks are counted) turns
 * a batch into one writev, as uWS's `cork` does.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CorkedSender, type CorkableSocket } from '../../signal-server/src/corked-sender.ts';
import { Hub } from '../../signal-server/src/hub.ts';
import { resolveLimits, type Limits } from '../../signal-server/src/limits.ts';
import { makeLogger } from '../../signal-server/src/log.ts';
import { Metrics } from '../../signal-server/src/metrics.ts';

export interface WsSignalServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A `ws` socket as CorkedSender wants it; `limit` plays the part of uWS's maxBackpressure. */
export function corkable(ws: WebSocket, tcp: Socket, limit: number): CorkableSocket {
  return {
    getBufferedAmount: () => ws.bufferedAmount,
    cork: (cb) => {
      tcp.cork();
      try {
        cb();
      } finally {
        tcp.uncork();
      }
    },
    send: (frame, isBinary) => {
      if (ws.bufferedAmount > limit) return 2;
      ws.send(frame, { binary: isBinary });
      return ws.bufferedAmount > 0 ? 0 : 1;
    },
    end: (code, reason) => ws.close(code, reason),
    close: () => ws.terminate(),
    ping: () => ws.ping(),
  };
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
  const sender = new CorkedSender(limits.maxBackpressure, () => undefined);
  wss.on('connection', (ws, req) => {
    const conn = hub.admit(req.socket.remoteAddress ?? '?');
    if (!conn) {
      ws.close(1013, 'server full');
      return;
    }
    const socket = sender.socket(corkable(ws, req.socket, limits.maxBackpressure + 2 * limits.maxFrame), () => hub.slowConsumer(conn));
    ws.on('message', (data: RawData, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      hub.message(conn, isBinary ? undefined : buf.toString('utf8'), buf.length);
    });
    ws.on('pong', () => hub.pong(conn));
    const closed = () => {
      socket.closed();
      hub.closed(conn, '');
    };
    ws.on('close', closed);
    ws.on('error', closed); // ws closes the socket after an error
    hub.open(conn, socket);
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
