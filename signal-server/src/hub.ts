/**
 * The signaling protocol, independent of the WebSocket library (see conn.ts): challenge → join
 * → forward `signal`/`relay` inside one room, TURN credentials, and every per-connection limit.
 *
 * Rules that keep it safe under hostile input:
 * - Every entry point catches: bad network input never throws out of a handler.
 * - A connection is released (removed from its room, marked done) BEFORE its socket is ended,
 *   because uWS runs the close handler synchronously inside `end()`.
 * - Slow receivers found while forwarding are closed after the current handler finishes
 *   (`kicks`), so a room is never mutated while it is being iterated.
 * - A connection counts towards max-connections (and its address's limit) until its socket is
 *   gone, not only until the hub lets go of it. uWS runs the close handler inside `end()` but
 *   keeps the socket until the client answers the close frame, up to about 15 s; so a
 *   gracefully closed connection stays counted for CLOSE_LINGER_MS, and slow consumers (whose
 *   close frame would wait behind a full buffer) are dropped at once instead.
 * - Enrolment (enrolment.ts) is asked after the join signature verified, and only rooms it says
 *   are enrolled get TURN credentials; with the store's answer pending the connection is
 *   `joining` (a second join is refused, everything else waits for `joined` like before).
 */
import { performance } from 'node:perf_hooks';
import { isPeerId } from '../../web/src/core/ids.ts';
import {
  CloseCode, SIGNAL_PROTOCOL, parseClientMessage,
  type ErrorCode, type JoinMsg, type JoinedMsg, type ServerMessage, type SignalLimits,
} from '../../web/src/core/signal-messages.ts';
import type { BusListener, RoomBus } from './cluster.ts';
import { SendResult, type Conn, type PeerSocket } from './conn.ts';
import { forwardFrame, matchFastForward } from './fast-frame.ts';
import { screenFrame } from './frame-gate.ts';
import { makeNonce, roomPublicKey, verifyJoin } from './join-auth.ts';
import type { Limits } from './limits.ts';
import type { Logger } from './log.ts';
import type { Gauges, Metrics, RefusalReason } from './metrics.ts';
import { Rooms, type Room } from './rooms.ts';
import { TokenBucket } from './token-bucket.ts';
import { makeTurnCredentials, type TurnConfig } from './turn.ts';
import { IpLimits } from './ip-limits.ts';
import { decideEnrolment, type EnrolmentStore, type EnrolOutcome } from './enrolment.ts';

export interface HubEnrolment {
  store: EnrolmentStore;
  /** Rooms not enrolled may still signal (never TURN); default: they are refused (4010). */
  allowUnenrolledSignaling?: boolean;
}

export interface HubOptions {
  limits: Limits;
  turn: TurnConfig | undefined;
  metrics: Metrics;
  log: Logger;
  /** Which rooms the admin enrolled; absent: enrolment is off, every room gets TURN (tests, closed networks). */
  enrolment?: HubEnrolment;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
}

/**
 * uWS closes these itself, without a close frame, and reports code 1006 with its own text; that
 * text is how we learn why. A client cannot send 1006 (uWS turns such a close frame into its own
 * "invalid close payload"), so code 1006 plus one of these exact texts came from uWS, never from a
 * client. A Map, not an object literal: a client's reason text such as `__proto__` must not find
 * anything. Logged with the code a close frame would have carried.
 */
const UWS_DROPPED = 1006;

/** uWS's close timeout for an unanswered close frame (measured: 15 s), plus a margin. */
export const CLOSE_LINGER_MS = 16_000;

/** Why `admit` refused: all connection slots, or all of this address's. */
export type AdmitRefusal = 'max-connections' | 'ip-connections';
const UWS_CLOSE_REASONS = new Map<string, { reason: RefusalReason; code: number }>([
  ['Received too big message', { reason: 'too-large', code: CloseCode.TooLarge }],
  ['Received invalid UTF-8', { reason: 'bad-utf8', code: 1007 }],
]);

export class Hub implements BusListener {
  readonly rooms = new Rooms();
  /** Every connection whose socket may still be open, including refused ones lingering. */
  private readonly conns = new Set<Conn>();
  private readonly ipLimits: IpLimits;
  /** The connection being closed gracefully by `refuse`: its close handler runs inside `end()`. */
  private ending: Conn | undefined;
  private readonly limits: Limits;
  private readonly turn: TurnConfig | undefined;
  private readonly enrolment: HubEnrolment | undefined;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly announced: SignalLimits;
  private nextId = 1;
  private readonly kicks: Conn[] = [];
  private flushing = false;
  /** Other instances sharing rooms (Redis), when there are any. */
  private bus: RoomBus | undefined;

