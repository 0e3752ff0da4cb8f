/**
 * The JSON behind /status and /healthz, assembled from what each part knows. Pure, so the
 * health rule is tested: healthy = the browser is running and its page answered
 * `fvRelay.status()` recently with ready = true (the page is ready once it has joined its
 * signaling room). Times are Unix milliseconds, as in the page.
 */
import type { BrowserSnapshot } from './browser-supervisor.ts';
import type { RelayPeerStatus } from './page-contract.ts';
import type { SelfCheckRecord } from './self-check.ts';
import type { SignalCheckState } from './signal-check.ts';

export interface StatusReport {
  ok: boolean;
  ready: boolean;
  /** Why not ok, for a person. */
  problem: string | null;
  name: string;
  version: string;
  pageVersion: string | null;
  uptimeSec: number;
  origin: string;
  peerId: string;
  objects: number | null;
  bytes: number | null;
  quotaBytes: number | null;
  peers: RelayPeerStatus[];
  queueDepth: number | null;
  lastSyncAt: number | null;
  corrupt: number | null;
  refusedForQuota: number | null;
  /** Corrupt objects fetched again from another home or a member, and those still waiting. */
  repaired: number | null;
  repairing: number | null;
  signal: { url: string; state: string; serverReachable: boolean | null; lastCheckAt: number | null; error: string | null };
  browser: {
    state: string; pid: number | null; restarts: number; startedAt: number | null;
    lastRestartReason: string | null; lastError: string | null; storagePersisted: boolean | null; executable: string;
  };
  selfCheck: SelfCheckRecord | null;
  statusAgeMs: number | null;
}

export interface StatusInputs {
  now: number;
  startedAt: number;
  name: string;
  version: string;
  origin: string;
  peerId: string;
  quotaBytes: number | null;
  signalUrl: string;
  executable: string;
  browser: BrowserSnapshot;
  signalCheck: SignalCheckState | null;
  selfCheck: SelfCheckRecord | null;
  /** A page answer older than this no longer counts as alive. */
  staleAfterMs: number;
}

export function buildStatus(i: StatusInputs): StatusReport {
  const s = i.browser.status;
  const age = i.browser.statusAt === null ? null : i.now - i.browser.statusAt;
  const fresh = age !== null && age <= i.staleAfterMs;
  const problem =
    i.browser.state !== 'running' ? `browser is ${i.browser.state}${i.browser.lastError ? ` (${i.browser.lastError})` : ''}`
      : !s || !fresh ? 'the relay page has not answered recently'
        : !s.ready ? `the relay page is not ready (signal: ${s.signal})`
          : null;
  return {
    ok: problem === null,
    ready: problem === null,
    problem,
    name: i.name,
    version: i.version,
    pageVersion: s?.version || null,
    uptimeSec: Math.round((i.now - i.startedAt) / 1000),
    origin: i.origin,
    peerId: i.peerId,
    objects: s?.objects ?? null,
    bytes: s?.bytes ?? null,
    quotaBytes: s?.quotaBytes ?? i.quotaBytes,
    peers: s?.peers ?? [],
    queueDepth: s?.queueDepth ?? null,
    lastSyncAt: s?.lastSyncAt ?? null,
    corrupt: s?.corrupt ?? null,
    refusedForQuota: s?.refusedForQuota ?? null,
    repaired: s?.repaired ?? null,
    repairing: s?.repairing ?? null,
    signal: {
      url: i.signalUrl,
      state: s?.signal ?? 'unknown',
      serverReachable: i.signalCheck?.reachable ?? null,
      lastCheckAt: i.signalCheck?.lastCheckAt ?? null,
      error: i.signalCheck?.lastError ?? null,
    },
    browser: {
      state: i.browser.state, pid: i.browser.pid, restarts: i.browser.restarts, startedAt: i.browser.startedAt,
      lastRestartReason: i.browser.lastRestartReason, lastError: i.browser.lastError,
      storagePersisted: i.browser.storagePersisted, executable: i.executable,
    },
    selfCheck: i.selfCheck,
    statusAgeMs: age,
  };
}
