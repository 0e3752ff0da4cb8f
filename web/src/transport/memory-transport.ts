/**
 * An in-memory connected pair of PeerTransports for protocol tests: ordered, asynchronous
 * (one frame per macrotask, never re-entrant), optional latency, back-pressure that behaves
 * like a data channel's bufferedAmount, and knobs a test needs: cut at a byte offset (resume
 * tests), a silent black hole (a peer that vanished), a tap that can rewrite or drop frames
 * (tamper/MITM tests), and per-side fingerprints (make them differ to simulate a MITM).
 */
import { TransportError } from '../core/errors.ts';
import { TransportListeners } from './transport-listeners.ts';
import {
  MAX_FRAME_BYTES,
  type PeerTransport, type TransportCloseInfo, type TransportKind, type TransportPair,
} from './peer-transport.ts';

export type Direction = 'a->b' | 'b->a';

export interface MemoryPairOptions {
  /** Delay of every frame in ms; 0 (default) delivers on the next macrotask. */
  latencyMs?: number;
  /** Default 1 MiB, like a data channel writer's usual high-water mark. */
  highWaterMark?: number;
  kind?: TransportKind;
  /** Fingerprints each side reports. Defaults are consistent: a.local = b.remote and vice versa. */
  fingerprints?: { a?: { local?: string; remote?: string }; b?: { local?: string; remote?: string } };
  /** Sees every frame when sent; returns the frame to deliver (maybe altered) or null to drop it. */
  tap?: (frame: Uint8Array, dir: Direction) => Uint8Array | null;
}

export interface MemoryPair extends TransportPair {
  a: MemoryTransport;
  b: MemoryTransport;
  /** Kills the link now, as the network would: frames in flight are lost, both sides see close. */
  cut(reason?: string): void;
  /**
   * Kills the link once more than `offset` bytes have been sent in `dir` ('both' counts the two
   * directions together). Frames wholly inside the offset are delivered; the frame that crosses
   * it and everything after are lost. Counting starts at the pair's creation.
   */
  cutAt(offset: number, dir?: Direction | 'both'): void;
  /** From now on frames vanish silently and nobody sees a close: a peer that just went away. */
  blackhole(): void;
  setTap(tap: MemoryPairOptions['tap']): void;
  readonly stats: { bytes: Record<Direction, number>; frames: Record<Direction, number> };
}

type Deliver = { frame: Uint8Array; due: number } | { close: string; due: number };

const macrotask: (fn: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (fn) => { globalThis.setImmediate(fn); } : (fn) => { setTimeout(fn, 0); };

export class MemoryTransport implements PeerTransport {
  readonly kind: TransportKind;
  readonly localFingerprint: string;
  readonly remoteFingerprint: string;
  readonly highWaterMark: number;
  bufferedAmount = 0;
  closed = false;
  readonly #listeners = new TransportListeners('memory-transport');
  #drainWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  /** Set by the pair: hands a frame (or a close) to the link. */
  _enqueue: (item: Uint8Array | { close: string }) => void = () => undefined;

  constructor(kind: TransportKind, local: string, remote: string, highWaterMark: number) {
    this.kind = kind;
    this.localFingerprint = local;
    this.remoteFingerprint = remote;
    this.highWaterMark = highWaterMark;
  }

  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError('send: expected Uint8Array');
    if (frame.length === 0 || frame.length > MAX_FRAME_BYTES) {
      throw new RangeError(`send: frame of ${frame.length} bytes (allowed 1..${MAX_FRAME_BYTES})`);
    }
    if (this.closed) throw new TransportError('send on a closed transport');
    this._enqueue(frame.slice()); // copy: the caller may reuse its buffer, as with a data channel
  }

  waitDrain(): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('transport closed'));
    if (this.bufferedAmount <= this.highWaterMark / 2) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  onMessage(fn: (frame: Uint8Array) => void): () => void {
    return this.#listeners.onMessage(fn);
  }

  onClose(fn: (info: TransportCloseInfo) => void): () => void {
    return this.#listeners.onClose(fn);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this._enqueue({ close: reason });
    this._closed({ reason, remote: false });
  }

  /** @internal the link hands over one frame. */
  _deliver(frame: Uint8Array): void {
    this.#listeners.deliver(frame);
  }

  /** @internal bytes left the send buffer. */
  _drained(bytes: number): void {
    this.bufferedAmount -= bytes;
    if (this.bufferedAmount <= this.highWaterMark / 2) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w.resolve();
    }
  }

  /** @internal */
  _closed(info: TransportCloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w.reject(new TransportError(`transport closed: ${info.reason}`));
    this.#listeners.close(info);
  }
}