  constructor(opts: HubOptions) {
    this.limits = opts.limits;
    this.turn = opts.turn;
    this.enrolment = opts.enrolment;
    this.metrics = opts.metrics;
    this.log = opts.log;
    this.now = opts.now ?? (() => performance.now());
    this.ipLimits = new IpLimits(opts.limits);
    const l = this.limits;
    this.announced = {
      maxFrame: l.maxFrame, maxSignalData: l.maxSignalData,
      maxMsgsPerSec: l.maxMsgsPerSec, maxRelayBytesPerSec: l.maxRelayBytesPerSec,
    };
  }

  /** From now on rooms are shared with the other instances on `bus`. */
  attachBus(bus: RoomBus): void {
    this.bus = bus;
  }

  gauges(): Gauges {
    let closing = 0;
    for (const c of this.conns) if (c.done) closing++;
    return { connections: this.conns.size - closing, closing, rooms: this.rooms.size, peers: this.rooms.peers };
  }

  /** Called at the HTTP upgrade: a Conn, or undefined when the server is at maxConnections. */
  admit(ip: string, ipLimited = false): Conn | undefined {
    const r = this.admitOrRefuse(ip, ipLimited);
    return typeof r === 'string' ? undefined : r;
  }

  /**
   * Called at the HTTP upgrade: a Conn, or why not (answered 503 / 429). `ipLimited`: per-IP
   * limits apply to `ip` (client-ip.ts).
   */
  admitOrRefuse(ip: string, ipLimited: boolean): Conn | AdmitRefusal {
    const now = this.now();
    const full: AdmitRefusal | undefined = this.conns.size >= this.limits.maxConnections ? 'max-connections'
      : ipLimited && !this.ipLimits.connect(ip, now) ? 'ip-connections' : undefined;
    if (full) {
      this.metrics.refused(full);
      this.log('refuse', { ip, code: full === 'max-connections' ? 503 : 429, reason: full });
      return full;
    }
    const l = this.limits;
    const conn: Conn = {
      id: this.nextId++, ip, ipLimited, nonce: makeNonce(), openedAt: now, socket: undefined, lastSeen: now, pinged: false,
      room: undefined, peer: undefined, bad: 0, done: false,
      // Bursts of 2 s; the relay bucket must also fit one maximal frame or it could never pass.
      msgs: new TokenBucket(l.maxMsgsPerSec, 2 * l.maxMsgsPerSec, now),
      relayBytes: new TokenBucket(l.maxRelayBytesPerSec, Math.max(2 * l.maxRelayBytesPerSec, l.maxFrame), now),
      bytes: new TokenBucket(l.maxBytesPerSec, Math.max(2 * l.maxBytesPerSec, l.maxFrame), now),
    };
    this.conns.add(conn);
    this.metrics.connectionsTotal++;
    return conn;
  }

  open(conn: Conn, socket: PeerSocket): void {
    this.guard(conn, () => {
      conn.socket = socket;
      this.send(conn, { type: 'challenge', nonce: conn.nonce, protocol: SIGNAL_PROTOCOL });
    });
  }

  /** `text` is undefined for a binary frame; `bytes` is the frame's payload size. */
  message(conn: Conn, text: string | undefined, bytes: number): void {
    this.guard(conn, () => this.handle(conn, text, bytes));
  }

  pong(conn: Conn): void {
    conn.lastSeen = this.now();
    conn.pinged = false;
  }

  /**
   * The socket closed (either side), with the code and reason the socket library reports: a
   * client's own close frame, or a close uWS made itself (1006). Never touches the socket again.
   */
  closed(conn: Conn, reason: string, code = 1000): void {
    conn.socket = undefined;
    // Inside a graceful `end()` (uWS) the socket is still there, waiting for the client's answer.
    if (this.ending === conn) conn.lingerUntil = this.now() + CLOSE_LINGER_MS;
    else this.forget(conn);
    this.guard(conn, () => {
      if (conn.done) return;
      const why = code === UWS_DROPPED ? UWS_CLOSE_REASONS.get(reason) : undefined;
      if (why) {
        this.metrics.refused(why.reason);
        this.log('refuse', { ip: conn.ip, conn: conn.id, peer: conn.peer, code: why.code, reason: why.reason });
      }
      this.release(conn);
    });
  }

