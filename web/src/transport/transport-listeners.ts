/**
 * The listener bookkeeping every PeerTransport needs (peer-transport.ts contract): frames that
 * arrive before the first listener are queued for it, delivery never happens inside the call
 * that registers, a listener that throws is reported and never breaks the link, and close
 * listeners run once (at once, asynchronously, if the transport is already closed).
 */
import type { TransportCloseInfo } from './peer-transport.ts';

const later: (fn: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (fn) => { globalThis.setImmediate(fn); } : (fn) => { setTimeout(fn, 0); };

export class TransportListeners {
  readonly #messageFns = new Set<(f: Uint8Array) => void>();
  readonly #closeFns = new Set<(i: TransportCloseInfo) => void>();
  #early: Uint8Array[] = [];
  #closeInfo: TransportCloseInfo | undefined;

  constructor(private readonly name: string) {}

  get closeInfo(): TransportCloseInfo | undefined {
    return this.#closeInfo;
  }

  onMessage(fn: (frame: Uint8Array) => void): () => void {
    this.#messageFns.add(fn);
    if (this.#early.length > 0) {
      const early = this.#early;
      this.#early = [];
      later(() => early.forEach((f) => this.deliver(f)));
    }
    return () => this.#messageFns.delete(fn);
  }

  onClose(fn: (info: TransportCloseInfo) => void): () => void {
    if (this.#closeInfo) {
      const info = this.#closeInfo;
      later(() => fn(info));
      return () => undefined;
    }
    this.#closeFns.add(fn);
    return () => this.#closeFns.delete(fn);
  }

  /** Hands a received frame to the listeners, or queues it until the first one registers. */
  deliver(frame: Uint8Array): void {
    if (this.#closeInfo) return;
    if (this.#messageFns.size === 0) {
      this.#early.push(frame);
      return;
    }
    for (const fn of [...this.#messageFns]) {
      try {
        fn(frame);
      } catch (e) {
        // A listener bug must not break the link for the other listeners; report it loudly.
        console.error(`${this.name}: message listener threw`, e);
      }
    }
  }

  /** Records the close and tells every close listener once; false if it was already closed. */
  close(info: TransportCloseInfo): boolean {
    if (this.#closeInfo) return false;
    this.#closeInfo = info;
    this.#early = [];
    const fns = [...this.#closeFns];
    this.#closeFns.clear();
    for (const fn of fns) {
      try {
        fn(info);
      } catch (e) {
        console.error(`${this.name}: close listener threw`, e);
      }
    }
    return true;
  }
}
