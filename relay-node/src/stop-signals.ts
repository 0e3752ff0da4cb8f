/**
 * Stop signals (SIGTERM, SIGINT, SIGHUP) → one graceful stop.
 *
 * One Ctrl-C on `npm run relay` reaches relay-node two or three times: the terminal signals the
 * whole process group, and npm forwards its own. So
 * signals within `burstMs` of the first signal of a burst are one stop request. The first request
 * starts the graceful stop; a second is acknowledged and changes nothing (queued writes are
 * finishing); a third, or a stop that outlasts `deadlineMs`, forces the exit.
 *
 * The listeners stay installed until the process exits: without one, Node (or tsx's hidden
 * handler in its child) ends the process at the next signal, which is the bug this replaces.
 */
import type { Logger } from './log.ts';

export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Signals this close to the first of a burst are duplicates of one request. */
export const SIGNAL_BURST_MS = 1000;
/** Longer than a stop can take (fvRelay.stop() ≤ 15 s, closing ≤ 10 s) and shorter than the unit's TimeoutStopSec. */
export const STOP_DEADLINE_MS = 50_000;
/** The request that forces the exit. */
const FORCE_AT_REQUEST = 3;

type SignalSource = {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
};

export interface StopSignalsOptions {
  log: Logger;
  /** Ends the process (process.exit); called once, with 1, on a forced exit. */
  exit: (code: number) => void;
  source?: SignalSource;
  signals?: readonly NodeJS.Signals[];
  now?: () => number;
  burstMs?: number;
  deadlineMs?: number;
}

export interface StopSignals {
  /** Resolves with the first stop signal. */
  readonly requested: Promise<NodeJS.Signals>;
  /** The stop finished: no deadline any more, later signals are ignored. */
  done(): void;
  /** Removes the listeners (tests; the CLI keeps them until it exits). */
  dispose(): void;
}

export function watchStopSignals(o: StopSignalsOptions): StopSignals {
  const source = o.source ?? process;
  const signals = o.signals ?? STOP_SIGNALS;
  const now = o.now ?? Date.now;
  const burstMs = o.burstMs ?? SIGNAL_BURST_MS;
  const deadlineMs = o.deadlineMs ?? STOP_DEADLINE_MS;

  let resolveRequested!: (s: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((r) => (resolveRequested = r));
  let requests = 0;
  let burstStart = 0;
  let finished = false;
  let forced = false;
  let deadline: ReturnType<typeof setTimeout> | undefined;

  const force = (fields: Record<string, string | number>): void => {
    if (forced) return;
    forced = true;
    clearTimeout(deadline);
    o.log.warn('forced-exit', fields);
    o.exit(1);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (finished || forced) return;
    const t = now();
    if (requests > 0 && t - burstStart < burstMs) {
      o.log.debug('stop-signal-duplicate', { signal, note: 'part of the same stop request (npm and the terminal both deliver Ctrl-C)' });
      return;
    }
    requests++;
    burstStart = t;
    if (requests === 1) {
      deadline = setTimeout(() => force({ note: `the stop took longer than ${deadlineMs / 1000} s` }), deadlineMs);
      deadline.unref?.();
      resolveRequested(signal);
    } else if (requests < FORCE_AT_REQUEST) {
      o.log.warn('stop-signal-repeated', { signal, note: 'already stopping: queued writes are finishing. Signal once more to force an exit' });
    } else {
      force({ signal, note: `stop signal number ${requests} during shutdown` });
    }
  };

  for (const s of signals) source.on(s, onSignal);
  return {
    requested,
    done: () => {
      finished = true;
      clearTimeout(deadline);
    },
    dispose: () => {
      clearTimeout(deadline);
      for (const s of signals) source.off(s, onSignal);
    },
  };
}
