/**
 * What relay-node expects of the relay page (web/src/entries/relay.ts exposes `window.fvRelay`).
 * The page is a separate program as far as Node is concerned: what it returns is checked
 * here before it reaches /status, and a page without the API fails with a clear message.
 */
import type { RelayPageConfig } from '../../web/src/vault/relay-peer.ts';
export type { RelayPageConfig };

export interface RelayPeerStatus {
  peerId: string;
  name?: string;
  role: string;
  transport: string;
  lastSyncAt: number | null;
}

export interface RelayStatus {
  ready: boolean;
  peerId: string;
  objects: number;
  bytes: number;
  quotaBytes: number | null;
  peers: RelayPeerStatus[];
  queueDepth: number;
  lastSyncAt: number | null;
  /** signal connection state */
  signal: string;
  corrupt: number;
  /** Objects refused because the quota was reached (optional in the contract). */
  refusedForQuota?: number;
  /** Objects found corrupt and fetched again, verified (self-repair); and those still waiting. */
  repaired?: number;
  repairing?: number;
  version: string;
}

export interface SelfCheckResult {
  checked: number;
  corrupt: string[];
}

export interface RelayPageApi {
  start(config: RelayPageConfig): Promise<void>;
  status(): Promise<RelayStatus>;
  selfCheck(opts: { sample: number }): Promise<SelfCheckResult>;
  stop(): Promise<void>;
}

/** `window` as the page sees it, for the functions relay-node evaluates inside it. */
export type RelayWindow = Window & { fvRelay?: RelayPageApi };

const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown, max = 200): string => (typeof v === 'string' ? v.slice(0, max) : '');

/** Copies the known fields out of whatever the page returned; wrong types become defaults. */
export function sanitizeStatus(v: unknown): RelayStatus {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const peers = Array.isArray(o.peers) ? o.peers.slice(0, 1000) : [];
  return {
    ready: o.ready === true,
    peerId: str(o.peerId),
    objects: num(o.objects),
    bytes: num(o.bytes),
    quotaBytes: numOrNull(o.quotaBytes),
    peers: peers.map((p: unknown) => {
      const q = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
      const peer: RelayPeerStatus = { peerId: str(q.peerId), role: str(q.role, 20), transport: str(q.transport, 40), lastSyncAt: numOrNull(q.lastSyncAt) };
      if (typeof q.name === 'string') peer.name = q.name.slice(0, 100);
      return peer;
    }),
    queueDepth: num(o.queueDepth),
    lastSyncAt: numOrNull(o.lastSyncAt),
    signal: str(o.signal, 40) || 'unknown',
    corrupt: num(o.corrupt),
    refusedForQuota: num(o.refusedForQuota),
    repaired: num(o.repaired),
    repairing: num(o.repairing),
    version: str(o.version, 60),
  };
}

export function sanitizeSelfCheck(v: unknown): SelfCheckResult {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const corrupt = Array.isArray(o.corrupt) ? o.corrupt.filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 100)) : [];
  return { checked: num(o.checked), corrupt };
}