  /** Join and idle timeouts, keepalive pings. Called by a timer a few times per timeout. */
  sweep(): void {
    const now = this.now();
    const { joinTimeoutMs, idleTimeoutMs } = this.limits;
    this.ipLimits.prune(now);
    for (const c of this.conns) {
      this.guard(c, () => {
        if (c.done) {
          if (c.lingerUntil !== undefined && now >= c.lingerUntil) this.forget(c);
          return;
        }
        if (!c.room && now - c.openedAt > joinTimeoutMs) return this.refuse(c, CloseCode.JoinTimeout, 'join-timeout');
        const quiet = now - c.lastSeen;
        if (quiet > idleTimeoutMs) return this.refuse(c, CloseCode.IdleTimeout, 'idle-timeout');
        if (quiet > idleTimeoutMs / 2 && !c.pinged) {
          c.pinged = true;
          c.socket?.ping();
        }
      });
    }
  }

  /** The socket layer found `conn` over its backpressure limit after the fact: close it (4009). */
  slowConsumer(conn: Conn): void {
    this.kicks.push(conn);
    this.flushKicks();
  }

  /** Closes every connection with 1001 (going away). */
  shutdown(): void {
    const n = [...this.conns].filter((c) => !c.done).length;
    for (const c of [...this.conns]) {
      const s = c.socket;
      this.release(c);
      this.guard(c, () => s?.end(CloseCode.GoingAway, 'server-shutdown'));
    }
    this.log('shutdown', { connections: n });
  }

  // ── protocol ───────────────────────────────────────────────────────────────

  private handle(conn: Conn, text: string | undefined, bytes: number): void {
    if (conn.done) return;
    const now = this.now();
    conn.lastSeen = now;
    conn.pinged = false;
    this.metrics.messagesReceived++;
    this.metrics.bytesReceived += bytes;
    if (!conn.msgs.take(1, now)) return this.refuse(conn, CloseCode.RateLimited, 'rate-limit');
    if (!conn.bytes.take(bytes, now)) return this.refuse(conn, CloseCode.RateLimited, 'byte-rate-limit');
    if (text === undefined) return this.bad(conn, 'bad-message', 'binary frames are not part of the protocol');
    // Size and type before any parsing (frame-gate.ts).
    switch (screenFrame(text, bytes, conn.room !== undefined, this.limits)) {
      case 'too-large-before-join':
        return this.refuse(conn, CloseCode.TooLarge, 'too-large');
      case 'too-large':
        return this.bad(conn, 'too-large', 'frame too large for its type');
      case 'parse':
        break;
    }
    const fast = matchFastForward(text);
    if (fast) {
      if (!conn.room || conn.peer === undefined) return this.bad(conn, 'not-joined', 'join a room first');
      return this.forward(conn, now, conn.room, conn.peer, fast.type, fast.to, fast.data, true);
    }
    const msg = parseClientMessage(text, this.limits.maxFrame);
    if (!msg) return this.bad(conn, 'bad-message', 'malformed or unknown message');
    if (msg.type === 'join') return this.join(conn, msg);
    if (msg.type === 'ping') return void this.send(conn, { type: 'pong' });
    const room = conn.room;
    if (!room || conn.peer === undefined) return this.bad(conn, 'not-joined', 'join a room first');
    switch (msg.type) {
      case 'signal':
      case 'relay':
        return this.forward(conn, now, room, conn.peer, msg.type, msg.to, msg.data, false);
      case 'turn':
        return this.turnFor(conn, room, conn.peer);
    }
  }

  /** TURN credentials, only for a joined peer of an enrolled room (asked again each time: an admin may unenrol). */
  private turnFor(conn: Conn, room: Room, peer: string): void {
    const turn = this.turn;
    if (!turn) {
      this.metrics.turnRefused['not-configured']++;
      return this.error(conn, 'turn-disabled', 'this server has no TURN service configured');
    }
    const issue = () => {
      this.metrics.turnIssued++;
      this.send(conn, { type: 'turn', ...makeTurnCredentials(turn, peer, Date.now()) });
    };
    if (!this.enrolment) return issue();
    this.enrolment.store.isEnrolled(room.id).then(
      (yes) => this.guard(conn, () => {
        if (conn.done || conn.room !== room) return;
        if (yes) return issue();
        this.metrics.turnRefused['not-enrolled']++;
        this.log('turn-refused', { ip: conn.ip, conn: conn.id, room: room.id.slice(0, 8), peer, reason: 'not-enrolled' });
        this.error(conn, 'not-enrolled', "this server's admin has not enrolled this family: no TURN credentials");
      }),
      (e: unknown) => this.guard(conn, () => {
        this.metrics.turnRefused.unavailable++;
        this.log('error', { where: 'enrolment', conn: conn.id, error: e instanceof Error ? e.message : String(e) });
        if (!conn.done) this.error(conn, 'unavailable', 'TURN credentials are not available right now; try again later');
      }),
    );
  }

