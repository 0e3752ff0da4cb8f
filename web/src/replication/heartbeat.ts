/**
 * Detects a peer that vanished without closing (laptop lid shut, network gone): pings when the
 * link is quiet and gives up when nothing at all has arrived for `timeoutMs`.
 */
import type { Clock } from './ports.ts';

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 2_000, timeoutMs: 6_000 };

export class Heartbeat {
  #lastSeen: number;
  #timer: unknown;
  #n = 0;
  #stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly opts: HeartbeatOptions,
    private readonly sendPing: (n: number) => void,
    private readonly onTimeout: (silentMs: number) => void,
  ) {
    this.#lastSeen = clock.now();
  }

  start(): void {
    this.#schedule();
  }

  /** Any frame from the peer proves it is alive. */
  seen(): void {
    this.#lastSeen = this.clock.now();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    const tick = Math.max(10, Math.min(this.opts.intervalMs, this.opts.timeoutMs / 3));
    this.#timer = this.clock.setTimeout(() => this.#tick(), tick);
  }

  #tick(): void {
    if (this.#stopped) return;
    const silent = this.clock.now() - this.#lastSeen;
    if (silent >= this.opts.timeoutMs) {
      this.stop();
      this.onTimeout(silent);
      return;
    }
    if (silent >= this.opts.intervalMs / 2) this.sendPing(++this.#n);
    this.#schedule();
  }
}
