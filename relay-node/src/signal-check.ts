/**
 * Checks at start that the signal server answers `/healthz`. Unreachable is not fatal (the
 * server may be rebooting, or this home's internet down): warn, and keep checking in the
 * background with backoff until it answers, so the log says when it came back; then check
 * every few minutes. The page's
 * signal client reconnects by itself; this check only informs the operator.
 */
import { errorText, type Logger } from './log.ts';

export interface SignalCheckState {
  url: string;
  reachable: boolean | null;
  lastCheckAt: number | null;
  lastError: string | null;
}

export interface SignalChecker {
  state(): SignalCheckState;
  stop(): void;
}

export interface SignalCheckOptions {
  healthUrl: string;
  log: Logger;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Resolves after the first check (whatever its result); retries continue in the background. */
export async function watchSignalServer(o: SignalCheckOptions): Promise<SignalChecker> {
  const fetchImpl = o.fetchImpl ?? fetch;
  const state: SignalCheckState = { url: o.healthUrl, reachable: null, lastCheckAt: null, lastError: null };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let attempt = 0;

  const check = async (): Promise<void> => {
    try {
      const res = await fetchImpl(o.healthUrl, { signal: AbortSignal.timeout(o.timeoutMs ?? 5000) });
      // Drain the body so the connection is released.
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      if (state.reachable !== true) o.log.info('signal-server-reachable', { url: o.healthUrl });
      state.reachable = true;
      state.lastError = null;
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
      state.lastError = errorText(e) + cause;
      if (state.reachable !== false) {
        o.log.warn('signal-server-unreachable', { url: o.healthUrl, error: state.lastError, note: 'relay keeps running and retries' });
      } else {
        o.log.debug('signal-server-unreachable', { url: o.healthUrl, error: state.lastError });
      }
      state.reachable = false;
    }
    state.lastCheckAt = Date.now();
  };

  const loop = async (): Promise<void> => {
    await check();
    if (stopped) return;
    // Unreachable: retry soon, backing off. Reachable: look again now and then, so /status
    // and the log notice an outage even while the page's own client is reconnecting.
    const max = o.retryMaxMs ?? 300_000;
    attempt = state.reachable ? 0 : attempt + 1;
    const delay = state.reachable ? max : Math.min(max, (o.retryMinMs ?? 5000) * 2 ** (attempt - 1));
    timer = setTimeout(() => void loop(), delay);
  };

  await loop();
  return {
    state: () => ({ ...state }),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
