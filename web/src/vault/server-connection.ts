/**
 * Whether the open vault reaches its family server, for the header: connecting, connected,
 * can't reach it (a try failed, or the first one is taking too long), or it refuses this family
 * until its admin's code is entered. Follows the current room's signal client, which changes
 * when the vault secret is rotated (hence the re-read on every event and every join).
 */
import { Emitter } from '../core/emitter.ts';
import type { SignalState } from '../transport/signal-client.ts';

export type ServerReach = 'connecting' | 'connected' | 'unreachable' | 'needs-code';

/** What is read of a SignalClient. */
export interface WatchedSignal {
  readonly state: SignalState;
  readonly failures: number;
  on(event: 'state' | 'retrying', fn: () => void): () => void;
}

/** What is read of a VaultSession. */
export interface WatchedSession {
  readonly node: { readonly signal: WatchedSignal; onJoined(fn: () => void): void };
  readonly needsServerCode: boolean;
  on(event: 'status', fn: () => void): () => void;
}

/** A first connection still not joined after this long counts as unreachable (a silent network). */
const SLOW_MS = 10_000;

export class ServerConnection extends Emitter<{ change: ServerReach | undefined }> {
  #state: ServerReach | undefined;
  #session: WatchedSession | undefined;
  #signal: WatchedSignal | undefined;
  #offs: Array<() => void> = [];
  #offSignal: Array<() => void> = [];
  /** When the current signal client was last seen not joined (undefined while joined). */
  #waitingSince: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #slowMs: number;

  constructor(o: { slowMs?: number } = {}) {
    super();
    this.#slowMs = o.slowMs ?? SLOW_MS;
  }

  /** undefined while no vault is open. */
  get state(): ServerReach | undefined {
    return this.#state;
  }

  /** Follows this session (undefined: none, the vault is locked). */
  watch(session: WatchedSession | undefined): void {
    this.#offs.forEach((off) => off());
    this.#offs = [];
    this.#unwatchSignal();
    this.#session = session;
    if (session) {
      this.#offs.push(session.on('status', this.#update));
      session.node.onJoined(() => {
        if (this.#session === session) this.#update();
      });
    }
    this.#update();
  }

  #unwatchSignal() {
    this.#offSignal.forEach((off) => off());
    this.#offSignal = [];
    this.#signal = undefined;
    this.#waitingSince = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #update = (): void => {
    const s = this.#session;
    if (!s) return this.#set(undefined);
    const signal = s.node.signal;
    if (signal !== this.#signal) {
      this.#unwatchSignal();
      this.#signal = signal;
      this.#offSignal.push(signal.on('state', this.#update), signal.on('retrying', this.#update));
    }
    if (signal.state === 'joined') {
      this.#waitingSince = undefined;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else {
      this.#waitingSince ??= Date.now();
    }
    this.#set(this.#reach(s, signal));
  };

  #reach(s: WatchedSession, signal: WatchedSignal): ServerReach {
    if (s.needsServerCode) return 'needs-code';
    if (signal.state === 'joined') return 'connected';
    if (signal.failures > 0 || signal.state === 'closed') return 'unreachable';
    const left = (this.#waitingSince ?? Date.now()) + this.#slowMs - Date.now();
    if (left <= 0) return 'unreachable';
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#update();
    }, left);
    return 'connecting';
  }

  #set(r: ServerReach | undefined) {
    if (r === this.#state) return;
    this.#state = r;
    this.emit('change', r);
  }
}
