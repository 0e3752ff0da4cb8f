/**
 * The one writer of a session's transport. Control tasks (ops, inventory, acks, wants) run
 * strictly in FIFO order; object streams (bulk) send one frame at a time in between, so an
 * ack never waits behind a 16 MiB object. Every send respects the transport's back-pressure.
 * FIFO order of control tasks is what keeps inventory digests consistent (docs/replication.md).
 *
 * A stream's next frame may take a while (the object is read from disk when its turn comes):
 * meanwhile control tasks run, and so do the next few streams (at most READ_AHEAD are being
 * read at once, so queued streams hold no memory). The oldest stream with a frame ready sends.
 *
 * Small frames sent one after another go out together, as one bundle (docs/replication.md,
 * "Bundles"): the outbox packs them until a timer of 0 ms fires (the end of this task, in
 * effect), a bundle is full, a large frame or one sent at once comes, or someone waits for
 * idle. A restore moves tens of thousands of small objects, each with a want, its data and an
 * ack; one message each cost both pages an RTCDataChannel send, an SCTP message and a message
 * event apiece.
 */
import { describeError, isTransportError } from '../core/errors.ts';
import type { PeerTransport } from '../transport/peer-transport.ts';
import { varintSize } from './byte-codec.ts';
import { encodeBundle, encodeFrame } from './frame-codec.ts';
import type { Frame, FrameType } from './frames.ts';
import { MAX_FRAME_BYTES } from './limits.ts';
import type { Logger } from './ports.ts';

export type ControlTask = () => Promise<void> | void;

interface BulkStream {
  key: string;
  frames: AsyncIterator<Frame>;
  /** Its next frame is being produced; `result` holds it once it is. */
  reading?: boolean;
  result?: IteratorResult<Frame> | Error;
}

/** Streams whose next frame is being produced at once. */
const READ_AHEAD = 4;
/** Frames up to this size may share a message; larger ones (object data ranges) go alone. */
export const BUNDLED_FRAME_MAX = 64 * 1024;
/** Room for the bundle's type byte. */
const BUNDLE_MAX = MAX_FRAME_BYTES - 1;

export class Outbox {
  /** Encoded bytes by frame type; 'bundle' counts what bundling adds (type bytes and lengths). */
  readonly sentBytes: Partial<Record<FrameType | 'bundle', number>> = {};
  readonly sentFrames: Partial<Record<FrameType | 'bundle', number>> = {};
  /** Small frames sent but not yet handed to the transport, in order. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #control: ControlTask[] = [];
  #bulk: BulkStream[] = [];
  #running = false;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];
  /** Wakes a pump that waits for a frame when a control task arrives. */
  #wake: (() => void) | undefined;

  constructor(private readonly transport: PeerTransport, private readonly log: Logger) {}

  get bulkCount(): number {
    return this.#bulk.length;
  }

