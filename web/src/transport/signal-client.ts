/**
 * Client side of the signaling protocol (web/src/core/signal-messages.ts): connects, answers the
 * join challenge with a signature made by the caller (the transport layer holds no key library),
 * reconnects with backoff, and emits what peers send. Payloads are opaque strings here; the
 * layer above encrypts them with the room key.
 */
import { Emitter } from '../core/emitter.ts';
import {
  CloseCode, SIGNAL_PROTOCOL, parseServerMessage,
  type ClientMessage, type IceServer, type JoinMsg, type ServerMessage,
} from '../core/signal-messages.ts';

/** What a join may carry to get its room enrolled on the server (signal-messages.ts JoinMsg). */
export type EnrolClaim = Pick<JoinMsg, 'enrol' | 'vouch'>;

/** How the server answered about enrolment: at `joined`, or as a 4010 refusal (the client retries with backoff). */
export type EnrolmentNote =
  | { status: 'enrolled'; by?: 'code' | 'vouch' }
  | { status: 'not-enrolled' }
  | { status: 'refused'; reason: string };

export interface SignalClientOptions {
  /** ws:// or wss:// URL of the server's /signal endpoint. */
  url: string;
  room: string;
  peer: string;
  /** Signs the join for this server nonce with the room's Ed25519 key (see joinTranscript); base64url. */
  signJoin: (nonce: string) => Promise<string> | string;
  /** Asked at every join: a code or vouch to enrol the room on servers that use enrolment. */
  enrolment?: () => Promise<EnrolClaim | undefined> | EnrolClaim | undefined;
  /** Reconnect delays grow from this (ms), doubling to `maxBackoffMs`, with jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  WebSocketImpl?: typeof WebSocket;
}

export type SignalState = 'connecting' | 'joined' | 'closed';

export interface SignalEvents extends Record<string, unknown> {
  state: SignalState;
  joined: { peers: string[] };
  'peer-joined': string;
  'peer-left': string;
  signal: { from: string; data: string };
  relay: { from: string; data: string };
  /** The server closed us with a code we should not retry (bad room key, protocol mismatch). */
  refused: { code: number; reason: string };
  error: { code: string; message: string };
  /** Only from servers that use enrolment. */
  enrolment: EnrolmentNote;
  /** A connection ended (or never opened) and another try is scheduled; `failures` since the last join. */
  retrying: { failures: number };
}

// 4001 bad room key, 4008 protocol mismatch, 4006 another connection took this peer id (reconnecting would evict it in turn).
const FATAL_CLOSE_CODES = new Set([4001, 4006, 4008]);

export class SignalClient extends Emitter<SignalEvents> {
  readonly opts: Required<Omit<SignalClientOptions, 'WebSocketImpl' | 'enrolment'>> & Pick<SignalClientOptions, 'enrolment'> & { WebSocketImpl: typeof WebSocket };
  state: SignalState = 'closed';
  /** The server's last word on enrolment (undefined: it does not use enrolment, or has not said yet). */
  enrolment: EnrolmentNote | undefined;
  /**
   * Connections that ended without a join since the last join (0 once joined). The state stays
   * 'connecting' while the client retries, so this is what tells "cannot reach" from "starting".
   */
  failures = 0;
  #ws: WebSocket | undefined;
  #stopped = true;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #turnWaiters: Array<(m: { iceServers: IceServer[]; expiresAt: number } | Error) => void> = [];

  constructor(opts: SignalClientOptions) {
    super();
    this.opts = {
      minBackoffMs: 500,
      maxBackoffMs: 30_000,
      WebSocketImpl: globalThis.WebSocket,
      ...opts,
    };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#ws?.close(1000, 'client stop');
    this.#ws = undefined;
    this.#setState('closed');
    this.#failTurnWaiters(new Error('signal client stopped'));
  }

  /** Sends an opaque payload to one peer, or to the whole room without `to`. */
  signal(data: string, to?: string): boolean {
    return this.#send(to === undefined ? { type: 'signal', data } : { type: 'signal', to, data });
  }

  /** Sends a WebSocket-fallback frame to one peer. */
  relay(to: string, data: string): boolean {
    return this.#send({ type: 'relay', to, data });
  }

