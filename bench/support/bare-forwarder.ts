/**
 * The floor for bench/signal.ts: the least a uWS server can do to relay the benchmark's load.
 * Same uWS App settings and the same CorkedSender batching as signal-server/src/server.ts, the
 * same routing table (a Map of rooms, each a Map of peer id → connection), but no Hub: no
 * limits, no token buckets, no metrics, no JSON and no string decoding of a frame. A signal is
 * routed by reading the `to` peer id at its fixed offset in the bytes; the frame is copied (uWS
 * reuses its buffer after the callback) and forwarded unchanged, as the text frame it was.
 *
 * Join is accepted without checking the signature (it is set-up, not part of the measure) and
 * answered with the bare minimum the load generator waits for.
 */
import type { us_listen_socket, WebSocket } from 'uWebSockets.js';
import { CorkedSender, type CorkedSocket } from '../../signal-server/src/corked-sender.ts';
import { loadUws } from '../../signal-server/src/uws.ts';
import { SIGNAL_PROTOCOL } from '../../web/src/core/signal-messages.ts';

const SIGNAL_PREFIX = Buffer.from('{"type":"signal","to":"');
const QUOTE = 0x22;

interface Peer {
  socket?: CorkedSocket;
  /** Peers of its room, once joined. */
  room?: Map<string, Peer>;
}

export interface BareForwarder {
  port: number;
  close(): Promise<void>;
}

export async function startBareForwarder(opts: { host?: string; maxFrame: number; maxBackpressure: number }): Promise<BareForwarder> {
  const uWS = loadUws();
  const rooms = new Map<string, Map<string, Peer>>();
  const sender = new CorkedSender(opts.maxBackpressure, () => undefined);
  const sockets = new Set<WebSocket<Peer>>();
  const app = uWS.App();
  app.ws<Peer>('/signal', {
    compression: uWS.DISABLED,
    maxPayloadLength: opts.maxFrame,
    maxBackpressure: opts.maxBackpressure + 2 * opts.maxFrame,
    closeOnBackpressureLimit: 0,
    idleTimeout: 960,
    upgrade: (res, req, context) => {
      res.upgrade<Peer>({}, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      sockets.add(ws);
      const peer = ws.getUserData();
      peer.socket = sender.socket(ws, () => ws.close());
      peer.socket.send(JSON.stringify({ type: 'challenge', nonce: 'bare', protocol: SIGNAL_PROTOCOL }));
    },
    message: (ws, message) => {
      const peer = ws.getUserData();
      if (peer.room) {
        const bytes = Buffer.from(message);
        const end = bytes.indexOf(QUOTE, SIGNAL_PREFIX.length);
        const to = peer.room.get(bytes.toString('latin1', SIGNAL_PREFIX.length, end));
        // A plain copy: copying into a shared arena, or as a latin1 string, measured no cheaper.
        to?.socket?.send(new Uint8Array(message.slice(0)));
        return;
      }
      const join = JSON.parse(Buffer.from(message).toString('utf8')) as { room: string; peer: string };
      let room = rooms.get(join.room);
      if (!room) rooms.set(join.room, (room = new Map()));
      room.set(join.peer, peer);
      peer.room = room;
      peer.socket?.send(JSON.stringify({ type: 'joined', room: join.room, peer: join.peer, peers: [] }));
    },
    close: (ws) => {
      sockets.delete(ws);
      const peer = ws.getUserData();
      peer.socket?.closed();
      peer.socket = undefined;
      if (peer.room) for (const [id, p] of peer.room) if (p === peer) peer.room.delete(id);
    },
  });
  const listen = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(opts.host ?? '127.0.0.1', 0, (ls) => (ls ? resolve(ls) : reject(new Error('bare forwarder: cannot listen'))));
  });
  return {
    port: uWS.us_socket_local_port(listen),
    close: async () => {
      uWS.us_listen_socket_close(listen);
      for (const ws of [...sockets]) ws.close();
    },
  };
}
