/**
 * PeerTransport through the signaling server's WebSocket, for when ICE fails (strict NATs and no
 * TURN). Frames are sealed under the room key before they leave (the server relays ciphertext
 * only), sent in order, and paced below the server's per-connection byte budget so the shared
 * signaling connection is never closed for rate. There is no DTLS: the "fingerprints" are the
 * two sides' random session ids, which the replication handshake signs like DTLS fingerprints.
 */
import { TransportError, describeError } from '../core/errors.ts';
import { TransportListeners } from './transport-listeners.ts';
import { MAX_FRAME_BYTES, type PeerTransport, type TransportCloseInfo } from './peer-transport.ts';

export interface FallbackLink {
  /** Seals and sends one frame to the remote peer; false if the signaling link is down. */
  send(sealed: string): boolean;
  seal(frame: Uint8Array): Promise<string>;
  open(data: string): Promise<Uint8Array>;
  /** Tells the remote side that we closed (a data channel would, by itself). */
  closed(reason: string): void;
}

export interface FallbackOptions {
  localSession: string;
  remoteSession: string;
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
  readonly #bytesPerSec: number;
  #queue: Uint8Array[] = [];
  #pumping = false;
  #inbound: Promise<void> = Promise.resolve();
  readonly #listeners = new TransportListeners('fallback-transport');
  #drainFns: Array<() => void> = [];

  constructor(link: FallbackLink, opts: FallbackOptions) {
    this.#link = link;
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

  /** A sealed frame from the remote peer (routed here by the dialer). Order is preserved. */
  receive(data: string): void {
    this.#inbound = this.#inbound.then(async () => {
      if (this.closed) return;
      let frame: Uint8Array;
      try {
        frame = await this.#link.open(data);
      } catch (e) {
        // Not from our peer, or altered on the way: drop it and say so; the handshake and
        // the replication layer's own checks decide whether the peer is still trusted.
        console.warn(`fallback: dropped a frame that did not open (${describeError(e)})`);
        return;
      }
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

  async #pump() {
    this.#pumping = true;
    try {
      while (this.#queue.length && !this.closed) {
        const frame = this.#queue.shift()!;
        const sealed = await this.#link.seal(frame);
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
