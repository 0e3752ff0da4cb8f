/** Test helpers: real `ws` clients against a real signal server on port 0. */
import { ed25519 } from '@noble/curves/ed25519.js';
import WebSocket from 'ws';
import { toBase64Url, utf8 } from '../../../web/src/core/bytes.ts';
import { SIGNAL_PROTOCOL, joinTranscript, vouchTranscript, type JoinMsg, type ServerMessage } from '../../../web/src/core/signal-messages.ts';
import { startSignalServer, type SignalServer, type SignalServerOptions } from '../../src/server.ts';

export interface TestRoom {
  id: string;
  sk: Uint8Array;
}

export function makeRoom(): TestRoom {
  const sk = ed25519.utils.randomSecretKey();
  return { id: toBase64Url(ed25519.getPublicKey(sk)), sk };
}

let peerCounter = 0;
export function makePeerId(): string {
  return `peer${String(++peerCounter).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;
}

export function signJoin(room: TestRoom, nonce: string, peer: string, roomId = room.id): string {
  return toBase64Url(ed25519.sign(utf8(joinTranscript(nonce, roomId, peer)), room.sk));
}

/** `voucher`'s key vouches that `room` is its family's (JoinMsg.vouch). */
export function vouchFor(voucher: TestRoom, room: string): { room: string; sig: string } {
  return { room: voucher.id, sig: toBase64Url(ed25519.sign(utf8(vouchTranscript(voucher.id, room)), voucher.sk)) };
}

export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket client that queues what it receives, so tests can await messages in order. */
export class TestClient {
  readonly ws: WebSocket;
  readonly received: ServerMessage[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;
  private waiters: (() => void)[] = [];
  peer = '';
  nonce = '';

  constructor(url: string, opts: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, opts);
    this.ws.on('message', (d, isBinary) => {
      this.received.push(JSON.parse(isBinary ? '{"type":"binary?"}' : d.toString()) as ServerMessage);
      this.wake();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    this.ws.on('error', () => this.wake()); // surfaced through `closed`
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Next message of `type` (earlier messages of other types are skipped and kept). */
  async next<T extends ServerMessage['type']>(type: T, timeoutMs = 3000): Promise<Extract<ServerMessage, { type: T }>> {
    return this.nextOf([type], timeoutMs);
  }

  /** Next message of any of `types`, whichever comes first. */
  async nextOf<T extends ServerMessage['type']>(types: T[], timeoutMs = 3000): Promise<Extract<ServerMessage, { type: T }>> {
    const type = types.join('|');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex((m) => (types as string[]).includes(m.type));
      if (i >= 0) return this.received.splice(i, 1)[0] as Extract<ServerMessage, { type: T }>;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${type}; have ${JSON.stringify(this.received.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves true if no message of `type` arrives within `ms`. */
  async none(type: ServerMessage['type'], ms = 200): Promise<boolean> {
    await sleep(ms);
    return !this.received.some((m) => m.type === type);
  }

  async closedWithin(ms = 3000): Promise<Closed> {
    return Promise.race([this.closed, sleep(ms).then(() => { throw new Error(`not closed within ${ms} ms`); })]);
  }

  close(): void {
    this.ws.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function connect(server: SignalServer, opts?: WebSocket.ClientOptions): Promise<TestClient> {
  const c = new TestClient(`${server.url.replace('http', 'ws')}/signal`, opts);
  await c.opened;
  c.nonce = (await c.next('challenge')).nonce;
  return c;
}

/** Connects and joins `room` as `peer`; resolves after `joined`. */
export async function joined(server: SignalServer, room: TestRoom, peer = makePeerId(), opts?: WebSocket.ClientOptions) {
  const c = await connect(server, opts);
  c.peer = peer;
  c.send({ type: 'join', room: room.id, peer, sig: signJoin(room, c.nonce, peer), protocol: SIGNAL_PROTOCOL });
  const j = await c.next('joined');
  return Object.assign(c, { joinedPeers: j.peers, joinedMsg: j });
}

/**
 * Joins `room` with an enrolment code and/or vouch: the `joined` message (`joinedMsg`), or how the
 * server closed the connection (`refused`: a room it does not let in).
 */
export async function joinWith(server: SignalServer, room: TestRoom, claim: Pick<JoinMsg, 'enrol' | 'vouch'>, peer = makePeerId()) {
  const c = await connect(server);
  c.peer = peer;
  c.send({ type: 'join', room: room.id, peer, sig: signJoin(room, c.nonce, peer), protocol: SIGNAL_PROTOCOL, ...claim });
  // Closed before `joined`: `next` rejects, and the close is the answer.
  const r: { joinedMsg: Extract<ServerMessage, { type: 'joined' }> } | { refused: Closed } = await c.next('joined', 5000).then(
    (joinedMsg) => ({ joinedMsg }),
    async (e: unknown) => {
      if (c.ws.readyState !== WebSocket.CLOSED) throw e;
      return { refused: await c.closed };
    },
  );
  return Object.assign(c, r);
}

export interface TestServer extends SignalServer {
  logs: string[];
}

/** A real server on a free loopback port, logging into an array. */
export async function startTestServer(opts: SignalServerOptions = {}): Promise<TestServer> {
  const logs: string[] = [];
  const s = await startSignalServer({ host: '127.0.0.1', port: 0, log: (l) => logs.push(l), ...opts });
  return Object.assign(s, { logs });
}
