/**
 * The seams of the replication core. Replication imports no crypto library, no idb and no DOM
 * API: the composition root (entries/app.ts, entries/relay.ts) passes implementations of these.
 * In-memory versions for tests: ./memory-ports.ts. Design note: docs/replication.md.
 */
import type { ObjectHash, PeerId } from '../core/ids.ts';

export type PeerRole = 'member' | 'relay';

export interface ReplicationCrypto {
  /** BLAKE3-256 of the bytes, lowercase hex (an object's address). */
  hash(bytes: Uint8Array): Promise<ObjectHash>;
  /**
   * Optional: `hash` of bytes the caller is done with, which may move to another thread and
   * back instead of being copied (the receiver's view is then detached): use the returned bytes.
   */
  hashHandedOver?(bytes: Uint8Array): Promise<{ hash: ObjectHash; bytes: Uint8Array }>;
  /** HMAC-SHA-256. */
  hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /** Ed25519 signature with THIS device's key (the one in LocalIdentity.deviceKey). */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Ed25519 verification; false (never a throw) for a bad key or signature. */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  randomBytes(n: number): Uint8Array;
}

/** Who this node is, as told to peers in the handshake. */
export interface LocalIdentity {
  peerId: PeerId;
  role: PeerRole;
  /** Ed25519 public key of this device (32 bytes). */
  deviceKey: Uint8Array;
  /** Optional proof a peer checks when it does not know the device yet (an invite's signature). */
  credential?: Uint8Array;
}

/** A peer after a successful handshake. */
export interface RemotePeer {
  peerId: PeerId;
  /** What the peer claims to be; a claim, never a right (policy.countsAsHome decides). */
  role: PeerRole;
  deviceKey: Uint8Array;
  credential?: Uint8Array;
}

// ── objects ─────────────────────────────────────────────────────────────────────────────

/** One line of a store's append-only inventory log. `gone` marks an eviction. */
export interface InventoryEntry {
  seq: number;
  hash: ObjectHash;
  size: number;
  gone: boolean;
}

/**
 * The object store as replication needs it. The inventory is an append-only log with local
 * sequence numbers (1, 2, 3…): an object's first put appends {gone:false}; an eviction appends
 * {gone:true}. The log is consistent: `gone` only for a present object, add only for an absent one.
 */
export interface ObjectStorePort {
  has(hash: ObjectHash): Promise<boolean>;
  /** Optional: `has` of each, in order, cheaper than one by one (a listing's bucket: one read). */
  hasMany?(hashes: ObjectHash[]): Promise<boolean[]>;
  get(hash: ObjectHash): Promise<Uint8Array | undefined>;
  /**
   * Optional: the bytes to send to a peer, which verifies them itself, so the store may skip its
   * own check (a corrupt copy comes back as a 'corrupt' nack; the sender then reads it with get).
   */
  serve?(hash: ObjectHash): Promise<Uint8Array | undefined>;
  /**
   * Optional: `serve`, but only for an object kept with its record (small: read with it, no
   * file); 'large' for any other present one. A sender reads every small object wanted at once
   * this way (their reads share a transaction) while a large one waits for its turn (memory).
   */
  serveSmall?(hash: ObjectHash): Promise<Uint8Array | undefined | 'large'>;
  /** Optional: read part of an object without loading it whole. */
  getRange?(hash: ObjectHash, offset: number, length: number): Promise<Uint8Array | undefined>;
  /**
   * Stores bytes the caller has verified against `hash`. Idempotent. Durable when it resolves.
   * The bytes are the store's from the call on: it may detach them (move them to another thread).
   */
  put(hash: ObjectHash, bytes: Uint8Array): Promise<void>;
  /** Random id of this inventory log; changes if the store is wiped (peers' cursors then reset). */
  inventoryId(): Promise<string>;
  /** Entries with seq > after, ascending, at most `limit`. */
  inventorySince(after: number, limit: number): Promise<InventoryEntry[]>;
}

/** Received prefixes of objects being fetched, so a transfer resumes at its offset. */
export interface PartialStore {
  /** Bytes held for `hash` (0 if none). */
  size(hash: ObjectHash): Promise<number>;
  /** Appends at `offset`, which must equal size(hash). */
  append(hash: ObjectHash, offset: number, bytes: Uint8Array): Promise<void>;
  read(hash: ObjectHash): Promise<Uint8Array | undefined>;
  drop(hash: ObjectHash): Promise<void>;
}

// ── ops ─────────────────────────────────────────────────────────────────────────────────

/**
 * A signed, encrypted operation as replication moves it. The body is ciphertext (vault layer);
 * replication checks the signature, the author and the sequence, never the content.
 */
