/**
 * Transfer jobs: `queued → sending → done`, or `failed` (waiting for a retry with exponential
 * backoff). Persisted through the JobStore port on every state change so a restart resumes
 * where it stopped (a job found 'sending' at load is requeued); indexed in memory per peer so
 * scheduling never scans the store. Done jobs are deleted (the object is then in the store
 * or acked by the peer). See docs/replication.md, "Jobs".
 */
import { describeError } from '../core/errors.ts';
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type { Clock, JobDirection, JobStore, Logger, TransferJob } from './ports.ts';

export interface JobStats {
  queued: number;
  sending: number;
  failed: number;
}

/**
 * Jobs for objects up to this size go first: thumbnails, metadata, manifests and key bundles are
 * what a person sees (or, restoring a phone, needs) first, and they are cheap.
 */
export const SMALL_JOB_BYTES = 256 * 1024;

export const pullJobId = (hash: ObjectHash): string => `pull:${hash}`;
export const pushJobId = (peer: PeerId, hash: ObjectHash): string => `push:${peer}:${hash}`;

export class JobQueue {
  #jobs = new Map<string, TransferJob>();
  /** Per peer, job ids in insertion order: urgent ones, small objects' jobs, then the others. */
  #byPeer = new Map<PeerId, { urgent: Set<string>; small: Set<string>; large: Set<string> }>();
  /** Jobs someone waits for (an on-demand fetch): ahead of every other job of their peer. Not persisted. */
  #urgent = new Set<string>();

  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly backoff: { baseMs: number; maxMs: number },
    private readonly log: Logger,
    private readonly onChange: (job: TransferJob) => void,
  ) {}

  async load(): Promise<void> {
    for (const job of await this.store.loadAll()) {
      if (job.state === 'done') {
        await this.store.delete(job.id);
        continue;
      }
      if (job.state === 'sending') {
        job.state = 'queued'; // interrupted by a restart: nothing was acked, go again (resumes at the offset)
        await this.#save(job);
      }
      this.#index(job);
    }
  }

  get(id: string): TransferJob | undefined {
    return this.#jobs.get(id);
  }

  /** Creates a queued job unless one with this id exists (then returns it unchanged). */
  async enqueue(dir: JobDirection, peer: PeerId, hash: ObjectHash, size: number): Promise<TransferJob> {
    const id = dir === 'pull' ? pullJobId(hash) : pushJobId(peer, hash);
    const existing = this.#jobs.get(id);
    if (existing) return existing;
    const now = this.clock.now();
    const job: TransferJob = {
      id, dir, peer, hash, size, state: 'queued', attempts: 0, nextAttemptAt: now,
      failedPeers: [], bytesDone: 0, createdAt: now, updatedAt: now,
    };
    this.#index(job);
    this.onChange({ ...job });
    await this.#save(job);
    return job;
  }

  /**
   * Ready jobs of `peer` (queued, or failed whose retry time has come): urgent ones first, then
   * small objects, each kind in FIFO order; with `urgentOnly`, only the urgent ones.
   */
  next(peer: PeerId, dir: JobDirection, limit: number, skip: (j: TransferJob) => boolean = () => false, urgentOnly = false): TransferJob[] {
    const now = this.clock.now();
    const out: TransferJob[] = [];
    // Only the urgent ones: not a walk past every other job (a restore queues 20,000, and each
    // finished pull asks again while the listing is still coming in).
    for (const id of urgentOnly ? (this.#byPeer.get(peer)?.urgent ?? []) : this.#ids(peer)) {
      const j = this.#jobs.get(id)!;
      if (j.dir !== dir || j.state === 'sending' || j.nextAttemptAt > now || skip(j)) continue;
      out.push(j);
      if (out.length >= limit) break;
    }
    return out;
  }

  forPeer(peer: PeerId): TransferJob[] {
    return [...this.#ids(peer)].map((id) => this.#jobs.get(id)!);
  }

  list(peer?: PeerId): TransferJob[] {
    const jobs = peer === undefined ? [...this.#jobs.values()] : this.forPeer(peer);
    return jobs.map((j) => ({ ...j, failedPeers: [...j.failedPeers] }));
  }

  stats(peer?: PeerId): JobStats {
    const s: JobStats = { queued: 0, sending: 0, failed: 0 };
    for (const j of peer === undefined ? this.#jobs.values() : this.forPeer(peer)) {
      if (j.state === 'queued') s.queued++;
      else if (j.state === 'sending') s.sending++;
      else if (j.state === 'failed') s.failed++;
    }
    return s;
  }

  /**
   * Not persisted: a job found 'sending' at load is requeued anyway, so writing the state would
   * cost one IndexedDB transaction per object and change nothing a restart sees.
   */
  start(job: TransferJob): Promise<void> {
    job.state = 'sending';
    job.updatedAt = this.clock.now();
    this.onChange({ ...job });
    return Promise.resolve();
  }

  /**
   * Puts a job ahead of the rest of its peer's queue (someone waits for it: a key bundle while a
   * phone restores, an original being opened). Without this, such an object can wait behind
   * every thumbnail of a large library. Lasts until the job is done; a restart forgets it.
   */
  prioritize(job: TransferJob): void {
    if (this.#jobs.get(job.id) !== job || this.#urgent.has(job.id)) return;
    this.#urgent.add(job.id);
    this.#unindex(job);
    this.#index(job);
  }

  async done(job: TransferJob): Promise<void> {
    this.#unindex(job);
    this.#urgent.delete(job.id);
    job.state = 'done';
    job.updatedAt = this.clock.now();
    this.onChange({ ...job });
    try {
      await this.store.delete(job.id);
    } catch (e) {
      this.log.warn('deleting a done job failed', { job: job.id, error: describeError(e) });
    }
  }

  /** Back to the queue without counting a failure (the link closed, the peer was busy). */
  async requeue(job: TransferJob, delayMs = 0): Promise<void> {
    await this.#update(job, { state: 'queued', nextAttemptAt: this.clock.now() + delayMs });
  }

  /** Moves a job to another source peer, ready at once. */
  async reassign(job: TransferJob, peer: PeerId): Promise<void> {
    this.#unindex(job);
    job.peer = peer;
    this.#index(job);
    await this.#update(job, { state: 'queued', nextAttemptAt: this.clock.now() });
  }

  /** Counts a failure and schedules the retry: base · 2^(attempts−1), capped, ±25 % jitter. */
  async fail(job: TransferJob, error: string, peerToBlame?: PeerId): Promise<void> {
    const attempts = job.attempts + 1;
    const raw = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.min(attempts - 1, 30));
    const delay = Math.round(raw * (0.75 + this.random() * 0.5));
    const failedPeers = peerToBlame && !job.failedPeers.includes(peerToBlame) ? [...job.failedPeers, peerToBlame].slice(-8) : job.failedPeers;
    await this.#update(job, { state: 'failed', attempts, lastError: error, nextAttemptAt: this.clock.now() + delay, failedPeers });
  }

  /** Progress is reported, not persisted (a resume reads the partial store, not this). */
  progress(job: TransferJob, bytesDone: number): void {
    job.bytesDone = bytesDone;
    this.onChange({ ...job });
  }

  /** Earliest future retry time, for the engine's wake-up timer. */
  nextWake(): number | undefined {
    const now = this.clock.now();
    let min: number | undefined;
    for (const j of this.#jobs.values()) {
      if (j.state !== 'sending' && j.nextAttemptAt > now && (min === undefined || j.nextAttemptAt < min)) min = j.nextAttemptAt;
    }
    return min;
  }

  *#ids(peer: PeerId): Iterable<string> {
    const sets = this.#byPeer.get(peer);
    if (!sets) return;
    yield* sets.urgent;
    yield* sets.small;
    yield* sets.large;
  }

  #index(job: TransferJob): void {
    this.#jobs.set(job.id, job);
    let sets = this.#byPeer.get(job.peer);
    if (!sets) this.#byPeer.set(job.peer, (sets = { urgent: new Set(), small: new Set(), large: new Set() }));
    (this.#urgent.has(job.id) ? sets.urgent : job.size <= SMALL_JOB_BYTES ? sets.small : sets.large).add(job.id);
  }

  #unindex(job: TransferJob): void {
    this.#jobs.delete(job.id);
    const sets = this.#byPeer.get(job.peer);
    sets?.urgent.delete(job.id);
    sets?.small.delete(job.id);
    sets?.large.delete(job.id);
  }

  async #update(job: TransferJob, patch: Partial<TransferJob>): Promise<void> {
    Object.assign(job, patch, { updatedAt: this.clock.now() });
    if (!this.#jobs.has(job.id)) return; // done meanwhile
    this.onChange({ ...job });
    await this.#save(job);
  }

  async #save(job: TransferJob): Promise<void> {
    try {
      await this.store.put({ ...job, failedPeers: [...job.failedPeers] });
    } catch (e) {
      // The in-memory queue stays right; only a restart would forget this change.
      this.log.warn('saving a job failed', { job: job.id, error: describeError(e) });
    }
  }
}
