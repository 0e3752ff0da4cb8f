/**
 * The replication engine: one per vault per node (family app or relay page). Give it the ports
 * (ports.ts) and hand it every PeerTransport that opens; it authenticates the peer, syncs ops
 * and inventories, runs transfer jobs, and reports through events. docs/replication.md.
 */
export { DEFAULT_CONFIG, type EngineEvents, type PeerStatus, type ReplicationEngineOptions } from './engine-api.ts';
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { Emitter } from '../core/emitter.ts';
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type { PeerTransport } from '../transport/peer-transport.ts';
import type { AbuseKind } from './abuse-meter.ts';
import { DEFAULT_CONFIG, type EngineEvents, type PeerStatus, type ReplicationEngineOptions } from './engine-api.ts';
import { InventoryDigest } from './inventory-digest.ts';
import { JobQueue, SMALL_JOB_BYTES } from './job-queue.ts';
import { MemoryPartialStore } from './memory-ports.ts';
import { OpIngest } from './op-ingest.ts';
import {
  consoleLogger, systemClock, type OpEnvelope, type PeerRole, type RemotePeer, type TransferJob, type VersionVector,
} from './ports.ts';
import type { EngineDeps, IngestResult, PullFailure } from './session-core.ts';
import { Session, type Refusal, type SessionOwner } from './session.ts';
import { TransferScheduler } from './transfer-scheduler.ts';

export class ReplicationEngine extends Emitter<EngineEvents> implements SessionOwner {
  readonly deps: EngineDeps;
  readonly queue: JobQueue;
  #opts: ReplicationEngineOptions;
  #ingest: OpIngest;
  #scheduler: TransferScheduler;
  #sessions = new Set<Session>();
  #byPeer = new Map<PeerId, Session>();
  /** peer → objects it failed a storage challenge for (this run). */
  #failedProof = new Map<PeerId, Set<ObjectHash>>();
  #roles = new Map<PeerId, { role: PeerRole; deviceKey: Uint8Array }>();

