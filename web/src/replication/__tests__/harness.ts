/**
 * Test harness: replication nodes with in-memory ports and real (noble) crypto, linked by
 * in-memory transport pairs. Used by the replication tests only.
 */
import { toBase64Url, utf8 } from '../../core/bytes.ts';
import type { ObjectHash, PeerId } from '../../core/ids.ts';
import { createMemoryPair, type MemoryPair, type MemoryPairOptions } from '../../transport/memory-transport.ts';
import { ReplicationEngine } from '../engine.ts';
import { encodeBundle, splitMessage } from '../frame-codec.ts';
import {
  MemoryAckStore, MemoryJobStore, MemoryKeyValueStore, MemoryObjectStore, MemoryOpStore, MemoryPartialStore,
} from '../memory-ports.ts';
import { signOp } from '../op-envelope.ts';
import type { Logger, OpEnvelope, PeerAuthorization, PeerRole, RemotePeer, ReplicationPolicy } from '../ports.ts';
import type { ReplicationConfig } from '../session-core.ts';
import type { Session } from '../session.ts';
import { NobleCrypto, blake3Hex, deriveKey } from './noble-crypto.ts';
import { Rng } from './rng.ts';

export const VAULT_KEY = deriveKey('vault:test');

/** The vault's device directory, shared by the nodes of one test. */
export class Directory {
  readonly known = new Set<string>();
  readonly revoked = new Set<string>();
  /** log → allowed authors; a log not listed allows everyone. */
  readonly writers = new Map<string, Set<string>>();
  authorize(key: string): PeerAuthorization {
    if (this.revoked.has(key)) return 'revoked-device';
    return this.known.has(key) ? 'ok' : 'unknown-device';
  }
}

export interface NodeOptions {
  role?: PeerRole;
  vaultKey?: Uint8Array;
  dir?: Directory;
  /** Register in the directory (default true). */
  register?: boolean;
  config?: Partial<ReplicationConfig>;
  want?: (hash: ObjectHash, size: number, from: RemotePeer) => boolean;
  /** isAuthorAllowed; default: the directory's writers of the log (anyone if none listed). */
  admit?: ReplicationPolicy['isAuthorAllowed'];
  push?: (hash: ObjectHash, size: number, to: RemotePeer) => boolean;
  /** acceptObject: a reason string refuses (a full store). */
  accept?: (hash: ObjectHash, size: number, from: RemotePeer) => string | undefined;
  stores?: Partial<Pick<TestNode, 'objects' | 'ops' | 'jobs' | 'acks' | 'kv' | 'partials'>>;
}

export interface TestNode {
  name: string;
  peerId: PeerId;
  crypto: NobleCrypto;
  engine: ReplicationEngine;
  objects: MemoryObjectStore;
  ops: MemoryOpStore;
  jobs: MemoryJobStore;
  acks: MemoryAckStore;
  kv: MemoryKeyValueStore;
  partials: MemoryPartialStore;
  lines: string[];
  dir: Directory;
  /** Signs and stores local ops through the engine. */
  write(log: string, body: unknown): Promise<OpEnvelope>;
}

export const quietConfig: Partial<ReplicationConfig> = {
  heartbeat: { intervalMs: 60_000, timeoutMs: 180_000 },
  resyncIntervalMs: 60 * 60_000,
  transferStallMs: 5_000,
  backoff: { baseMs: 50, maxMs: 2_000 },
};

