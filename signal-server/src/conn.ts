/**
 * Per-connection state, independent of the WebSocket library: the hub drives a `PeerSocket`,
 * which server.ts implements over uWebSockets.js and the benchmark's baseline over `ws`.
 */
import type { TokenBucket } from './token-bucket.ts';
import type { Room } from './rooms.ts';

export const SendResult = { Sent: 1, Buffered: 0, Dropped: 2 } as const;

export interface PeerSocket {
  /** Queues a text frame. Returns SendResult: Dropped when over the backpressure limit. */
  send(text: string): number;
  /** Sends a close frame. Must not throw on an already-closed socket. */
  end(code: number, reason: string): void;
  /** Drops the connection at once, without a close frame, freeing what is buffered for it. */
  terminate?(): void;
  ping(): void;
}

export interface Conn {
  readonly id: number;
  readonly ip: string;
  /** Per-IP limits apply to `ip` (client-ip.ts). */
  readonly ipLimited: boolean;
  /** Fresh per connection; the join signature covers it, so a recorded join cannot be replayed. */
  readonly nonce: string;
  readonly openedAt: number;
  socket: PeerSocket | undefined;
  /** Last time anything (message or pong) arrived. */
  lastSeen: number;
  /** A ping went out since `lastSeen`. */
  pinged: boolean;
  room: Room | undefined;
  peer: string | undefined;
  /** A join passed its signature and waits for the enrolment store (hub.ts). */
  joining?: boolean;
  bad: number;
  readonly msgs: TokenBucket;
  readonly relayBytes: TokenBucket;
  /** Every frame's bytes, so a stream of large frames is bounded, not only their number. */
  readonly bytes: TokenBucket;
  /** Set once the hub let go of it (refused, or the socket closed): never send again. */
  done: boolean;
  /** Refused with a close frame: counted until then, as its socket may still be open (hub.ts). */
  lingerUntil?: number;
  /** Its peer id joined on another instance (cluster): it was replaced there, not gone. */
  movedAway?: boolean;
}
