/**
 * Turns knowledge into transfers: objects a peer holds and our policy wants become pull jobs;
 * local objects the push policy assigns to a peer become push jobs; ready jobs start on open
 * sessions within the concurrency limits; failures retry with backoff, and a pull that failed
 * at one peer (corrupt, missing, stalled) moves at once to another peer that holds the object.
 * One fetch per object at a time, across all sessions.
 */
import { describeError } from '../core/errors.ts';
import type { ObjectHash, PeerId } from '../core/ids.ts';
import { pullJobId, pushJobId, SMALL_JOB_BYTES, type JobQueue } from './job-queue.ts';
import type { RemotePeer, TransferJob } from './ports.ts';
import type { Session } from './session.ts';
import type { EngineDeps, PullFailure } from './session-core.ts';

export interface SchedulerContext {
  deps: EngineDeps;
  queue: JobQueue;
  session(peer: PeerId): Session | undefined;
  sessions(): Session[];
  onObject(hash: ObjectHash, from: PeerId): void;
  onAck(hash: ObjectHash, peer: PeerId): void;
}

const BUSY_RETRY_MS = 2_000;
const WAKE_SLACK_MS = 5;
/** Objects of a peer's listing checked and queued at once. */
const SEEN_CHUNK = 256;
/** Objects served lately that a peer's listing need not make us look up (a few seconds' worth). */
const SERVED_KEPT = 4096;

export class TransferScheduler {
  #fetching = new Map<ObjectHash, PeerId>();
  #running = new Set<string>();
  #again = new Set<string>();
  #wakeTimer: unknown;
  #wakeAt: number | undefined;
  #stopped = false;
  /**
   * Objects this engine found missing when it queued their pull (and has not stored since: their
   * job ends when they arrive, by any route of this engine). The pump need not look them up in
   * the store again before it asks: at a restore's 20,000 objects, one lookup each.
   */
  #lookedUp = new Set<ObjectHash>();
  /**
   * Objects this engine just read and sent whole to a peer (the last SERVED_KEPT): held here. The
   * peer announces each one back once stored; a relay serving a restore looked each up again.
   * (One deleted here since is then not pulled back by that announcement: it was deleted.)
   */
  #served = new Set<ObjectHash>();

  constructor(private readonly c: SchedulerContext) {}

  isFetching(hash: ObjectHash, except: PeerId): boolean {
    const p = this.#fetching.get(hash);
    return p !== undefined && p !== except;
  }

