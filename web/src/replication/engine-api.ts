/**
 * The engine's public types: construction options, default configuration, events and the
 * per-peer status the UI shows ("Devices & homes"). See docs/replication.md, "Composition".
 */
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type { TransportKind } from '../transport/peer-transport.ts';
import { DEFAULT_ABUSE_LIMITS, type AbuseKind } from './abuse-meter.ts';
import type { FrameType, RefusalReason } from './frames.ts';
import { DEFAULT_HEARTBEAT } from './heartbeat.ts';
import type { JobStats } from './job-queue.ts';
import { DEFAULT_MAX_OBJECT_BYTES } from './limits.ts';
import type {
  AckStore, Clock, JobStore, KeyValueStore, LocalIdentity, Logger, ObjectStorePort, OpEnvelope, OpStore,
  PartialStore, PeerRole, ReplicationCrypto, ReplicationPolicy, TransferJob,
} from './ports.ts';
import type { ReplicationConfig } from './session-core.ts';
import type { SessionState } from './session.ts';

export const DEFAULT_CONFIG: ReplicationConfig = {
  heartbeat: DEFAULT_HEARTBEAT,
  handshakeTimeoutMs: 10_000,
  abuse: DEFAULT_ABUSE_LIMITS,
  maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
  maxConcurrentPulls: 8,
  maxConcurrentSmallPulls: 64,
  maxConcurrentPushes: 8,
  transferStallMs: 30_000,
  maxServingStreams: 64,
  // Every fetch we allow may arrive at once, before we process it: never call that a flood.
  // (8 pulls of any size, 56 more of small objects ≤ 256 KiB, and slack for control frames.)
  maxInboundQueueBytes: 8 * DEFAULT_MAX_OBJECT_BYTES + 56 * 256 * 1024 + 16 * 1024 * 1024,
  resyncIntervalMs: 10 * 60_000,
  listInventories: true,
  backoff: { baseMs: 1_000, maxMs: 10 * 60_000 },
  maxBucketListRequests: 3,
};

export interface ReplicationEngineOptions {
  local: LocalIdentity;
  /** HKDF(vault secret) for the peer handshake MAC. */
  handshakeKey: Uint8Array;
  crypto: ReplicationCrypto;
  objects: ObjectStorePort;
  /** Where prefixes of large objects wait for a resume; in memory if omitted. */
  partials?: PartialStore;
  ops: OpStore;
  jobs: JobStore;
  acks: AckStore;
  kv: KeyValueStore;
  policy: ReplicationPolicy;
  clock?: Clock;
  log?: Logger;
  random?: () => number;
  config?: Partial<ReplicationConfig>;
}

export interface PeerStatus {
  peerId: string | undefined;
  role: PeerRole | undefined;
  transport: TransportKind;
  state: SessionState;
  /** Inventories exchanged: transfers running. */
  ready: boolean;
  bytesIn: number;
  bytesOut: number;
  /** This side's frames and their bytes on this link, by frame type. */
  bytesOutByType: Partial<Record<FrameType, number>>;
  framesOutByType: Partial<Record<FrameType, number>>;
  abuse: Partial<Record<AbuseKind, number>>;
  jobs: JobStats;
  closeReason?: string;
  refusal?: { by: 'local' | 'remote'; reason: RefusalReason; detail: string };
}

export interface EngineEvents extends Record<string, unknown> {
  'peer-open': PeerStatus;
  'peer-refused': { peerId: string | undefined; by: 'local' | 'remote'; reason: RefusalReason; detail: string };
  'peer-closed': { peerId: string | undefined; reason: string };
  /** New ops stored (decrypt and apply them in the vault layer). */
  ops: { ops: OpEnvelope[]; from: PeerId | 'local' };
  object: { hash: ObjectHash; from: PeerId };
  /** `peer` holds `hash` (it acked our transfer or offer). */
  ack: { hash: ObjectHash; peer: PeerId };
  job: TransferJob;
  abuse: { peerId: string; kind: AbuseKind; detail: string; disconnected: boolean };
  /** A peer found our stored copy corrupt (bit rot): the vault should evict it and fetch it again. */
  'local-corrupt': { hash: ObjectHash };
}
