/**
 * Counts bad input from one peer. Every bad frame is dropped and logged; each kind adds a
 * weight to a score that decays over time, and a peer whose score passes the limit is
 * disconnected (docs/replication.md, "Abuse limits").
 */
import type { Clock } from './ports.ts';

export type AbuseKind =
  | 'empty' | 'oversized' | 'unknown-type' | 'malformed' | 'unexpected'
  | 'bad-signature' | 'bad-hash' | 'unauthorized' | 'equivocation' | 'flood';

/**
 * Weights: a corrupt object or a forged signature is worse than a garbled frame. 'unauthorized'
 * weighs nothing: an honest peer may hold ops whose author we cannot authorize yet.
 */
export const ABUSE_WEIGHTS: Record<AbuseKind, number> = {
  empty: 1, oversized: 2, 'unknown-type': 1, malformed: 1, unexpected: 1,
  'bad-signature': 5, 'bad-hash': 5, unauthorized: 0, equivocation: 0, flood: 20,
};

export interface AbuseLimits {
  /** Score at which the peer is disconnected. */
  limit: number;
  /** Points forgiven per minute. */
  decayPerMinute: number;
}

export const DEFAULT_ABUSE_LIMITS: AbuseLimits = { limit: 20, decayPerMinute: 5 };

export class AbuseMeter {
  readonly counts: Partial<Record<AbuseKind, number>> = {};
  #score = 0;
  #at: number;

  constructor(private readonly clock: Clock, private readonly limits: AbuseLimits = DEFAULT_ABUSE_LIMITS) {
    this.#at = clock.now();
  }

  get score(): number {
    return this.#score;
  }

  /** Records one incident; true when the peer has now crossed the limit. */
  record(kind: AbuseKind): boolean {
    const now = this.clock.now();
    this.#score = Math.max(0, this.#score - ((now - this.#at) / 60_000) * this.limits.decayPerMinute);
    this.#at = now;
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.#score += ABUSE_WEIGHTS[kind];
    return this.#score >= this.limits.limit;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