/** Creates a connected pair. See MemoryPair for the test knobs. */
export function createMemoryPair(opts: MemoryPairOptions = {}): MemoryPair {
  const latency = opts.latencyMs ?? 0;
  const hwm = opts.highWaterMark ?? 1024 * 1024;
  const kind = opts.kind ?? 'memory';
  const fa = opts.fingerprints?.a ?? {};
  const fb = opts.fingerprints?.b ?? {};
  const fpA = 'sha-256 MEMORY:A';
  const fpB = 'sha-256 MEMORY:B';
  const a = new MemoryTransport(kind, fa.local ?? fpA, fa.remote ?? fpB, hwm);
  const b = new MemoryTransport(kind, fb.local ?? fpB, fb.remote ?? fpA, hwm);
  let tap = opts.tap;
  const stats = { bytes: { 'a->b': 0, 'b->a': 0 }, frames: { 'a->b': 0, 'b->a': 0 } };
  let dead = false;
  let silent = false;
  let cutRule: { offset: number; dir: Direction | 'both' } | undefined;
  let cutPending = false;

  const links = {
    'a->b': { from: a, to: b, queue: [] as Deliver[], pumping: false },
    'b->a': { from: b, to: a, queue: [] as Deliver[], pumping: false },
  };

  const cut = (reason = 'cut'): void => {
    if (dead) return;
    dead = true;
    for (const l of Object.values(links)) {
      for (const item of l.queue) if ('frame' in item) l.from._drained(item.frame.length);
      l.queue = [];
    }
    a._closed({ reason, remote: true });
    b._closed({ reason, remote: true });
  };

  const pump = (dir: Direction): void => {
    const l = links[dir];
    if (l.pumping) return;
    l.pumping = true;
    const step = (): void => {
      const item = l.queue[0];
      if (dead || !item) {
        l.pumping = false;
        if (cutPending && !dead && links['a->b'].queue.length === 0 && links['b->a'].queue.length === 0) cut();
        return;
      }
      const wait = item.due - Date.now();
      if (wait > 0) {
        setTimeout(step, wait);
        return;
      }
      l.queue.shift();
      if ('frame' in item) {
        l.from._drained(item.frame.length);
        l.to._deliver(item.frame);
      } else {
        l.to._closed({ reason: item.close, remote: true });
      }
      macrotask(step);
    };
    macrotask(step);
  };

  const wire = (t: MemoryTransport, dir: Direction): void => {
    t._enqueue = (item) => {
      if (dead || silent) return;
      const l = links[dir];
      const last = l.queue[l.queue.length - 1];
      const due = Math.max(Date.now() + latency, last?.due ?? 0);
      if (!(item instanceof Uint8Array)) {
        l.queue.push({ close: item.close, due });
        pump(dir);
        return;
      }
      stats.frames[dir]++;
      stats.bytes[dir] += item.length;
      if (cutPending) return; // the link is already going down: lost
      if (cutRule) {
        const sent = cutRule.dir === 'both' ? stats.bytes['a->b'] + stats.bytes['b->a'] : stats.bytes[cutRule.dir];
        if ((cutRule.dir === 'both' || cutRule.dir === dir) && sent > cutRule.offset) {
          cutPending = true;
          pump('a->b');
          pump('b->a');
          return;
        }
      }
      const frame = tap ? tap(item, dir) : item;
      if (frame === null) return;
      t.bufferedAmount += frame.length;
      l.queue.push({ frame, due });
      pump(dir);
    };
  };
  wire(a, 'a->b');
  wire(b, 'b->a');

  return {
    a,
    b,
    stats,
    cut,
    cutAt(offset, dir = 'both') {
      cutRule = { offset, dir };
    },
    blackhole() {
      silent = true;
      for (const l of Object.values(links)) {
        for (const item of l.queue) if ('frame' in item) l.from._drained(item.frame.length);
        l.queue = [];
      }
    },
    setTap(t) {
      tap = t;
    },
    async dispose() {
      cut('disposed');
    },
  };
}