  private join(conn: Conn, msg: JoinMsg): void {
    if (conn.room || conn.joining) return this.bad(conn, 'already-joined', 'already joined a room');
    if (msg.protocol !== SIGNAL_PROTOCOL) {
      return this.refuse(conn, CloseCode.ProtocolMismatch, 'protocol-mismatch', `server speaks ${SIGNAL_PROTOCOL}`);
    }
    // Before the signature check: verifying costs CPU, so one address may only try so often.
    if (conn.ipLimited && !this.ipLimits.join(conn.ip, this.now())) return this.refuse(conn, CloseCode.RateLimited, 'ip-join-rate');
    if (!isPeerId(msg.peer)) return this.refuse(conn, CloseCode.BadInput, 'bad-peer-id');
    const key = this.rooms.get(msg.room)?.key ?? roomPublicKey(msg.room);
    if (!key) return this.refuse(conn, CloseCode.AuthFailed, 'bad-room-id');
    if (!verifyJoin(key, conn.nonce, msg.room, msg.peer, msg.sig)) return this.refuse(conn, CloseCode.AuthFailed, 'bad-signature');
    const enrolment = this.enrolment;
    if (!enrolment) return this.enter(conn, msg, key, undefined);

    conn.joining = true;
    decideEnrolment(enrolment.store, msg.room, msg, Date.now()).then(
      (outcome) => this.guard(conn, () => {
        conn.joining = false;
        if (conn.done) return;
        if (outcome.enrolled) {
          if (outcome.by) {
            this.metrics.enrolments[outcome.by]++;
            this.log('enrol', { ip: conn.ip, conn: conn.id, room: msg.room.slice(0, 8), peer: msg.peer, via: outcome.by });
          }
        } else if (enrolment.allowUnenrolledSignaling && outcome.reason !== 'bad-enrol-code') {
          // A code someone typed is refused all the same: the family must learn it did not work.
          this.metrics.unenrolledJoins++;
        } else {
          return this.refuse(conn, CloseCode.NotEnrolled, outcome.reason, outcome.detail);
        }
        this.enter(conn, msg, key, outcome);
      }),
      (e: unknown) => this.guard(conn, () => {
        conn.joining = false;
        this.log('error', { where: 'enrolment', conn: conn.id, error: e instanceof Error ? e.message : String(e) });
        this.refuse(conn, 1011, 'enrolment-unavailable');
      }),
    );
  }