  /** Short-lived ICE servers (TURN credentials) from the server; only after joining. */
  requestTurn(timeoutMs = 5000): Promise<{ iceServers: IceServer[]; expiresAt: number }> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('TURN credentials: no answer from the signal server')), timeoutMs);
      this.#turnWaiters.push((m) => {
        clearTimeout(t);
        if (m instanceof Error) reject(m);
        else resolve(m);
      });
      if (!this.#send({ type: 'turn' })) this.#failTurnWaiters(new Error('not connected to the signal server'));
    });
  }

  #send(msg: ClientMessage): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== ws.OPEN || (this.state !== 'joined' && msg.type !== 'join')) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  #setState(s: SignalState) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  #connect() {
    this.#setState('connecting');
    const ws = new this.opts.WebSocketImpl(this.opts.url);
    this.#ws = ws;
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const msg = parseServerMessage(ev.data);
      if (!msg) {
        console.warn('signal: dropped a malformed server message');
        return;
      }
      this.#onMessage(ws, msg).catch((e: unknown) => console.error('signal: handling a server message failed', e));
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#failTurnWaiters(new Error('signal connection closed'));
      if (ev.code === CloseCode.NotEnrolled) this.#noteEnrolment({ status: 'refused', reason: ev.reason });
      if (FATAL_CLOSE_CODES.has(ev.code)) {
        this.#stopped = true;
        this.#setState('closed');
        this.emit('refused', { code: ev.code, reason: ev.reason });
        return;
      }
      if (this.#stopped) return;
      this.#setState('connecting');
      this.failures++;
      this.emit('retrying', { failures: this.failures });
      const base = Math.min(this.opts.maxBackoffMs, this.opts.minBackoffMs * 2 ** this.#attempt++);
      this.#timer = setTimeout(() => this.#connect(), base / 2 + Math.random() * (base / 2));
    };
  }

  async #onMessage(ws: WebSocket, msg: ServerMessage) {
    switch (msg.type) {
      case 'challenge': {
        const sig = await this.opts.signJoin(msg.nonce);
        const claim = await this.opts.enrolment?.();
        if (this.#ws === ws && ws.readyState === ws.OPEN) {
          const join: JoinMsg = { type: 'join', room: this.opts.room, peer: this.opts.peer, sig, protocol: SIGNAL_PROTOCOL };
          if (claim?.enrol) join.enrol = claim.enrol;
          if (claim?.vouch) join.vouch = claim.vouch;
          ws.send(JSON.stringify(join));
        }
        return;
      }
      case 'joined':
        this.#attempt = 0;
        this.failures = 0;
        if (msg.enrolled !== undefined) {
          this.#noteEnrolment(msg.enrolled ? { status: 'enrolled', ...(msg.enrolledBy ? { by: msg.enrolledBy } : {}) } : { status: 'not-enrolled' });
        }
        this.#setState('joined');
        this.emit('joined', { peers: msg.peers });
        return;
      case 'peer-joined':
        this.emit('peer-joined', msg.peer);
        return;
      case 'peer-left':
        this.emit('peer-left', msg.peer);
        return;
      case 'signal':
        this.emit('signal', { from: msg.from, data: msg.data });
        return;
      case 'relay':
        this.emit('relay', { from: msg.from, data: msg.data });
        return;
      case 'turn': {
        const waiters = this.#turnWaiters.splice(0);
        for (const w of waiters) w({ iceServers: msg.iceServers, expiresAt: msg.expiresAt });
        return;
      }
      case 'error':
        if (msg.code === 'turn-disabled' || msg.code === 'not-joined' || msg.code === 'not-enrolled' || msg.code === 'unavailable') {
          this.#failTurnWaiters(new Error(`TURN credentials refused: ${msg.message}`));
        }
        this.emit('error', { code: msg.code, message: msg.message });
        return;
      case 'pong':
        return;
    }
  }

  #noteEnrolment(n: EnrolmentNote) {
    this.enrolment = n;
    this.emit('enrolment', n);
  }

  #failTurnWaiters(e: Error) {
    for (const w of this.#turnWaiters.splice(0)) w(e);
  }
}
