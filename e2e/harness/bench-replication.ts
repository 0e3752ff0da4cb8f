/**
 * Replication benchmark harness (bench/replication.ts, bench/replication-turn.ts), driven through
 * window.fvBenchRepl. Two parts, both between two separate Chromium processes:
 *  - a replication node wired as the app wires it (startReplicationNode: signal client, dialer,
 *    ReplicationEngine over this profile's OPFS object store and IndexedDB index, crypto worker),
 *    with a relay-like policy that wants every object; the sender's store is filled directly;
 *  - a bare simple-peer data-channel blast (no engine, no storage) with the same message size,
 *    signalled through Node, as the baseline.
 */
import { fromHex, toBase64Url } from '../../web/src/core/bytes.ts';
import type { ObjectHash, PeerId } from '../../web/src/core/ids.ts';
import { startCryptoWorker, type CryptoClient } from '../../web/src/crypto/client.ts';
import type { ReplicationEngineOptions } from '../../web/src/replication/engine.ts';
import type { PeerRole, ReplicationPolicy } from '../../web/src/replication/ports.ts';
import { openIndex, type VaultIndex } from '../../web/src/storage/index-db.ts';
import type { ObjectStore, StoreKind } from '../../web/src/storage/object-store.ts';
import { openObjectStore } from '../../web/src/storage/open-store.ts';
import type { PeerTransport } from '../../web/src/transport/peer-transport.ts';
import { SimplePeer, type SignalData, type SimplePeerInstance } from '../../web/src/transport/simple-peer.ts';
import { selectedPath } from '../../web/src/transport/webrtc-transport.ts';
import { startReplicationNode, type ReplicationNode } from '../../web/src/vault/replication-node.ts';

interface StartOptions {
  signalUrl: string;
  vaultSecretHex: string;
  role: PeerRole;
  /** Force TURN (iceTransportPolicy 'relay'). */
  relay: boolean;
  store?: StoreKind;
  engineConfig?: ReplicationEngineOptions['config'];
  /**
   * Profiling what-ifs, off by default (never in the figure unless asked for):
   * memoHash — the store reuses the hash replication just computed for the same bytes (the receiver
   *   verifies an arrived object, then store.put verifies it again);
   * trustReads — the sender serves objects without re-verifying them on every read (the receiver
   *   verifies anyway).
   */
  whatIf?: { memoHash?: boolean; trustReads?: boolean };
}

interface Progress {
  objects: number;
  bytes: number;
  /** performance.now() of start(), of the session opening, of the Nth object, of the last one. */
  tStart: number;
  tOpen: number | undefined;
  tWarm: number | undefined;
  tDone: number | undefined;
}

let crypto: CryptoClient | undefined;
let node: ReplicationNode | undefined;
let store: ObjectStore | undefined;
let index: VaultIndex | undefined;
let expect = { objects: Infinity, warmObjects: 8 };
const progress: Progress = { objects: 0, bytes: 0, tStart: 0, tOpen: undefined, tWarm: undefined, tDone: undefined };
const logLines: string[] = [];
const sizes = new Map<ObjectHash, number>();
const transports: PeerTransport[] = [];
const buffered = { samples: 0, low: 0, high: 0 };
let sampler: ReturnType<typeof setInterval> | undefined;

async function start(o: StartOptions): Promise<{ peerId: string; store: StoreKind }> {
  crypto = startCryptoWorker();
  const keys = await crypto.deriveVaultKeys(fromHex(o.vaultSecretHex));
  const name = `${keys.vaultId}-${o.role}`;
  index = await openIndex(name);
  const c = crypto;
  const memo = new WeakMap<Uint8Array, ObjectHash>();
  const storeHash = o.whatIf?.memoHash ? async (b: Uint8Array) => memo.get(b) ?? c.hashObject(b) : (b: Uint8Array) => c.hashObject(b);
  store = await openObjectStore({ name, hash: storeHash, index, preferred: o.store ?? 'opfs' });
  const s = store;
  const nodeCrypto: CryptoClient = o.whatIf?.memoHash
    ? { ...c, hashObject: async (b: Uint8Array) => { const h = await c.hashObject(b); memo.set(b, h); return h; } }
    : c;
  const nodeStore: ObjectStore = o.whatIf?.trustReads
    ? new Proxy(s, {
      get: (t, prop) => {
        if (prop === 'get') {
          const backend = (t as unknown as { backend: { read(h: ObjectHash): Promise<Uint8Array | undefined> } }).backend;
          return async (h: ObjectHash) => ((await t.has(h)) ? backend.read(h) : undefined);
        }
        const v = Reflect.get(t, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    })
    : s;
  const device = await crypto.newSigningKey();
  const peerId = toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(16))) as PeerId;
  // Like the relay page: authenticated by the handshake MAC, wants everything.
  const policy: ReplicationPolicy = { authorizePeer: () => 'ok', isAuthorAllowed: () => true, wantObject: () => true };
  const idx = index;
  restartNode = async () => {
    progress.tStart = performance.now();
    node = await startReplicationNode({
      role: o.role, peerId, keys, device, signalUrl: o.signalUrl, crypto: nodeCrypto, store: nodeStore, index: idx, policy,
      ...(o.relay ? { iceTransportPolicy: 'relay' as const } : {}),
      ...(o.engineConfig ? { engineConfig: o.engineConfig } : {}),
      log: (l) => {
        if (logLines.length < 500) logLines.push(l);
      },
    });
    watch(node);
  };
  await restartNode();
  return { peerId, store: store.kind };
}

