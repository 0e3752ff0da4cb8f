/**
 * What the per-session parts (op sync, inventory sync, transfers) share: the session's
 * outbox and abuse counter, the engine's dependencies, and the engine callbacks they report to.
 * Kept in one small file so those parts do not import session.ts or engine.ts.
 */
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type { AbuseKind, AbuseLimits } from './abuse-meter.ts';
import type { HeartbeatOptions } from './heartbeat.ts';
import type { InventoryDigest } from './inventory-digest.ts';
import type { Outbox } from './outbox.ts';
import type {
  AckStore, Clock, KeyValueStore, Logger, ObjectStorePort, OpEnvelope, OpStore, PartialStore,
  RemotePeer, ReplicationCrypto, ReplicationPolicy, VersionVector,
} from './ports.ts';

export interface ReplicationConfig {
  heartbeat: HeartbeatOptions;
  /** A peer that has not completed the handshake by then is refused ('timeout'). */
  handshakeTimeoutMs: number;
  abuse: AbuseLimits;
  /** Larger objects are neither fetched nor accepted. */
  maxObjectBytes: number;
  /** Objects fetched at once from one peer. */
  maxConcurrentPulls: number;
  /**
   * Up to this many fetches at once from one peer while the next is small (≤ SMALL_JOB_BYTES:
   * thumbnails, metadata, key bundles). A small object is one round trip of a few frames, so
   * eight at a time leave the link idle between them (a 10,000-photo restore moved 0.2 MiB/s);
   * the larger ones stay at maxConcurrentPulls, so what may arrive at once is still bounded.
   */
  maxConcurrentSmallPulls: number;
  /** Objects offered at once to one peer. */
  maxConcurrentPushes: number;
  /** A wanted object with no data for this long fails (retryable). */
  transferStallMs: number;
  /** Object streams we queue for one peer; more wants are answered 'busy'. */
  maxServingStreams: number;
  /** Frames received but not yet processed; a peer past this is flooding us. Default: pulls × max object + 16 MiB. */
  maxInboundQueueBytes: number;
  /** Periodic op-vector exchange and inventory digest check on an open session. */
  resyncIntervalMs: number;
  /**
   * Ask peers for their inventories (and so fetch what they list). Off: ops only, and objects
   * only by fetch(): a restoring device's keyless probe, which must neither pull the library
   * nor move the inventory cursors its real session will list from.
   */
  listInventories: boolean;
  /** Retry delays for failed jobs: base · 2^(attempts−1), capped, with jitter. */
  backoff: { baseMs: number; maxMs: number };
  /** Full bucket listings (a scan of our inventory) one peer may ask per session. */
  maxBucketListRequests: number;
}

export interface EngineDeps {
  crypto: ReplicationCrypto;
  objects: ObjectStorePort;
  partials: PartialStore;
  ops: OpStore;
  acks: AckStore;
  kv: KeyValueStore;
  policy: ReplicationPolicy;
  clock: Clock;
  log: Logger;
  config: ReplicationConfig;
  digest: InventoryDigest;
  /** Uniform in [0, 1): backoff jitter (seeded in tests). */
  random: () => number;
}

export type IngestRejection = 'malformed' | 'bad-signature' | 'unauthorized' | 'deferred' | 'gap' | 'duplicate' | 'equivocation';

export interface IngestResult {
  accepted: OpEnvelope[];
  rejected: Array<{ op: OpEnvelope; reason: IngestRejection }>;
  /**
   * The store failed midway (quota, a closed database): the ops before it are stored and listed
   * in `accepted`, so they are announced and applied; the failing one and the rest are 'deferred'.
   */
  error?: unknown;
}

export type PullFailure = 'corrupt' | 'not-found' | 'stalled' | 'busy' | 'too-large' | 'closed' | 'storage';

/** Callbacks from a session's parts into the engine. */
export interface EngineHooks {
  ingestOps(ops: OpEnvelope[], from: RemotePeer): Promise<IngestResult>;
  /** The local version vector (a copy). */
  localVector(): Promise<VersionVector>;
  /**
   * `peer` holds these objects (new inventory entries or a bucket listing). `announced`: entries
   * the peer added since it last listed (an object we just served it comes back so).
   */
  objectsSeen(peer: RemotePeer, objects: Array<{ hash: ObjectHash; size: number }>, o?: { announced?: boolean }): Promise<void>;
  /** Inventory exchange with the peer finished: transfers may start. */
  inventoryReady(peer: PeerId): void;
  pullDone(peer: PeerId, hash: ObjectHash, bytes: number): void;
  pullFailed(peer: PeerId, hash: ObjectHash, reason: PullFailure): void;
  pullProgress(peer: PeerId, hash: ObjectHash, bytesDone: number): void;
  /** The peer acked an object (it is stored there). */
  acked(peer: PeerId, hash: ObjectHash): void;
  /** The peer answered our offer with a nack. */
  offerNacked(peer: PeerId, hash: ObjectHash, reason: string): void;
  /** Our own stored copy of `hash` does not match its hash (found when a peer reported it). */
  localCorrupt(hash: ObjectHash): void;
  /** We just read this object and sent all of it to a peer: we hold it. */
  served(hash: ObjectHash): void;
  /** Another session is fetching this object right now. */
  isFetching(hash: ObjectHash, except: PeerId): boolean;
  /** Claims the right to fetch `hash` from `peer` (false if someone else holds it). */
  claimFetch(hash: ObjectHash, peer: PeerId): boolean;
}

export interface SessionCore {
  readonly remote: RemotePeer;
  readonly outbox: Outbox;
  readonly deps: EngineDeps;
  readonly hooks: EngineHooks;
  /** Counts a bad frame from the peer; disconnects it past the limit. */
  abuse(kind: AbuseKind, detail: string): void;
}
