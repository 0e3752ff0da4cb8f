/**
 * A signal server in league with an attacker, for tests: it speaks the real protocol
 * (web/src/core/signal-messages.ts) but checks no join signature and routes as it likes.
 *
 * Connections that join without `?as=` are the real members. In `mitm` mode a member's
 * messages to peer X go to the attacker's connection that joined as X with `?as=…`, and the
 * attacker's messages go to the member they name, so each member believes it talks to the other
 * while both talk to the attacker. In `honest` mode members reach each other directly (the
 * control run: the same plumbing moves data when nobody is in the middle). Messages for a
 * connection that has not joined yet wait for it.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeTurnCredentials, type TurnConfig } from '../../signal-server/src/turn.ts';

interface Conn { ws: WebSocket; peer?: string; attacker: boolean }

export interface LeagueServer {
  wsUrl: string;
  /** Frames routed, by type. */
  routed: Record<string, number>;
  close(): Promise<void>;
}

/** `turn`: hands out real credentials for a coturn (Chromium gathers no candidate on loopback without an ICE server). */
export async function startLeagueServer(o: { mode: 'mitm' | 'honest'; members: [string, string]; turn?: TurnConfig }): Promise<LeagueServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/signal' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const conns: Conn[] = [];
  const waiting: Array<{ toAttacker: boolean; peer: string; frame: string }> = [];
  const routed: Record<string, number> = {};

  const find = (toAttacker: boolean, peer: string) => conns.find((c) => c.peer === peer && c.attacker === toAttacker && c.ws.readyState === c.ws.OPEN);
  const deliver = (toAttacker: boolean, peer: string, frame: string) => {
    const c = find(toAttacker, peer);
    if (c) c.ws.send(frame);
    else waiting.push({ toAttacker, peer, frame });
  };
  const flush = () => {
    for (const w of waiting.splice(0)) deliver(w.toAttacker, w.peer, w.frame);
  };

  wss.on('connection', (ws, req) => {
    const conn: Conn = { ws, attacker: new URL(req.url ?? '/', 'http://x').searchParams.has('as') };
    conns.push(conn);
    ws.send(JSON.stringify({ type: 'challenge', nonce: randomBytes(16).toString('base64url'), protocol: 1 }));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { type: string; room?: string; peer?: string; to?: string; data?: string };
      routed[m.type] = (routed[m.type] ?? 0) + 1;
      switch (m.type) {
        case 'join':
          conn.peer = m.peer!;
          ws.send(JSON.stringify({ type: 'joined', room: m.room, peer: m.peer, peers: o.members.filter((p) => p !== m.peer) }));
          flush();
          return;
        case 'ping':
          return void ws.send(JSON.stringify({ type: 'pong' }));
        case 'turn':
          if (!o.turn || !conn.peer) return void ws.send(JSON.stringify({ type: 'error', code: 'turn-disabled', message: 'no TURN here' }));
          return void ws.send(JSON.stringify({ type: 'turn', ...makeTurnCredentials(o.turn, conn.peer, Date.now()) }));
        case 'signal':
        case 'relay': {
          if (!conn.peer) return;
          const targets = m.to !== undefined ? [m.to] : o.members.filter((p) => p !== conn.peer);
          // In the middle: a member's frames reach the attacker posing as their addressee, and the
          // attacker's reach the member it addresses, as if they came from the one it poses as.
          const toAttacker = o.mode === 'mitm' && !conn.attacker;
          for (const to of targets) deliver(toAttacker, to, JSON.stringify({ type: m.type, from: conn.peer, data: m.data }));
          return;
        }
      }
    });
    ws.on('close', () => conns.splice(conns.indexOf(conn), 1));
  });

  const { port } = wss.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/signal`,
    routed,
    close: () => new Promise<void>((r) => {
      for (const c of conns) c.ws.terminate();
      wss.close(() => r());
    }),
  };
}