let restartNode: (() => Promise<void>) | undefined;

function watch(n: ReplicationNode): void {
  // Watch the transports' send buffers: empty means the sender has nothing queued (starved),
  // near the high-water mark means the data channel is the bottleneck.
  const engine = n.engine;
  const connect = engine.connect.bind(engine);
  engine.connect = (t, opts) => {
    transports.push(t);
    return connect(t, opts);
  };
  clearInterval(sampler);
  sampler = setInterval(() => {
    const t = transports.find((x) => !x.closed);
    if (!t || progress.tOpen === undefined || progress.tDone !== undefined) return;
    buffered.samples++;
    if (t.bufferedAmount < 256 * 1024) buffered.low++;
    else if (t.bufferedAmount > t.highWaterMark / 2) buffered.high++;
  }, 20);
  engine.on('peer-open', () => {
    progress.tOpen ??= performance.now();
  });
  engine.on('object', ({ hash }) => {
    progress.objects++;
    progress.bytes += sizes.get(hash) ?? 0;
    if (progress.objects === expect.warmObjects) progress.tWarm = performance.now();
    if (progress.objects === expect.objects) progress.tDone = performance.now();
  });
}

/** The device goes offline: its replication node stops (the link closes); its stores stay open. */
async function goOffline(): Promise<void> {
  clearInterval(sampler);
  await node?.stop();
  node = undefined;
}

/** Back online as the same device, with the same stores: the node starts again and reconnects. */
async function comeBack(): Promise<void> {
  if (!restartNode) throw new Error('start() first');
  await restartNode();
}

/** The receiver: how many objects to wait for, and their sizes (for byte counts). */
function expectObjects(o: { count: number; size: number; warmObjects: number; hashes: ObjectHash[] }): void {
  expect = { objects: o.count, warmObjects: o.warmObjects };
  for (const h of o.hashes) sizes.set(h, o.size);
}

/** The sender: `count` random objects of `size` bytes put straight into the store. */
async function fill(o: { count: number; size: number }): Promise<{ hashes: ObjectHash[]; ms: number }> {
  const t = performance.now();
  const hashes: ObjectHash[] = [];
  for (let i = 0; i < o.count; i++) {
    const bytes = new Uint8Array(o.size);
    for (let off = 0; off < o.size; off += 65536) globalThis.crypto.getRandomValues(bytes.subarray(off, Math.min(o.size, off + 65536)));
    const hash = await crypto!.hashObject(bytes);
    await store!.put(hash, bytes);
    hashes.push(hash);
  }
  node?.engine.objectsChanged();
  return { hashes, ms: performance.now() - t };
}

function status() {
  return {
    progress: { ...progress },
    peers: node?.engine.peers().map((p) => ({ peerId: p.peerId, role: p.role, transport: p.transport, state: p.state, ready: p.ready, bytesIn: p.bytesIn, bytesOut: p.bytesOut, jobs: p.jobs })) ?? [],
    jobs: node?.engine.jobs().length ?? 0,
    buffered: { ...buffered },
  };
}

/**
 * What crossed the open link with `peerId` so far: the engine's replication frame bytes by type
 * (this side's sends) and, from the peer connection's stats, the data channel's message bytes
 * and the DTLS transport's bytes (SCTP and DTLS headers, retransmissions and SCTP acks included).
 */
async function linkBytes(o: { peerId: string }) {
  const p = node?.engine.peers().find((x) => x.state === 'open' && x.peerId === o.peerId);
  const t = [...transports].reverse().find((x) => !x.closed) as (PeerTransport & { peerConnection?: RTCPeerConnection }) | undefined;
  const dc = { bytesSent: 0, bytesReceived: 0, messagesSent: 0, messagesReceived: 0 };
  const dtls = { bytesSent: 0, bytesReceived: 0, packetsSent: 0, packetsReceived: 0 };
  if (t?.peerConnection) {
    const stats = await t.peerConnection.getStats();
    stats.forEach((s: Record<string, unknown> & { type: string }) => {
      if (s.type === 'data-channel') for (const k of Object.keys(dc) as (keyof typeof dc)[]) dc[k] += Number(s[k] ?? 0);
      if (s.type === 'transport') for (const k of Object.keys(dtls) as (keyof typeof dtls)[]) dtls[k] += Number(s[k] ?? 0);
    });
  }
  return p ? { bytesIn: p.bytesIn, bytesOut: p.bytesOut, bytesOutByType: p.bytesOutByType, framesOutByType: p.framesOutByType, jobs: p.jobs, transport: p.transport, dataChannel: dc, dtls } : undefined;
}