export function makeNode(name: string, opts: NodeOptions = {}): TestNode {
  const dir = opts.dir ?? new Directory();
  const crypto = new NobleCrypto(name);
  if (opts.register !== false) dir.known.add(crypto.publicKeyB64);
  const lines: string[] = [];
  const log: Logger = {
    info: (msg, f) => { lines.push(`info ${msg} ${JSON.stringify(f ?? {})}`); },
    warn: (msg, f) => { lines.push(`warn ${msg} ${JSON.stringify(f ?? {})}`); },
  };
  const policy: ReplicationPolicy = {
    authorizePeer: (p) => dir.authorize(toBase64Url(p.deviceKey)),
    isAuthorAllowed: opts.admit ?? ((logId, author) => dir.writers.get(logId)?.has(author) ?? true),
    wantObject: opts.want ?? (() => true),
    ...(opts.push ? { pushObject: opts.push } : {}),
    ...(opts.accept ? { acceptObject: opts.accept } : {}),
  };
  const s = {
    objects: opts.stores?.objects ?? new MemoryObjectStore(),
    ops: opts.stores?.ops ?? new MemoryOpStore(),
    jobs: opts.stores?.jobs ?? new MemoryJobStore(),
    acks: opts.stores?.acks ?? new MemoryAckStore(),
    kv: opts.stores?.kv ?? new MemoryKeyValueStore(),
    partials: opts.stores?.partials ?? new MemoryPartialStore(),
  };
  const peerId = `peer-${name}-0000` as PeerId;
  const rng = new Rng(name.length * 7919 + name.charCodeAt(0));
  const engine = new ReplicationEngine({
    local: { peerId, role: opts.role ?? 'member', deviceKey: crypto.publicKey },
    handshakeKey: opts.vaultKey ?? VAULT_KEY,
    crypto, ...s, policy, log, random: () => rng.next(),
    config: { ...quietConfig, ...opts.config },
  });
  const seqs = new Map<string, number>();
  let lamport = 0;
  const node: TestNode = {
    name, peerId, crypto, engine, ...s, lines, dir,
    async write(logId, body) {
      const seq = (seqs.get(logId) ?? (await s.ops.vector()).get(logId)?.get(crypto.publicKeyB64) ?? 0) + 1;
      seqs.set(logId, seq);
      for (const op of s.ops.all()) lamport = Math.max(lamport, op.lamport);
      const op = await signOp(crypto, {
        log: logId, author: crypto.publicKeyB64, seq, lamport: ++lamport, ciphertext: utf8(JSON.stringify(body)),
      });
      const r = await engine.addLocalOps([op]);
      if (r.accepted.length !== 1) throw new Error(`local op refused: ${r.rejected[0]?.reason}`);
      return op;
    },
  };
  return node;
}

export interface Link {
  pair: MemoryPair;
  a: Session;
  b: Session;
}

/**
 * A link between two nodes. A `tap` sees each frame, not each message: a bundle's frames are
 * tapped one by one and bundled again, so a test can rewrite or drop one frame of a bundle.
 */
export function link(x: TestNode, y: TestNode, pairOpts?: MemoryPairOptions): Link {
  const tap = pairOpts?.tap;
  const pair = createMemoryPair(tap ? { ...pairOpts, tap: perFrame(tap) } : pairOpts);
  const a = x.engine.connect(pair.a);
  const b = y.engine.connect(pair.b);
  return { pair, a, b };
}

function perFrame(tap: NonNullable<MemoryPairOptions['tap']>): NonNullable<MemoryPairOptions['tap']> {
  return (message, dir) => {
    const split = splitMessage(message);
    if (!split.ok || split.frames.length === 1) return tap(message, dir);
    const out = split.frames.map((f) => tap(f, dir)).filter((f): f is Uint8Array => f !== null);
    return out.length === 0 ? null : out.length === 1 ? out[0]! : encodeBundle(out);
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const bothOpen = (l: Link): boolean => l.a.state === 'open' && l.b.state === 'open';
export const bothReady = (l: Link): boolean => l.a.ready && l.b.ready;

/** Waits until nothing moves: no queued frames, no jobs, stores stable for a few ticks. */
export async function settle(nodes: TestNode[], timeoutMs = 20_000): Promise<void> {
  const fingerprint = (): string => nodes.map((n) => {
    const peers = n.engine.peers();
    return `${n.objects.log.length}/${n.ops.all().length}/${n.engine.jobs().length}/${peers.map((p) => `${p.bytesIn}:${p.bytesOut}`).join(',')}`;
  }).join('|');
  const start = Date.now();
  let last = '';
  let stable = 0;
  while (stable < 5) {
    if (Date.now() - start > timeoutMs) throw new Error(`did not settle: ${fingerprint()}`);
    await new Promise((r) => setTimeout(r, 10));
    const now = fingerprint();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
}

export function makeObject(seed: number, size: number): { hash: ObjectHash; bytes: Uint8Array } {
  const bytes = new Rng(seed).bytes(size);
  return { hash: blake3Hex(bytes), bytes };
}

export async function addObjects(n: TestNode, objs: Array<{ hash: ObjectHash; bytes: Uint8Array }>): Promise<void> {
  for (const o of objs) await n.objects.put(o.hash, o.bytes);
  n.engine.objectsChanged();
}

export async function closeAll(nodes: TestNode[]): Promise<void> {
  for (const n of nodes) await n.engine.close();
}