  constructor(opts: ReplicationEngineOptions) {
    super();
    this.#opts = opts;
    const clock = opts.clock ?? systemClock;
    const log = opts.log ?? consoleLogger;
    const config = { ...DEFAULT_CONFIG, ...opts.config };
    if (opts.config?.maxInboundQueueBytes === undefined) {
      config.maxInboundQueueBytes = config.maxConcurrentPulls * config.maxObjectBytes
        + Math.max(0, config.maxConcurrentSmallPulls - config.maxConcurrentPulls) * SMALL_JOB_BYTES + 16 * 1024 * 1024;
    }
    this.deps = {
      crypto: opts.crypto, objects: opts.objects, partials: opts.partials ?? new MemoryPartialStore(), ops: opts.ops,
      acks: opts.acks, kv: opts.kv, policy: opts.policy, clock, log, config,
      digest: new InventoryDigest(opts.objects), random: opts.random ?? Math.random,
    };
    this.queue = new JobQueue(opts.jobs, clock, this.deps.random, config.backoff, log, (job) => this.emit('job', job));
    this.#ingest = new OpIngest(opts.ops, opts.crypto, opts.policy);
    this.#scheduler = new TransferScheduler({
      deps: this.deps, queue: this.queue,
      session: (p) => this.#byPeer.get(p),
      sessions: () => [...this.#byPeer.values()],
      onObject: (hash, from) => this.#objectArrived(hash, from),
      onAck: (hash, peer) => this.emit('ack', { hash, peer }),
    });
  }

  /** Loads persisted jobs (a job interrupted by a restart is queued again). Call once first. */
  async start(): Promise<void> {
    await this.queue.load();
  }

  /**
   * Runs the protocol over a freshly opened transport. `expectedPeer`: who signaling said it is;
   * `handshakeKey`: the room's (a vault generation's), when not the one the engine was made with.
   */
  connect(transport: PeerTransport, opts: { expectedPeer?: PeerId; handshakeKey?: Uint8Array } = {}): Session {
    const s = new Session(transport, this.deps, this, {
      local: this.#opts.local, handshakeKey: opts.handshakeKey ?? this.#opts.handshakeKey,
      ...(opts.expectedPeer === undefined ? {} : { expectedPeer: opts.expectedPeer }),
    });
    this.#sessions.add(s);
    s.start();
    return s;
  }

  /** Stores ops made on this device (signed by the vault layer) and sends them to every peer. */
  async addLocalOps(ops: OpEnvelope[]): Promise<IngestResult> {
    const r = await this.#ingest.ingest(ops);
    if (r.accepted.length > 0) {
      this.emit('ops', { ops: r.accepted, from: 'local' });
      for (const s of this.#byPeer.values()) s.ops.pushNew();
    }
    return r;
  }

  /** The local object store has new objects (an upload): announce them and evaluate pushes. */
  objectsChanged(): void {
    for (const s of this.#byPeer.values()) {
      s.inventory.announce();
      this.#scheduler.pushScan(s.remote.peerId);
    }
  }

  /**
   * Fetches an object on demand (e.g. an original evicted to save space) from a peer known to
   * hold it; listen for `object`. 'unavailable': no known peer holds it yet (not an error).
   * `askConnected`: if none is known, ask a connected peer (a relay first) anyway.
   */
  fetch(hash: ObjectHash, size = this.deps.config.maxObjectBytes, o: { askConnected?: boolean } = {}): Promise<'present' | 'queued' | 'unavailable'> {
    return this.#scheduler.fetch(hash, size, o);
  }

  peers(): PeerStatus[] {
    return [...this.#sessions].map((s) => this.#status(s));
  }

  jobs(peer?: PeerId): TransferJob[] {
    return this.queue.list(peer);
  }

  /** Peers known to hold `hash`, and which of them are relays ("backed up on N homes"). */
  async backedUpOn(hash: ObjectHash): Promise<{ peers: PeerId[]; relays: PeerId[] }> {
    const peers = await this.deps.acks.peersWith(hash);
    const relays: PeerId[] = [];
    const held = peers.filter((p) => !this.#failedProof.get(p)?.has(hash));
    for (const p of held) if (await this.#isHome(p)) relays.push(p);
    return { peers: held, relays };
  }

  /**
   * What each relay is believed to hold, one read per relay: for questions about the whole
   * library ("which photos does no home hold?") without a lookup per object.
   */
  async relayHoldings(): Promise<Map<PeerId, Set<ObjectHash>>> {
    const out = new Map<PeerId, Set<ObjectHash>>();
    for (const p of await this.deps.acks.peers()) {
      if (!(await this.#isHome(p))) continue;
      const failed = this.#failedProof.get(p);
      out.set(p, new Set((await this.deps.acks.list(p)).filter((h) => !failed?.has(h))));
    }
    return out;
  }

  /**
   * Asks a connected peer to prove it holds `hash` (a fresh nonce, answered with a keyed hash of
   * the bytes), checked against our own copy. 'failed' also drops its claim to hold it.
   */
  async challenge(peer: PeerId, hash: ObjectHash): Promise<'passed' | 'failed' | 'timeout' | 'not-connected' | 'not-here'> {
    const s = this.#byPeer.get(peer);
    if (!s || s.state !== 'open') return 'not-connected';
    const ours = await this.deps.objects.get(hash);
    if (!ours) return 'not-here';
    const r = await s.challenge.ask(hash, ours);
    // A peer that failed is not counted as holding it again (its inventory may keep claiming it)
    // until it passes a later challenge.
    let failed = this.#failedProof.get(peer);
    if (r === 'failed') {
      if (!failed) this.#failedProof.set(peer, (failed = new Set()));
      failed.add(hash);
    } else if (r === 'passed') failed?.delete(hash);
    return r;
  }

  /** The device key a peer proved in its last handshake (peer id → key), if it ever connected. */
  deviceKeyOf(peer: PeerId): Uint8Array | undefined {
    return this.#roles.get(peer)?.deviceKey;
  }

  #askAgain: unknown;
  /**
   * What the policy admits changed (a roster change): ops refused as 'later' may pass now, so
   * every peer that sent ops we could not take is asked again for what we lack (once per 250 ms,
   * however many changes).
   */
  policyChanged(): void {
    if (this.#askAgain !== undefined) return;
    this.#askAgain = this.deps.clock.setTimeout(() => {
      this.#askAgain = undefined;
      for (const s of this.#byPeer.values()) if (s.state === 'open') s.ops.askAgainIfRefused();
      void this.revalidatePeers();
    }, 250);
  }

  /** Asks the policy again about every open peer (the roster changed); closes those no longer allowed. */
  async revalidatePeers(): Promise<void> {
    for (const s of [...this.#byPeer.values()]) {
      const verdict = await this.deps.policy.authorizePeer(s.remote);
      if (verdict !== 'ok' && s.state === 'open') {
        this.deps.log.warn('peer no longer allowed: closing', { peer: s.remote.peerId, reason: verdict });
        s.close(`no longer allowed (${verdict})`);
      }
    }
  }

  /**
   * Closes every session and stops timers; resolves once the op batches already received are
   * stored. Resolving before that let a restoring device's probe session, closed mid-stream,
   * commit a batch after the real session had read the op vector from the same store: stored,
   * never emitted to it, so never shown until the next unlock (the likely cause of two 10,000-
   * photo restores that stopped at 9,734 photos: 266 ops, about one op-batch frame).
   */
  async close(): Promise<void> {
    this.#scheduler.stop();
    for (const s of this.#sessions) s.close('shutting down');
    await this.#ingest.idle();
  }

  // ── SessionOwner ──────────────────────────────────────────────────────────────────────

  sessionOpened(s: Session): void {
    const peer = s.remote.peerId;
    const old = this.#byPeer.get(peer);
    this.#byPeer.set(peer, s);
    // One session per peer: a new connection replaces the old one (the old one was likely dead).
    if (old && old !== s) old.close('replaced by a newer connection');
    this.#roles.set(peer, { role: s.remote.role, deviceKey: s.remote.deviceKey });
    void this.deps.kv.set(`peer/${peer}`, { role: s.remote.role, deviceKey: toBase64Url(s.remote.deviceKey), lastSeen: this.deps.clock.now() })
      .catch((e: unknown) => this.deps.log.warn('saving peer directory failed', { peer, error: String(e) }));
    this.emit('peer-open', this.#status(s));
  }

  sessionRefused(_s: Session, r: Refusal): void {
    this.emit('peer-refused', { peerId: r.peerId, by: r.by, reason: r.reason, detail: r.detail });
  }

  sessionClosed(s: Session, reason: string): void {
    this.#sessions.delete(s);
    const peer = s.remoteOrUndefined?.peerId;
    if (peer !== undefined && this.#byPeer.get(peer) === s) {
      this.#byPeer.delete(peer);
      this.#scheduler.sessionClosed(peer);
    }
    this.emit('peer-closed', { peerId: peer ?? s.refusal?.peerId, reason });
  }

  abuseReported(s: Session, kind: AbuseKind, detail: string, disconnect: boolean): void {
    this.emit('abuse', { peerId: s.peerLabel, kind, detail, disconnected: disconnect });
  }

  // EngineHooks: the parts of a session call these.
  async ingestOps(ops: OpEnvelope[], from: RemotePeer): Promise<IngestResult> {
    const r = await this.#ingest.ingest(ops);
    if (r.accepted.length > 0) {
      this.emit('ops', { ops: r.accepted, from: from.peerId });
      for (const s of this.#byPeer.values()) if (s.remote.peerId !== from.peerId) s.ops.pushNew();
    }
    if (r.error !== undefined) this.deps.log.warn('storing ops failed midway; the rest are asked for again later', { peer: from.peerId, error: String(r.error) });
    return r;
  }

  localVector(): Promise<VersionVector> {
    return this.#ingest.vector();
  }

  objectsSeen(peer: RemotePeer, objects: Array<{ hash: ObjectHash; size: number }>, o?: { announced?: boolean }): Promise<void> {
    return this.#scheduler.objectsSeen(peer, objects, o);
  }

  inventoryReady(peer: PeerId): void {
    const s = this.#byPeer.get(peer);
    if (!s) return;
    s.ready = true;
    this.#scheduler.pushScan(peer);
    this.#scheduler.schedule(peer);
  }

  pullDone(peer: PeerId, hash: ObjectHash): void {
    this.#scheduler.pullDone(peer, hash);
  }

  pullFailed(peer: PeerId, hash: ObjectHash, reason: PullFailure): void {
    this.#scheduler.pullFailed(peer, hash, reason);
  }

  pullProgress(peer: PeerId, hash: ObjectHash, bytesDone: number): void {
    this.#scheduler.pullProgress(peer, hash, bytesDone);
  }

  acked(peer: PeerId, hash: ObjectHash): void {
    this.#scheduler.acked(peer, hash);
  }

  offerNacked(peer: PeerId, hash: ObjectHash, reason: string): void {
    this.#scheduler.offerNacked(peer, hash, reason);
  }

  localCorrupt(hash: ObjectHash): void {
    this.emit('local-corrupt', { hash });
  }

  served(hash: ObjectHash): void {
    this.#scheduler.served(hash);
  }

  isFetching(hash: ObjectHash, except: PeerId): boolean {
    return this.#scheduler.isFetching(hash, except);
  }

  claimFetch(hash: ObjectHash, peer: PeerId): boolean {
    return this.#scheduler.claimFetch(hash, peer);
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  #objectArrived(hash: ObjectHash, from: PeerId): void {
    this.emit('object', { hash, from });
    this.objectsChanged();
  }

  /**
   * Does this peer count as a home? The policy decides from its device key (an enrolled home);
   * without such a policy, what it said in its hello.
   */
  async #isHome(peer: PeerId): Promise<boolean> {
    let known = this.#roles.get(peer);
    if (!known) {
      const saved = (await this.deps.kv.get(`peer/${peer}`)) as { role?: unknown; deviceKey?: unknown } | undefined;
      const role = saved?.role === 'relay' || saved?.role === 'member' ? saved.role : undefined;
      if (!role) return false;
      known = { role, deviceKey: typeof saved?.deviceKey === 'string' ? fromBase64Url(saved.deviceKey) : new Uint8Array(0) };
      this.#roles.set(peer, known);
    }
    const { countsAsHome } = this.deps.policy;
    return countsAsHome ? known.deviceKey.length === 32 && countsAsHome(known.deviceKey) : known.role === 'relay';
  }

  #status(s: Session): PeerStatus {
    const remote = s.remoteOrUndefined;
    const bytesOut = Object.values(s.outbox.sentBytes).reduce((a, b) => a + b, 0);
    return {
      peerId: remote?.peerId ?? s.refusal?.peerId, role: remote?.role, transport: s.transport.kind, state: s.state,
      ready: s.ready, bytesIn: s.received.bytes, bytesOut, bytesOutByType: { ...s.outbox.sentBytes }, framesOutByType: { ...s.outbox.sentFrames }, abuse: { ...s.abuseMeter.counts },
      jobs: remote ? this.queue.stats(remote.peerId) : { queued: 0, sending: 0, failed: 0 },
      ...(s.closeReason === undefined ? {} : { closeReason: s.closeReason }),
      ...(s.refusal ? { refusal: { by: s.refusal.by, reason: s.refusal.reason, detail: s.refusal.detail } } : {}),
    };
  }
}