  /**
   * The join passed (signature, enrolment): into the room, unless a limit says no. `enrolment`
   * undefined: enrolment is off. Enrolled rooms do not count towards max-rooms or max-rooms-per-ip.
   */
  private enter(conn: Conn, msg: JoinMsg, key: NonNullable<ReturnType<typeof roomPublicKey>>, enrolment: EnrolOutcome | undefined): void {
    const enrolled = enrolment?.enrolled === true;
    // Same peer id again: the newer connection proved the room key with a fresh nonce, so it
    // wins (a device that reconnects after a network change must not wait for the old socket
    // to time out). The old one is told why (4006) and must not reconnect by itself.
    const old = this.rooms.get(msg.room)?.peers.get(msg.peer);
    if (old) this.refuse(old, CloseCode.DuplicatePeer, 'replaced');

    const room = this.rooms.get(msg.room); // may have vanished with `old`
    if (!room && !enrolled && this.rooms.unenrolled >= this.limits.maxRooms) return this.refuse(conn, CloseCode.ServerFull, 'max-rooms');
    if (!room && !enrolled && conn.ipLimited && !this.ipLimits.mayCreateRoom(conn.ip)) return this.refuse(conn, CloseCode.ServerFull, 'ip-rooms');
    const elsewhere = this.bus?.remotePeers(msg.room).size ?? 0;
    if (room && room.peers.size + elsewhere >= this.limits.maxPeersPerRoom) return this.refuse(conn, CloseCode.RoomFull, 'room-full');

    const joined = this.rooms.add(msg.room, key, msg.peer, conn, enrolled);
    if (!room && joined.creatorIp !== undefined) this.ipLimits.roomCreated(joined.creatorIp, this.now());
    if (room && enrolled && !room.enrolled) {
      // Let in unenrolled before (--allow-unenrolled-signaling), enrolled by this join.
      if (room.creatorIp !== undefined) this.ipLimits.roomGone(room.creatorIp);
      room.creatorIp = undefined;
      this.rooms.markEnrolled(room);
    }
    this.metrics.joinsTotal++;
    this.log('connect', { ip: conn.ip, conn: conn.id, room: joined.id.slice(0, 8), peer: msg.peer, peers: joined.peers.size });
    const note = enrolment ? { enrolled, ...(enrolment.enrolled && enrolment.by ? { enrolledBy: enrolment.by } : {}) } : {};
    if (!this.bus) return this.welcome(conn, joined, msg.peer, [], note);
    // Shared rooms: answer once the other instances' peers are known (one Redis round trip).
    this.bus.join(joined.id, msg.peer).then(
      (remote) => this.guard(conn, () => {
        if (!conn.done) this.welcome(conn, joined, msg.peer, remote, note);
      }),
      (e: unknown) => this.guard(conn, () => {
        this.log('error', { where: 'cluster-join', conn: conn.id, error: e instanceof Error ? e.message : String(e) });
        this.refuse(conn, 1011, 'cluster-unavailable');
      }),
    );
  }

  /** `joined` (local and remote peers) to the newcomer, then `peer-joined` to the local others. */
  private welcome(conn: Conn, room: Room, peer: string, remote: string[], enrolment: Pick<JoinedMsg, 'enrolled' | 'enrolledBy'>): void {
    const others = [...room.peers.keys()].filter((p) => p !== peer);
    this.send(conn, { type: 'joined', room: room.id, peer, peers: [...others, ...remote.filter((p) => !room.peers.has(p))], limits: this.announced, ...enrolment });
    const note = JSON.stringify({ type: 'peer-joined', peer } satisfies ServerMessage);
    for (const c of room.peers.values()) if (c !== conn) this.deliver(c, note);
  }

  // ── other instances (cluster.ts) ───────────────────────────────────────────

  remoteJoined(roomId: string, peer: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    const old = room.peers.get(peer);
    if (old) {
      // The same device joined on another instance: the newer connection wins, as on one instance.
      old.movedAway = true;
      this.refuse(old, CloseCode.DuplicatePeer, 'replaced');
    }
    const note = JSON.stringify({ type: 'peer-joined', peer } satisfies ServerMessage);
    for (const c of room.peers.values()) this.deliver(c, note);
    this.flushKicks();
  }

  remoteLeft(roomId: string, peer: string): void {
    const room = this.rooms.get(roomId);
    if (!room || room.peers.has(peer)) return;
    const note = JSON.stringify({ type: 'peer-left', peer } satisfies ServerMessage);
    for (const c of room.peers.values()) this.deliver(c, note);
    this.flushKicks();
  }

  remoteFrame(roomId: string, to: string | undefined, from: string, frame: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    if (to === undefined) {
      for (const c of room.peers.values()) if (c.peer !== from) this.deliver(c, frame);
    } else {
      const target = room.peers.get(to);
      if (target) this.deliver(target, frame);
    }
    this.flushKicks();
  }

  /**
   * `signal` (to one peer, or without `to` to the whole room) and `relay` (to one peer, with its
   * own byte budget). `raw` means `data` came from the fast path and needs no JSON escaping.
   */
  private forward(conn: Conn, now: number, room: Room, from: string, type: 'signal' | 'relay',
    to: string | undefined, data: string, raw: boolean): void {
    if (type === 'relay') {
      if (!conn.relayBytes.take(data.length, now)) return this.refuse(conn, CloseCode.RateLimited, 'relay-rate-limit');
    } else if (data.length > this.limits.maxSignalData) {
      return this.bad(conn, 'too-large', `signal data over ${this.limits.maxSignalData} characters`);
    }
    const out = raw ? forwardFrame(type, from, data) : JSON.stringify({ type, from, data } satisfies ServerMessage);
    if (to === undefined) {
      for (const c of room.peers.values()) if (c !== conn && this.deliver(c, out)) this.metrics.delivered.broadcast++;
      if (this.bus?.remotePeers(room.id).size) this.bus.send(room.id, undefined, from, out);
      return;
    }
    const target = room.peers.get(to);
    if (target === undefined && this.bus?.remotePeers(room.id).has(to)) {
      this.bus.send(room.id, to, from, out); // its instance delivers it
      this.metrics.delivered[type]++;
      return;
    }
    if (!target || target === conn) return this.unknownPeer(conn, to);
    if (this.deliver(target, out)) this.metrics.delivered[type]++;
  }

