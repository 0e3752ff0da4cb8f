/**
 * PeerTransport through the signaling server's WebSocket, for when ICE fails (strict NATs and no
 * TURN). The server relays every frame, so it must be able to do nothing but drop them:
 * - each session has its own keys, one per direction, from key shares the two sides exchanged
 *   sealed under the room key (crypto/fallback-seal.ts); a frame of another session does not open;
 * - frames are numbered; the number is the AES-GCM nonce and is authenticated, and the receiver
 *   takes only the next one: a replay (a number already taken) is dropped, a gap or a reorder
 *   (a later number) closes the link, since a frame was lost and the replication layer must
 *   reconnect and resync rather than run on with a hole.
 * Frames are sent in order and paced below the server's per-connection byte budget so the shared
 * signaling connection is never closed for rate. There is no DTLS: the "fingerprints" are the
 * two sides' random session ids, which the replication handshake signs like DTLS fingerprints.
 */
import { TransportError, describeError } from '../core/errors.ts';
import { TransportListeners } from './transport-listeners.ts';
import { MAX_FRAME_BYTES, type PeerTransport, type TransportCloseInfo } from './peer-transport.ts';

export interface FallbackLink {
  /** Sends one sealed frame to the remote peer; false if the signaling link is down. */
  send(sealed: string): boolean;
  /** Tells the remote side that we closed (a data channel would, by itself). */
  closed(reason: string): void;
}

/** One session's frame sealing (crypto/fallback-seal.ts), handed in by the vault layer. */
export interface FallbackCipher {
  seal(n: number, frame: Uint8Array): Promise<string>;
  /** Opens a frame and says its number; throws if it is not of this session and direction. */
  open(data: string): Promise<{ n: number; frame: Uint8Array }>;
}

/** Per-session keying: fresh key shares, and both directions' cipher from the two shares. */
export interface FallbackCrypto {
  newShare(): string;
  session(o: { dialer: boolean; dialerSession: string; dialerShare: string; responderSession: string; responderShare: string }): Promise<FallbackCipher>;
}

export interface FallbackOptions {
  localSession: string;
  remoteSession: string;
  cipher: FallbackCipher;
  /** Pace of sending, kept under the server's --max-relay-bytes-per-sec (default 4 MiB/s). */
  bytesPerSec?: number;
}

export class FallbackTransport implements PeerTransport {
  readonly kind = 'fallback' as const;
  readonly highWaterMark = 1024 * 1024;
  readonly localFingerprint: string;
  readonly remoteFingerprint: string;
  bufferedAmount = 0;
  closed = false;
  readonly #link: FallbackLink;
  readonly #cipher: FallbackCipher;
  #sent = 0;
  #expected = 0;
  /** Frames refused: replays (dropped), forgeries (dropped). A gap closes the link instead. */
  readonly refused = { replay: 0, forged: 0 };
  readonly #bytesPerSec: number;
  #queue: Uint8Array[] = [];
  #pumping = false;
  #inbound: Promise<void> = Promise.resolve();
  readonly #listeners = new TransportListeners('fallback-transport');
  #drainFns: Array<() => void> = [];

  constructor(link: FallbackLink, opts: FallbackOptions) {
    this.#link = link;
    this.#cipher = opts.cipher;
    this.#bytesPerSec = opts.bytesPerSec ?? 3 * 1024 * 1024;
    this.localFingerprint = `fallback ${opts.localSession}`;
    this.remoteFingerprint = `fallback ${opts.remoteSession}`;
  }

  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array) || frame.length === 0 || frame.length > MAX_FRAME_BYTES) {
      throw new RangeError(`frame must be 1..${MAX_FRAME_BYTES} bytes`);
    }
    if (this.closed) throw new TransportError('fallback link is closed');
    this.#queue.push(frame.slice());
    this.bufferedAmount += frame.length;
    if (!this.#pumping) void this.#pump();
  }

  waitDrain(): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('fallback link is closed'));
    if (this.bufferedAmount <= this.highWaterMark / 2) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.onClose(() => reject(new TransportError('fallback link closed while draining')));
      this.#drainFns.push(() => {
        off();
        resolve();
      });
    });
  }

  /** A sealed frame from the remote peer (routed here by the dialer). Only the next number is taken. */
  receive(data: string): void {
    this.#inbound = this.#inbound.then(async () => {
      if (this.closed) return;
      let n: number;
      let frame: Uint8Array;
      try {
        ({ n, frame } = await this.#cipher.open(data));
      } catch (e) {
        // Not of this session, or altered on the way: drop it and say so.
        this.refused.forged++;
        console.warn(`fallback: dropped a frame that did not open (${describeError(e)})`);
        return;
      }
      if (n < this.#expected) {
        // A frame already taken, sent again (by the server: a sender never repeats a number).
        this.refused.replay++;
        console.warn(`fallback: dropped a replayed frame (#${n}, expected #${this.#expected})`);
        return;
      }
      if (n > this.#expected) {
        this.close(`fallback frames lost or reordered (got #${n}, expected #${this.#expected})`);
        return;
      }
      this.#expected++;
      this.#listeners.deliver(frame);
    });
  }

  onMessage(fn: (frame: Uint8Array) => void): () => void {
    return this.#listeners.onMessage(fn);
  }

  onClose(fn: (info: TransportCloseInfo) => void): () => void {
    return this.#listeners.onClose(fn);
  }

  close(reason = 'closed locally', remote = false): void {
    if (!this.#listeners.close({ reason, remote })) return;
    this.closed = true;
    this.#queue = [];
    this.bufferedAmount = 0;
    if (!remote) this.#link.closed(reason);
  }

  #seal(frame: Uint8Array): Promise<string> {
    return this.#cipher.seal(this.#sent++, frame);
  }

  async #pump() {
    this.#pumping = true;
    try {
      while (this.#queue.length && !this.closed) {
        const frame = this.#queue.shift()!;
        const sealed = await this.#seal(frame);
        if (this.closed) return;
        if (!this.#link.send(sealed)) {
          this.close('signaling connection lost', true);
          return;
        }
        this.bufferedAmount -= frame.length;
        if (this.bufferedAmount <= this.highWaterMark / 2) this.#drainFns.splice(0).forEach((f) => f());
        // Pace: the server refuses a connection that exceeds its relay byte rate.
        await new Promise((r) => setTimeout(r, (sealed.length / this.#bytesPerSec) * 1000));
      }
    } catch (e) {
      this.close(`fallback send failed: ${describeError(e)}`);
    } finally {
      this.#pumping = false;
    }
  }
}
