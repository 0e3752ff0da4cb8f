/**
 * Wire messages between the signaling server and clients (JSON text frames on `/signal`).
 * Dependency-free: imported by signal-server/ and by web/src/transport.
 *
 * Flow: server sends `challenge` → client sends `join` signed with the room's Ed25519 private
 * key (derived from the vault secret; the room id IS the public key) → server replies `joined`.
 * Everything in `data` is ciphertext made by clients; the server never parses it.
 * A room the server's admin has not enrolled gets no TURN credentials (and, by default, is not
 * let in): the join may carry a one-time enrolment code, or a vouch signed by another enrolled
 * room's key (the next generation of a family's room). See docs/signal-server.md "Enrolment".
 */

export const SIGNAL_PROTOCOL = 1;

/** What the client signs (UTF-8) to join: binds the server nonce, the room and the peer id. */
export function joinTranscript(nonce: string, room: string, peer: string): string {
  return `family-vault/signal-join/v1\n${nonce}\n${room}\n${peer}`;
}

/**
 * What a room key signs to vouch for another room (`JoinMsg.vouch`): "`room` belongs to the
 * family of `voucher`". Not bound to a nonce: replaying it can only enrol the same room again.
 */
export function vouchTranscript(voucher: string, room: string): string {
  return `family-vault/signal-vouch/v1\n${voucher}\n${room}`;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

// ── client → server ───────────────────────────────────────────────────────────
/**
 * `enrol`: a one-time enrolment code from the server's admin (enrols this room, if it is not
 * yet). `vouch`: `sig` by the key of the enrolled room `room` over vouchTranscript(room, this
 * join's room), so a family's next room (after a rotation) or earlier rooms stay enrolled.
 */
export interface JoinMsg {
  type: 'join'; room: string; peer: string; sig: string; protocol: number;
  enrol?: string;
  vouch?: { room: string; sig: string };
}
/** Opaque signaling payload to one peer (`to`) or, without `to`, to the whole room. */
export interface SignalOut { type: 'signal'; to?: string; data: string }
/** WebSocket-fallback transport payload (ciphertext) to one peer. */
export interface RelayOut { type: 'relay'; to: string; data: string }
export interface TurnRequest { type: 'turn' }
export interface PingMsg { type: 'ping' }
export type ClientMessage = JoinMsg | SignalOut | RelayOut | TurnRequest | PingMsg;

// ── server → client ───────────────────────────────────────────────────────────
export interface ChallengeMsg { type: 'challenge'; nonce: string; protocol: number }
/** Limits the server enforces, announced on join so clients can pace themselves (optional: older servers omit it). */
export interface SignalLimits { maxFrame: number; maxSignalData: number; maxMsgsPerSec: number; maxRelayBytesPerSec: number }
/**
 * `enrolled`: whether the server's admin enrolled this room (only enrolled rooms get TURN);
 * absent when the server does not use enrolment. `enrolledBy`: this join enrolled it, with the
 * code (now used up) or the vouch.
 */
export interface JoinedMsg {
  type: 'joined'; room: string; peer: string; peers: string[]; limits?: SignalLimits;
  enrolled?: boolean; enrolledBy?: 'code' | 'vouch';
}
export interface PeerJoinedMsg { type: 'peer-joined'; peer: string }
export interface PeerLeftMsg { type: 'peer-left'; peer: string }
export interface SignalIn { type: 'signal'; from: string; data: string }
export interface RelayIn { type: 'relay'; from: string; data: string }
/** `expiresAt`: unix time in milliseconds after which TURN refuses the credentials. */
export interface TurnMsg { type: 'turn'; iceServers: IceServer[]; expiresAt: number }
export interface PongMsg { type: 'pong' }
/** Non-fatal problem with one message (the connection stays open). */
export interface ErrorMsg { type: 'error'; code: ErrorCode; message: string }
export type ServerMessage =
  | ChallengeMsg | JoinedMsg | PeerJoinedMsg | PeerLeftMsg | SignalIn | RelayIn | TurnMsg | PongMsg | ErrorMsg;

export type ErrorCode =
  | 'bad-message' | 'not-joined' | 'already-joined' | 'unknown-peer' | 'turn-disabled' | 'too-large'
  /** TURN asked for by a room the server's admin has not enrolled. */
  | 'not-enrolled'
  /** The server could not answer now (its enrolment store failed): try again later. */
  | 'unavailable';

/**
 * WebSocket close codes the server uses; the reason string says more. 4006 means another
 * connection joined with the same peer id and replaced this one: do not reconnect automatically.
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  TooLarge: 1009,
  BadInput: 4000,
  AuthFailed: 4001,
  RoomFull: 4002,
  ServerFull: 4003,
  RateLimited: 4004,
  IdleTimeout: 4005,
  DuplicatePeer: 4006,
  JoinTimeout: 4007,
  ProtocolMismatch: 4008,
  /** The client read too slowly: more than the server's backpressure limit was queued for it. */
  SlowConsumer: 4009,
  /**
   * The room is not enrolled on this server (reason `not-enrolled`), or the join's enrolment
   * code or vouch was refused (`bad-enrol-code`, `bad-vouch`). Retrying with the same join fails
   * the same way; a vouch may succeed once the vouching room is enrolled.
   */
  NotEnrolled: 4010,
} as const;