  served(hash: ObjectHash): void {
    if (this.#served.size >= SERVED_KEPT) this.#served.delete(this.#served.values().next().value!);
    this.#served.add(hash);
  }

  claimFetch(hash: ObjectHash, peer: PeerId): boolean {
    if (this.#fetching.has(hash)) return false;
    this.#fetching.set(hash, peer);
    return true;
  }

  async objectsSeen(peer: RemotePeer, objects: Array<{ hash: ObjectHash; size: number }>, o: { announced?: boolean } = {}): Promise<void> {
    const { deps, queue } = this.c;
    // A chunk at a time, its store lookups and job writes in parallel: one after another, each
    // an IndexedDB round trip, 20,000 objects of a new device's first listing took minutes.
    // Jobs are still queued in listing order (enqueue indexes before it awaits the write).
    // An announced object we served a moment ago is held here (a full listing, after a wiped
    // store or a digest mismatch, is looked up in full).
    const fit = objects.filter((e) => e.size > 0 && e.size <= deps.config.maxObjectBytes && !(o.announced && this.#served.has(e.hash)));
    for (let i = 0; i < fit.length; i += SEEN_CHUNK) {
      const chunk = fit.slice(i, i + SEEN_CHUNK);
      const held = deps.objects.hasMany ? await deps.objects.hasMany(chunk.map((o) => o.hash)) : await Promise.all(chunk.map((o) => deps.objects.has(o.hash)));
      const wanted = await Promise.all(chunk.map(async (o, k) => !held[k] && (await deps.policy.wantObject(o.hash, o.size, peer))));
      const writes: Array<Promise<unknown>> = [];
      chunk.forEach((o, k) => {
        if (!wanted[k]) return;
        this.#lookedUp.add(o.hash);
        const job = queue.get(pullJobId(o.hash));
        if (!job) writes.push(queue.enqueue('pull', peer.peerId, o.hash, o.size));
        else if (job.state === 'sending' || job.peer === peer.peerId || job.failedPeers.includes(peer.peerId)) return;
        // A new holder takes over a job whose source is gone or has already failed it.
        else if (!this.c.session(job.peer)?.ready || job.failedPeers.includes(job.peer)) writes.push(queue.reassign(job, peer.peerId));
      });
      await Promise.all(writes);
      this.schedule(peer.peerId);
    }
    this.schedule(peer.peerId);
  }

  /**
   * On-demand fetch (an evicted original): queue a pull from a peer known to hold it. With
   * `askConnected`, an object no peer is known to hold yet is asked of a connected peer (a relay
   * first): a restoring device knows its key bundle's hash from the vault log long before the
   * relay's listing, bucket by bucket, reaches it (10,000 photos: minutes).
   */
  async fetch(hash: ObjectHash, size: number, o: { askConnected?: boolean } = {}): Promise<'present' | 'queued' | 'unavailable'> {
    const { deps, queue } = this.c;
    if (await deps.objects.has(hash)) return 'present';
    const holders = await deps.acks.peersWith(hash);
    const open = (p: PeerId) => this.c.session(p)?.state === 'open';
    const peer = holders.find((p) => this.c.session(p)?.ready) ?? holders.find(open) ?? holders[0] ?? (o.askConnected ? this.#connectedPeer() : undefined);
    if (peer === undefined) return 'unavailable'; // a state: no known peer holds it (yet)
    const job = queue.get(pullJobId(hash)) ?? (await queue.enqueue('pull', peer, hash, size));
    if (job.state !== 'sending' && job.peer !== peer && open(peer)) await queue.reassign(job, peer);
    else if (job.state === 'failed') await queue.requeue(job);
    // Someone waits for this one: it goes ahead of the jobs a large library queued before it.
    queue.prioritize(job);
    this.schedule(job.peer);
    return 'queued';
  }

  /**
   * A peer to ask for an object nobody is known to hold: a relay if one is connected, one whose
   * inventory exchange is over first. An authenticated link serves a want at once, so a waited-for
   * object need not wait for the listing either (10,000 photos: seconds).
   */
  #connectedPeer(): PeerId | undefined {
    const open = this.c.sessions().filter((s) => s.state === 'open');
    const rank = (s: (typeof open)[number]) => (s.remote.role === 'relay' ? 0 : 2) + (s.ready ? 0 : 1);
    return open.sort((a, b) => rank(a) - rank(b))[0]?.remote.peerId;
  }

  pullDone(peer: PeerId, hash: ObjectHash): void {
    if (this.#fetching.get(hash) === peer) this.#fetching.delete(hash);
    this.#lookedUp.delete(hash);
    const job = this.c.queue.get(pullJobId(hash));
    this.#guard('finishing a pull', async () => {
      if (job) await this.c.queue.done(job);
      this.c.onObject(hash, peer);
      this.schedule(peer);
    });
  }

  pullFailed(peer: PeerId, hash: ObjectHash, reason: PullFailure): void {
    if (this.#fetching.get(hash) === peer) this.#fetching.delete(hash);
    const job = this.c.queue.get(pullJobId(hash));
    this.#guard('handling a failed pull', async () => {
      // No job, or a job of another source: this was an offer we accepted, the pusher keeps the job.
      if (!job || job.peer !== peer || job.state !== 'sending') return;
      if (reason === 'closed' || reason === 'busy') {
        await this.c.queue.requeue(job, reason === 'busy' ? BUSY_RETRY_MS : 0);
      } else {
        const blame = reason === 'storage' ? undefined : peer;
        await this.c.queue.fail(job, reason, blame);
        this.c.deps.log.warn('object transfer failed', { peer, hash: hash.slice(0, 12), reason, attempts: job.attempts });
      }
      if (reason !== 'storage' && reason !== 'too-large') await this.#failover(job, peer);
      this.#armWake();
      this.scheduleAll();
    });
  }

  pullProgress(peer: PeerId, hash: ObjectHash, bytesDone: number): void {
    const job = this.c.queue.get(pullJobId(hash));
    if (job && job.peer === peer) this.c.queue.progress(job, bytesDone);
  }

  acked(peer: PeerId, hash: ObjectHash): void {
    const job = this.c.queue.get(pushJobId(peer, hash));
    this.#guard('finishing a push', async () => {
      if (job) await this.c.queue.done(job);
      this.c.onAck(hash, peer);
      this.schedule(peer);
    });
  }