async function path() {
  const t = node?.engine.peers().find((p) => p.state === 'open');
  return t?.transport;
}

async function stop(): Promise<void> {
  clearInterval(sampler);
  await node?.stop();
  await store?.close();
  index?.close();
  crypto?.close();
  node = undefined;
}

// ── bare data-channel blast ─────────────────────────────────────────────────────────────

let peer: SimplePeerInstance | undefined;
let signals: SignalData[] = [];
const blast = { bytes: 0, messages: 0, tFirst: 0, tWarm: 0, tLast: 0, warmBytes: 0, bytesAtWarm: 0 };

function blastPeer(initiator: boolean): SimplePeerInstance {
  signals = [];
  const p = new SimplePeer({ initiator, trickle: false, config: { iceServers: [] } });
  p.on('signal', (d: SignalData) => signals.push(d));
  p.on('data', (chunk: Uint8Array) => {
    const now = performance.now();
    if (blast.bytes === 0) blast.tFirst = now;
    blast.bytes += chunk.length;
    blast.messages++;
    if (blast.tWarm === 0 && blast.bytes >= blast.warmBytes) {
      blast.tWarm = now;
      blast.bytesAtWarm = blast.bytes;
    }
    blast.tLast = now;
  });
  return p;
}

/** Initiator: returns its offer once ICE gathering finished (trickle off). */
async function blastOffer(): Promise<SignalData[]> {
  peer = blastPeer(true);
  while (signals.length === 0) await new Promise((r) => setTimeout(r, 10));
  return signals;
}

async function blastAnswer(offer: SignalData[]): Promise<SignalData[]> {
  peer = blastPeer(false);
  for (const s of offer) peer.signal(s);
  while (signals.length === 0) await new Promise((r) => setTimeout(r, 10));
  return signals;
}

async function blastConnect(answer: SignalData[]): Promise<void> {
  for (const s of answer) peer!.signal(s);
  const t0 = Date.now();
  while (!peer!.connected) {
    if (Date.now() - t0 > 20_000) throw new Error('blast peer did not connect');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function blastWaitConnected(): Promise<void> {
  const t0 = Date.now();
  while (!peer?.connected) {
    if (Date.now() - t0 > 20_000) throw new Error('blast peer did not connect');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Receiver: reset counters; the first `warmBytes` are excluded from the rate. */
function blastExpect(warmBytes: number): void {
  Object.assign(blast, { bytes: 0, messages: 0, tFirst: 0, tWarm: 0, tLast: 0, warmBytes, bytesAtWarm: 0 });
}

/**
 * Sender: `bytes` in messages of `messageBytes`, straight into the RTCDataChannel with the same
 * back-pressure as WebRtcTransport (wait below 2 MiB once above 4 MiB buffered).
 */
async function blastSend(o: { bytes: number; messageBytes: number; highWater: number }): Promise<number> {
  const channel = (peer as unknown as { _channel: RTCDataChannel })._channel;
  channel.bufferedAmountLowThreshold = o.highWater / 2;
  const pool = new Uint8Array(8 * o.messageBytes);
  for (let off = 0; off < pool.length; off += 65536) globalThis.crypto.getRandomValues(pool.subarray(off, off + 65536));
  const t = performance.now();
  for (let sent = 0, i = 0; sent < o.bytes; i++) {
    if (channel.bufferedAmount > o.highWater) {
      await new Promise<void>((r) => channel.addEventListener('bufferedamountlow', () => r(), { once: true }));
    }
    const n = Math.min(o.messageBytes, o.bytes - sent);
    const at = (i % 8) * o.messageBytes;
    channel.send(pool.subarray(at, at + n));
    sent += n;
  }
  return performance.now() - t;
}

function blastStatus() {
  return { ...blast };
}

async function blastPath() {
  return selectedPath((peer as unknown as { _pc: RTCPeerConnection })._pc);
}

function blastClose(): void {
  peer?.destroy();
  peer = undefined;
}

Object.assign(window, {
  fvBenchRepl: {
    start, expectObjects, fill, status, path, stop, linkBytes, goOffline, comeBack, log: () => logLines,
    blastOffer, blastAnswer, blastConnect, blastWaitConnected, blastExpect, blastSend, blastStatus, blastPath, blastClose,
  },
});
