/**
 * Every N minutes, asks the page to verify a random sample of stored objects against their
 * hashes (`fvRelay.selfCheck`); the page queues corrupt ones for re-fetch from other peers.
 * Here the result is logged and kept for /status, so silent disk rot shows up in the log.
 */
import { errorText, type Logger } from './log.ts';
import type { SelfCheckResult } from './page-contract.ts';

export interface SelfCheckRecord {
  /** When the check began: it covers the objects stored by then. */
  startedAt: number;
  /** When it finished. */
  at: number;
  checked: number;
  corrupt: string[];
  error: string | null;
}

export interface SelfCheckSchedule {
  last(): SelfCheckRecord | null;
  stop(): void;
}

export interface SelfCheckOptions {
  intervalMs: number;
  sample: number;
  run: (sample: number) => Promise<SelfCheckResult>;
  log: Logger;
}

export function scheduleSelfCheck(o: SelfCheckOptions): SelfCheckSchedule {
  let last: SelfCheckRecord | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const once = async (): Promise<void> => {
    const startedAt = Date.now();
    try {
      const r = await o.run(o.sample);
      last = { startedAt, at: Date.now(), checked: r.checked, corrupt: r.corrupt, error: null };
      if (r.corrupt.length > 0) {
        o.log.warn('self-check', { checked: r.checked, corrupt: r.corrupt.length, objects: r.corrupt.slice(0, 20), note: 'corrupt objects are queued for re-fetch' });
      } else {
        o.log.info('self-check', { checked: r.checked, corrupt: 0 });
      }
    } catch (e) {
      last = { startedAt, at: Date.now(), checked: 0, corrupt: [], error: errorText(e) };
      o.log.warn('self-check-failed', { error: last.error, note: 'will try again at the next interval' });
    }
  };

  const loop = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void once().finally(loop);
    }, o.intervalMs);
  };

  if (o.intervalMs > 0) loop();
  return {
    last: () => last,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