  offerNacked(peer: PeerId, hash: ObjectHash, reason: string): void {
    const job = this.c.queue.get(pushJobId(peer, hash));
    if (!job) return;
    this.#guard('handling a refused offer', async () => {
      if (reason === 'closed') await this.c.queue.requeue(job);
      else if (reason === 'busy') await this.c.queue.requeue(job, BUSY_RETRY_MS);
      else await this.c.queue.fail(job, reason);
      this.#armWake();
      this.schedule(peer);
    });
  }

  /** A session closed: its queued pulls move to open peers that hold the objects. */
  sessionClosed(peer: PeerId): void {
    this.#guard('moving jobs off a closed session', async () => {
      for (const job of this.c.queue.forPeer(peer)) {
        if (job.dir === 'pull' && job.state !== 'sending') await this.#failover(job, peer);
      }
      this.scheduleAll();
    });
  }

  scheduleAll(): void {
    for (const s of this.c.sessions()) if (s.state === 'open') this.schedule(s.remote.peerId);
  }

  /** Starts ready jobs on the peer's session, coalescing concurrent requests. */
  schedule(peer: PeerId): void {
    this.#serial(`pump:${peer}`, () => this.#pump(peer));
  }

  /** Finds local objects to offer this peer, from a per-peer cursor over our inventory. */
  pushScan(peer: PeerId): void {
    this.#serial(`push:${peer}`, () => this.#pushScan(peer));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#wakeTimer !== undefined) this.c.deps.clock.clearTimeout(this.#wakeTimer);
  }

  async #pump(peer: PeerId): Promise<void> {
    const s = this.c.session(peer);
    if (!s || s.state !== 'open') return;
    const { deps, queue } = this.c;
    const { maxConcurrentPulls, maxConcurrentSmallPulls } = deps.config;
    // Until the inventory exchange is over, only what someone waits for (urgent jobs) is pulled.
    const skip = (j: TransferJob) => this.#fetching.has(j.hash);
    const slots = Math.max(maxConcurrentPulls, maxConcurrentSmallPulls);
    // The free slots' jobs at once: their store lookups share one IndexedDB transaction, where
    // one lookup after another (a round trip each) kept a restore's link idle between objects.
    while (s.state === 'open' && s.receiver.active < slots) {
      const batch: TransferJob[] = [];
      let active = s.receiver.active;
      for (const job of queue.next(peer, 'pull', slots - active, skip, !s.ready)) {
        // Past maxConcurrentPulls only small objects start; a large one waits for a free slot.
        if (job.size > SMALL_JOB_BYTES && active >= maxConcurrentPulls) break;
        batch.push(job);
        active++;
      }
      if (batch.length === 0) break;
      const held = await Promise.all(batch.map((job) => !this.#lookedUp.delete(job.hash) && deps.objects.has(job.hash)));
      // Ask before moving a byte: a full relay would download the object only to refuse it.
      const refusals = await Promise.all(batch.map((job, i) => (held[i] ? undefined : deps.policy.acceptObject?.(job.hash, job.size, s.remote))));
      for (const [i, job] of batch.entries()) {
        // Moved to another peer, or started, while we looked: not ours to start now.
        if (s.state !== 'open' || job.peer !== peer || job.state === 'sending' || queue.get(job.id) !== job) continue;
        if (held[i]) {
          await queue.done(job);
          continue;
        }
        if (refusals[i] !== undefined) {
          await queue.fail(job, 'storage');
          this.#armWake();
          continue;
        }
        if (!this.claimFetch(job.hash, peer)) continue;
        await queue.start(job);
        await s.receiver.start(job.hash, job.size);
      }
    }
    while (s.state === 'open' && s.ready && s.sender.offering < deps.config.maxConcurrentPushes) {
      const [job] = queue.next(peer, 'push', 1);
      if (!job) break;
      if (await deps.acks.has(peer, job.hash)) {
        await queue.done(job);
        continue;
      }
      await queue.start(job);
      s.sender.offer(job.hash, job.size);
    }
  }

  async #pushScan(peer: PeerId): Promise<void> {
    const { deps, queue } = this.c;
    const s = this.c.session(peer);
    const pushObject = deps.policy.pushObject?.bind(deps.policy);
    if (!pushObject || !s?.ready) return;
    const key = `push-cursor/${peer}`;
    const saved = (await deps.kv.get(key)) as { inventoryId?: unknown; seq?: unknown } | undefined;
    const id = await deps.objects.inventoryId();
    let after = saved?.inventoryId === id && typeof saved.seq === 'number' ? saved.seq : 0;
    for (;;) {
      const page = await deps.objects.inventorySince(after, 2048);
      for (const e of page) {
        if (!e.gone && !(await deps.acks.has(peer, e.hash)) && (await pushObject(e.hash, e.size, s.remote))) {
          await queue.enqueue('push', peer, e.hash, e.size);
        }
        after = e.seq;
      }
      if (page.length < 2048) break;
    }
    await deps.kv.set(key, { inventoryId: id, seq: after });
    this.schedule(peer);
  }

  /** Moves a pull to another ready peer that holds the object, if there is one. */
  async #failover(job: TransferJob, from: PeerId): Promise<void> {
    if (this.c.queue.get(job.id) !== job || job.state === 'sending') return;
    const holders = await this.c.deps.acks.peersWith(job.hash);
    const ready = holders.filter((p) => p !== from && this.c.session(p)?.ready);
    const fresh = ready.filter((p) => !job.failedPeers.includes(p));
    const to = fresh[0] ?? (job.state === 'queued' ? ready[0] : undefined);
    if (to) await this.c.queue.reassign(job, to);
  }

  #armWake(): void {
    const at = this.c.queue.nextWake();
    if (at === undefined || this.#stopped || (this.#wakeAt !== undefined && this.#wakeAt <= at)) return;
    const { clock } = this.c.deps;
    if (this.#wakeTimer !== undefined) clock.clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    // A few ms late on purpose: timers may fire slightly early, and a job not yet due when the
    // timer fires would otherwise wait for some unrelated event.
    this.#wakeTimer = clock.setTimeout(() => {
      this.#wakeAt = undefined;
      this.#wakeTimer = undefined;
      this.scheduleAll();
      this.#armWake();
    }, Math.max(0, at - clock.now()) + WAKE_SLACK_MS);
  }

  /** Runs `fn` with at most one instance per key; a request while running runs it once more. */
  #serial(key: string, fn: () => Promise<void>): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#again.add(key);
      return;
    }
    this.#running.add(key);
    void fn()
      .catch((e: unknown) => this.c.deps.log.warn('scheduling failed', { key, error: describeError(e) }))
      .finally(() => {
        this.#running.delete(key);
        if (this.#again.delete(key)) this.#serial(key, fn);
      });
  }

  #guard(what: string, fn: () => Promise<void>): void {
    void fn().catch((e: unknown) => this.c.deps.log.warn(`${what} failed`, { error: describeError(e) }));
  }
}