  // ── helpers ────────────────────────────────────────────────────────────────

  /** Not an offence: the peer may have left a moment ago. */
  private unknownPeer(conn: Conn, to: string): void {
    this.error(conn, 'unknown-peer', isPeerId(to) ? `no peer ${to} in this room` : 'no such peer in this room');
  }

  private error(conn: Conn, code: ErrorCode, message: string): void {
    this.send(conn, { type: 'error', code, message });
  }

  /** A message the protocol does not allow: answered, counted, and fatal after maxBadMessages. */
  private bad(conn: Conn, code: ErrorCode, message: string): void {
    conn.bad++;
    this.metrics.badMessages++;
    if (conn.bad >= this.limits.maxBadMessages) return this.refuse(conn, CloseCode.BadInput, 'bad-input');
    this.error(conn, code, message);
  }

  private send(conn: Conn, msg: ServerMessage): boolean {
    return this.deliver(conn, JSON.stringify(msg));
  }

  /** Sends a prepared frame; a receiver over its backpressure limit is queued for closing. */
  private deliver(conn: Conn, text: string): boolean {
    const s = conn.socket;
    if (conn.done || !s) return false;
    const r = s.send(text);
    if (r === SendResult.Dropped) {
      this.kicks.push(conn);
      return false;
    }
    this.metrics.bytesSent += text.length;
    return true;
  }

  /** Closes a connection for a reason the operator should see: one log line, one counter. */
  private refuse(conn: Conn, code: number, reason: RefusalReason, detail?: string): void {
    if (conn.done) return;
    this.metrics.refused(reason);
    this.log('refuse', { ip: conn.ip, conn: conn.id, peer: conn.peer, code, reason, ...(detail ? { detail } : {}) });
    const s = conn.socket;
    this.release(conn);
    if (!s) return this.forget(conn);
    if (reason === 'slow-consumer' && s.terminate) {
      // Its close frame would queue behind the data it is not reading: drop it, buffers and all.
      s.terminate();
      return this.forget(conn);
    }
    this.ending = conn;
    try {
      s.end(code, detail ? `${reason}: ${detail}` : reason);
    } finally {
      this.ending = undefined;
    }
  }

  /** The socket is gone: stop counting the connection (and its address's slot). Idempotent. */
  private forget(conn: Conn): void {
    if (this.conns.delete(conn) && conn.ipLimited) this.ipLimits.disconnect(conn.ip);
  }

  /** Forgets a connection and tells its room. Idempotent. */
  private release(conn: Conn): void {
    if (conn.done) return;
    conn.done = true;
    const room = this.rooms.remove(conn);
    if (room && room.peers.size === 0 && room.creatorIp !== undefined) this.ipLimits.roomGone(room.creatorIp);
    if (!room || conn.peer === undefined || room.peers.has(conn.peer)) return;
    if (this.bus) {
      this.bus.leave(room.id, conn.peer, conn.movedAway === true);
      if (room.peers.size === 0) this.bus.forget(room.id);
    }
    if (conn.movedAway) return; // still in the room, on another instance
    const note = JSON.stringify({ type: 'peer-left', peer: conn.peer } satisfies ServerMessage);
    for (const c of room.peers.values()) this.deliver(c, note);
  }

  /** Runs one entry point: never throws, then closes receivers found slow meanwhile. */
  private guard(conn: Conn, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.metrics.refused('internal-error');
      this.log('error', { conn: conn.id, error: e instanceof Error ? `${e.name}:${e.message}` : String(e) });
      try {
        this.refuse(conn, 1011, 'internal-error');
      } catch (e2) {
        this.log('error', { conn: conn.id, error: `while closing: ${String(e2)}` });
      }
    }
    this.flushKicks();
  }

  private flushKicks(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let c = this.kicks.shift(); c; c = this.kicks.shift()) {
        try {
          this.refuse(c, CloseCode.SlowConsumer, 'slow-consumer');
        } catch (e) {
          this.log('error', { conn: c.id, error: `while dropping slow consumer: ${String(e)}` });
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