const str = (x: unknown, max: number): x is string => typeof x === 'string' && x.length <= max;
const obj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Parses and checks one client frame; returns undefined for anything malformed. */
export function parseClientMessage(text: string, maxData: number): ClientMessage | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined; // malformed JSON is a normal case at this edge: caller counts and refuses it
  }
  if (!obj(m)) return undefined;
  switch (m.type) {
    case 'join': {
      if (!(str(m.room, 64) && str(m.peer, 64) && str(m.sig, 128) && typeof m.protocol === 'number')) return undefined;
      const join: JoinMsg = { type: 'join', room: m.room, peer: m.peer, sig: m.sig, protocol: m.protocol };
      if (m.enrol !== undefined) {
        if (!str(m.enrol, 40)) return undefined;
        join.enrol = m.enrol;
      }
      if (m.vouch !== undefined) {
        if (!obj(m.vouch) || !str(m.vouch.room, 64) || !str(m.vouch.sig, 128)) return undefined;
        join.vouch = { room: m.vouch.room, sig: m.vouch.sig };
      }
      return join;
    }
    case 'signal':
      if (!str(m.data, maxData)) return undefined;
      if (m.to === undefined) return { type: 'signal', data: m.data };
      return str(m.to, 64) ? { type: 'signal', to: m.to, data: m.data } : undefined;
    case 'relay':
      return str(m.to, 64) && str(m.data, maxData) ? { type: 'relay', to: m.to, data: m.data } : undefined;
    case 'turn':
      return { type: 'turn' };
    case 'ping':
      return { type: 'ping' };
    default:
      return undefined;
  }
}

/** Parses and checks one server frame (client side); undefined for anything malformed. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!obj(m) || typeof m.type !== 'string') return undefined;
  switch (m.type) {
    case 'challenge':
      return str(m.nonce, 128) && typeof m.protocol === 'number' ? (m as unknown as ChallengeMsg) : undefined;
    case 'joined':
      return str(m.room, 64) && str(m.peer, 64) && Array.isArray(m.peers) && m.peers.every((p) => str(p, 64))
        && (m.enrolled === undefined || typeof m.enrolled === 'boolean')
        && (m.enrolledBy === undefined || m.enrolledBy === 'code' || m.enrolledBy === 'vouch')
        ? (m as unknown as JoinedMsg) : undefined;
    case 'peer-joined':
    case 'peer-left':
      return str(m.peer, 64) ? (m as unknown as PeerJoinedMsg | PeerLeftMsg) : undefined;
    case 'signal':
    case 'relay':
      return str(m.from, 64) && typeof m.data === 'string' ? (m as unknown as SignalIn | RelayIn) : undefined;
    case 'turn':
      return Array.isArray(m.iceServers) && typeof m.expiresAt === 'number' ? (m as unknown as TurnMsg) : undefined;
    case 'pong':
      return { type: 'pong' };
    case 'error':
      return typeof m.code === 'string' && typeof m.message === 'string' ? (m as unknown as ErrorMsg) : undefined;
    default:
      return undefined;
  }
}