  control(task: ControlTask): void {
    if (this.#stopped) return;
    this.#control.push(task);
    this.#kick();
    this.#wake?.();
  }

  /** Queues an object stream; a stream with the same key replaces the queued one. */
  bulk(key: string, frames: AsyncIterator<Frame>): void {
    if (this.#stopped) return;
    this.cancelBulk(key);
    this.#bulk.push({ key, frames });
    this.#kick();
    this.#wake?.();
  }

  cancelBulk(key: string): void {
    const i = this.#bulk.findIndex((b) => b.key === key);
    if (i >= 0) {
      const [s] = this.#bulk.splice(i, 1);
      void s!.frames.return?.(undefined);
    }
  }

  /** Encodes and sends with back-pressure. Inside tasks only (keeps frame order). */
  async send(frame: Frame): Promise<void> {
    const bytes = encodeFrame(frame);
    this.#count(frame.type, bytes.length);
    if (bytes.length <= BUNDLED_FRAME_MAX) {
      if (this.#pendingBytes + varintSize(bytes.length) + bytes.length > BUNDLE_MAX) this.#flush();
      this.#pending.push(bytes);
      this.#pendingBytes += varintSize(bytes.length) + bytes.length;
      // A task may await something slow after this frame: it does not wait for the task.
      this.#flushTimer ??= setTimeout(() => {
        this.#flushTimer = undefined;
        if (!this.#stopped) this.#flushQuietly();
      }, 0);
    } else {
      this.#flush();
      this.transport.send(bytes);
    }
    if (this.transport.bufferedAmount > this.transport.highWaterMark) {
      this.#flush();
      await this.transport.waitDrain();
    }
  }

  /**
   * Sends at once, outside the queue and without waiting: ping/pong, handshake, refusals.
   * Returns false if the transport refused (closed); never throws.
   */
  sendNow(frame: Frame): boolean {
    if (this.transport.closed) return false;
    try {
      this.#flush(); // frames sent before it go first
      const bytes = encodeFrame(frame);
      this.transport.send(bytes);
      this.#count(frame.type, bytes.length);
      return true;
    } catch (e) {
      this.log.warn('send failed', { type: frame.type, error: describeError(e) });
      return false;
    }
  }

  /** Resolves when nothing is queued (tests, orderly close). */
  idle(): Promise<void> {
    if (!this.#running && this.#control.length === 0 && this.#bulk.length === 0) {
      this.#flushQuietly();
      return Promise.resolve();
    }
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  stop(): void {
    this.#stopped = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#control = [];
    for (const b of this.#bulk) void b.frames.return?.(undefined);
    this.#bulk = [];
    this.#wake?.();
    this.#wakeIdle();
  }

  /** Hands the pending small frames to the transport: alone if one, else as a bundle. */
  #flush(): void {
    if (this.#pending.length === 0) return;
    const frames = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (frames.length === 1) {
      this.transport.send(frames[0]!);
      return;
    }
    const bundle = encodeBundle(frames);
    this.transport.send(bundle);
    this.#count('bundle', bundle.length - frames.reduce((n, f) => n + f.length, 0));
  }

  /** #flush outside a task (the timer, the pump going idle): a closed link stops the outbox. */
  #flushQuietly(): void {
    try {
      this.#flush();
    } catch (e) {
      if (isTransportError(e)) this.stop();
      else this.log.warn('outbox flush failed', { error: describeError(e) });
    }
  }

  #count(type: FrameType | 'bundle', n: number): void {
    this.sentBytes[type] = (this.sentBytes[type] ?? 0) + n;
    this.sentFrames[type] = (this.sentFrames[type] ?? 0) + 1;
  }

  #wakeIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    this.#flushQuietly(); // idle means sent
    const w = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const fn of w) fn();
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    while (!this.#stopped) {
      try {
        const task = this.#control.shift();
        if (task) {
          await task();
          continue;
        }
        if (this.#bulk.length === 0) break;
        const stream = this.#readyStream();
        if (!stream) {
          // Not flushed here: the next frame is often a microtask away (a small object read
          // with its neighbours). The flush timer sends what is pending if the wait is longer.
          await this.#waitForWork();
          continue;
        }
        const result = stream.result!;
        stream.result = undefined;
        stream.reading = false;
        if (result instanceof Error) throw result;
        if (result.done) {
          this.#remove(stream);
          continue;
        }
        await this.send(result.value);
      } catch (e) {
        if (isTransportError(e)) {
          // The link is gone; the session's close handler cleans up and requeues jobs.
          this.stop();
          break;
        }
        this.log.warn('outbox task failed', { error: describeError(e) });
      }
    }
    this.#running = false;
    // Not flushed here either: more frames often follow within this task (a pump starting 64
    // pulls sends 64 wants, each from a task of its own). The timer sends them together.
    this.#wakeIdle();
  }

  /** Starts producing the next frame of the first READ_AHEAD streams; the oldest ready one. */
  #readyStream(): BulkStream | undefined {
    const head = this.#bulk.slice(0, READ_AHEAD);
    for (const b of head) {
      if (b.reading) continue;
      b.reading = true;
      void b.frames.next().then(
        (r) => { b.result = r; },
        (e: unknown) => { b.result = e instanceof Error ? e : new Error(String(e)); },
      ).finally(() => this.#wake?.());
    }
    return head.find((b) => b.result !== undefined);
  }

  /** Until a stream has a frame ready, a control task or stream arrives, or the outbox stops. */
  async #waitForWork(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.#wake = undefined;
  }

  #remove(stream: BulkStream): void {
    const i = this.#bulk.indexOf(stream);
    if (i >= 0) this.#bulk.splice(i, 1);
  }
}
