/**
 * The one small interface every peer-to-peer transport implements (WebRTC data channel, direct
 * or through TURN; the WebSocket fallback; the in-memory pair for tests). Everything above it
 * (web/src/replication) sees only frames, so switching transport changes nothing there.
 * Acceptance suite: ./peer-transport.acceptance.ts. Design note: docs/replication.md.
 */

/** How the bytes travel. 'direct' and 'turn' are WebRTC; 'fallback' is the signaling WebSocket. */
export type TransportKind = 'direct' | 'turn' | 'fallback' | 'memory';

/** Largest frame any transport must carry: Chromium's SCTP maxMessageSize (see TESTING.md). */
export const MAX_FRAME_BYTES = 256 * 1024;

export interface TransportCloseInfo {
  /** Free text for logs; never carries secrets. */
  reason: string;
  /** True when the other side (or the network) closed the connection, false after local close(). */
  remote: boolean;
}

export interface PeerTransport {
  readonly kind: TransportKind;
  /**
   * DTLS certificate fingerprints as THIS side sees them (e.g. "sha-256 AB:CD:…"). The
   * replication handshake signs both, so a signaling server that swapped them is detected.
   */
  readonly localFingerprint: string;
  readonly remoteFingerprint: string;
  /** Bytes accepted by send() but not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Writers should wait (waitDrain) before sending while bufferedAmount is above this. */
  readonly highWaterMark: number;
  readonly closed: boolean;
  /**
   * Queues one whole frame (1..MAX_FRAME_BYTES bytes); frames arrive whole and in order.
   * Throws RangeError for a bad size and TransportError when closed. It never blocks:
   * back-pressure is the caller's job, with bufferedAmount/highWaterMark/waitDrain.
   */
  send(frame: Uint8Array): void;
  /**
   * Resolves once bufferedAmount is at or below the low-water mark (half the high-water mark);
   * rejects with TransportError if the transport closes first.
   */
  waitDrain(): Promise<void>;
  /**
   * Registers the frame listener. Frames that arrive before the first listener are queued
   * for it (a data channel delivers as soon as it opens). Delivery is always asynchronous:
   * never from inside send(). Returns an unsubscribe function.
   */
  onMessage(fn: (frame: Uint8Array) => void): () => void;
  /** Called once, when the transport closes for any reason. Registered late: called at once. */
  onClose(fn: (info: TransportCloseInfo) => void): () => void;
  /** Closes both directions. Frames already queued may still reach the other side. Idempotent. */
  close(reason?: string): void;
}

/** A connected pair for tests and the acceptance suite. */
export interface TransportPair {
  a: PeerTransport;
  b: PeerTransport;
  /** Releases anything the pair holds (timers, browsers). Safe after close. */
  dispose(): Promise<void>;
}

export function isTransportKind(x: unknown): x is TransportKind {
  return x === 'direct' || x === 'turn' || x === 'fallback' || x === 'memory';
}