export interface OpEnvelope {
  /** 'vault' for the vault-level log, else an album id. */
  log: string;
  /** base64url of the author's Ed25519 public key (43 chars). */
  author: string;
  /** 1, 2, 3… per (log, author), without gaps. */
  seq: number;
  /** Lamport clock of the op; the LWW tiebreak is (lamport, author). */
  lamport: number;
  ciphertext: Uint8Array;
  /** Ed25519 by `author` over opSigningBytes (op-envelope.ts). */
  signature: Uint8Array;
}

/** log → author → highest contiguous seq held. */
export type VersionVector = Map<string, Map<string, number>>;

export interface OpStore {
  vector(): Promise<VersionVector>;
  get(log: string, author: string, seq: number): Promise<OpEnvelope | undefined>;
  /** Ops of (log, author) with seq > after, ascending, at most `limit`. */
  since(log: string, author: string, after: number, limit: number): Promise<OpEnvelope[]>;
  /** Appends a verified op whose seq is exactly the held max + 1. */
  append(op: OpEnvelope): Promise<void>;
  /**
   * Appends verified ops in one write, all or none: in order, each (log, author)'s ops contiguous
   * and its first exactly the held max + 1. Optional: without it, ops are appended one by one.
   */
  appendMany?(ops: OpEnvelope[]): Promise<void>;
}

// ── transfers, acks, small state ────────────────────────────────────────────────────────

export type JobState = 'queued' | 'sending' | 'done' | 'failed';
export type JobDirection = 'pull' | 'push';

/**
 * A transfer job. Pull jobs are keyed by hash (id `pull:<hash>`; `peer` is the current source,
 * changed on failure); push jobs by peer and hash (`push:<peer>:<hash>`).
 */
export interface TransferJob {
  id: string;
  dir: JobDirection;
  peer: PeerId;
  hash: ObjectHash;
  size: number;
  state: JobState;
  attempts: number;
  /** Epoch ms; a queued or failed job is not started before this. */
  nextAttemptAt: number;
  lastError?: string;
  /** Sources that failed this job recently (pull only), tried last. */
  failedPeers: PeerId[];
  bytesDone: number;
  createdAt: number;
  updatedAt: number;
}

/** Persistence of jobs (IndexedDB in the app). The engine keeps its own index in memory. */
export interface JobStore {
  loadAll(): Promise<TransferJob[]>;
  put(job: TransferJob): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Which peer holds which object (from its inventory and from its acks): "backed up on N homes". */
export interface AckStore {
  add(peer: PeerId, hashes: ObjectHash[]): Promise<void>;
  remove(peer: PeerId, hashes: ObjectHash[]): Promise<void>;
  has(peer: PeerId, hash: ObjectHash): Promise<boolean>;
  peersWith(hash: ObjectHash): Promise<PeerId[]>;
  /** Everything believed held by `peer`: digest checks and whole-library questions (rare, local). */
  list(peer: PeerId): Promise<ObjectHash[]>;
  /** Every peer believed to hold something. */
  peers(): Promise<PeerId[]>;
}

/** Small JSON-able state: inventory cursors per peer, the peer directory. */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

// ── policy, time, logs ──────────────────────────────────────────────────────────────────

export type PeerAuthorization = 'ok' | 'unknown-device' | 'revoked-device';

/** What this node decides; the vault layer (or the relay's composition root) supplies it. */
export interface ReplicationPolicy {
  /** Is this device key one of the vault's known, unrevoked devices or relays (or does its credential admit it)? */
  authorizePeer(peer: RemotePeer): PeerAuthorization | Promise<PeerAuthorization>;
  /**
   * May this op be stored and forwarded (its author a device of someone allowed to write `log`)?
   * 'later': not yet decidable (what authorizes it has not arrived); asked for again, not abuse.
   */
  isAuthorAllowed(log: string, author: string, op: OpEnvelope): boolean | 'later' | Promise<boolean | 'later'>;
  /** Does this peer count as a home ("backed up on N homes")? Default: it said it is a relay. */
  countsAsHome?(deviceKey: Uint8Array): boolean;
  /** Fetch this object seen at `from`? A relay: always. A device: thumbnails, originals by setting. */
  wantObject(hash: ObjectHash, size: number, from: RemotePeer): boolean | Promise<boolean>;
  /** Offer this local object to `to` unasked? Default: never (peers pull what they want). */
  pushObject?(hash: ObjectHash, size: number, to: RemotePeer): boolean | Promise<boolean>;
  /** Accept an incoming object (quota, size)? Return a reason string to refuse. */
  acceptObject?(hash: ObjectHash, size: number, from: RemotePeer): string | undefined | Promise<string | undefined>;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Log lines never carry keys, secrets or payloads; fields are short ids and counts. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  info: (msg, fields) => console.info(`[replication] ${msg}`, fields ?? ''),
  warn: (msg, fields) => console.warn(`[replication] ${msg}`, fields ?? ''),
};
