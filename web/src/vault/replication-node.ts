/**
 * Wires one node (a family device or the relay page) into its vault's replication: the signal
 * client (room join signed with the vault's room key), the dialer (WebRTC / TURN / fallback,
 * signaling sealed with the room key) and the replication engine over this device's storage.
 * The same function serves both composition roots; only the policy and role differ.
 */
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type { CryptoApi, VaultKeys } from '../crypto/api-types.ts';
import type { CryptoClient } from '../crypto/client.ts';
import { fallbackCrypto } from '../crypto/fallback-seal.ts';
import { ReplicationEngine, type ReplicationEngineOptions } from '../replication/engine.ts';
import type {
  AckStore, InventoryEntry, JobStore, KeyValueStore, ObjectStorePort, OpEnvelope, OpStore, PeerRole,
  ReplicationCrypto, ReplicationPolicy, TransferJob,
} from '../replication/ports.ts';
import type { VaultIndex } from '../storage/index-db.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { IdbReplicationStores } from '../storage/replication-stores.ts';
import { Dialer } from '../transport/dialer.ts';
import { VAULT_LOG } from '../replication/op-envelope.ts';
import { SignalClient, type EnrolClaim, type EnrolmentNote } from '../transport/signal-client.ts';

/** Context string for device signatures in the replication protocol (handshake, ops). */
const DEVICE_SIG_CONTEXT = 'family-vault/replication/v1';

export interface ReplicationNodeOptions {
  role: PeerRole;
  peerId: PeerId;
  keys: VaultKeys;
  /** This device's Ed25519 key pair (signs handshakes and ops). */
  device: { secretKey: Uint8Array; publicKey: Uint8Array };
  signalUrl: string;
  crypto: CryptoApi;
  store: ObjectStore;
  index: VaultIndex;
  policy: ReplicationPolicy;
  /** 'relay' forces TURN (privacy setting, tests). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  iceTimeoutMs?: number;
  engineConfig?: ReplicationEngineOptions['config'];
  onPeerStatus?(peer: string, status: Record<string, unknown>): void;
  /** Shown in the hello to peers that do not know this device yet (an invite's signature). */
  credential?: Uint8Array;
  /** Earlier generations' rooms to listen in as well (a relay). */
  extraRooms?: VaultKeys[];
  /**
   * A one-time code from the signal server's admin, sent with the current room's join until the
   * server used it (servers that enrol families: docs/signal-server.md "Enrolment").
   */
  enrolCode?: () => string | undefined;
  /** What the server said about a room's enrolment. */
  onEnrolment?(note: EnrolmentNote, roomId: string): void;
  log?: (line: string) => void;
}

export interface ReplicationNode {
  engine: ReplicationEngine;
  /** The current room's signal client and dialer. */
  readonly signal: SignalClient;
  readonly dialer: Dialer;
  readonly roomId: string;
  stores: IdbReplicationStores;
  /** Room ids joined now, the current one among them. */
  rooms(): string[];
  /** Talks in these rooms from now on; the first is current. Rooms not listed are left. */
  setRooms(keys: VaultKeys[]): void;
  /** Called whenever the signal client of any room has joined. */
  onJoined(fn: () => void): void;
  stop(): Promise<void>;
}

export function replicationCrypto(crypto: CryptoApi & Partial<Pick<CryptoClient, 'hashHandedOver'>>, device: { secretKey: Uint8Array }): ReplicationCrypto {
  const handOver = crypto.hashHandedOver?.bind(crypto);
  return {
    hash: (b) => crypto.hashObject(b),
    ...(handOver ? { hashHandedOver: handOver } : {}),
    hmac: (key, data) => crypto.handshakeMac(key, data),
    sign: (data) => crypto.signDetached(device.secretKey, DEVICE_SIG_CONTEXT, data),
    verify: (pub, data, sig) => crypto.verifyDetached(pub, DEVICE_SIG_CONTEXT, data, sig).catch(() => false),
    randomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
  };
}

export function objectPort(store: ObjectStore, stores: IdbReplicationStores): ObjectStorePort {
  return {
    has: (h) => store.has(h),
    hasMany: (hs) => store.hasMany(hs),
    get: (h) => store.get(h),
    serve: (h) => store.get(h, { verify: false }),
    serveSmall: (h) => store.getSmall(h),
    getRange: (h, o, l) => store.getRange(h, o, l),
    put: async (h, b) => {
      await store.put(h, b, { verified: true, handOver: true }); // the receiver hashed these bytes just now, and is done with them
    },
    inventoryId: () => stores.inventoryId(),
    inventorySince: (after, limit) => stores.inventorySince(after, limit) as Promise<InventoryEntry[]>,
  };
}

export function opPort(stores: IdbReplicationStores): OpStore {
  return {
    vector: () => stores.opVector(),
    get: (log, author, seq) => stores.opGet(log, author, seq),
    since: (log, author, after, limit) => stores.opsSince(log, author, after, limit),
    append: (op: OpEnvelope) => stores.opAppend(op),
    appendMany: (ops: OpEnvelope[]) => stores.opAppendMany(ops),
  };
}

export function jobPort(stores: IdbReplicationStores): JobStore {
  return {
    loadAll: async () => (await stores.jobsAll()) as unknown as TransferJob[],
    put: (job) => stores.jobPut(job as unknown as Parameters<IdbReplicationStores['jobPut']>[0]),
    delete: (id) => stores.jobDelete(id),
  };
}

export function ackPort(stores: IdbReplicationStores): AckStore {
  return {
    add: (p, hs) => stores.ackAdd(p, hs),
    remove: (p, hs) => stores.ackRemove(p, hs),
    has: (p, h) => stores.ackHas(p, h),
    peersWith: (h) => stores.ackPeersWith(h),
    list: (p) => stores.ackList(p),
    peers: () => stores.ackPeers(),
  };
}

export function kvPort(index: VaultIndex): KeyValueStore {
  return {
    get: (k) => index.getSetting(`repl:${k}`),
    set: (k, v) => index.setSetting(`repl:${k}`, v),
  };
}

export async function startReplicationNode(o: ReplicationNodeOptions): Promise<ReplicationNode> {
  const log = o.log ?? ((l: string) => console.info(l));
  const stores = new IdbReplicationStores(o.index);
  const engine = new ReplicationEngine({
    local: { peerId: o.peerId, role: o.role, deviceKey: o.device.publicKey, ...(o.credential ? { credential: o.credential } : {}) },
    handshakeKey: o.keys.handshakeKey,
    crypto: replicationCrypto(o.crypto, o.device),
    objects: objectPort(o.store, stores),
    ops: opPort(stores),
    jobs: jobPort(stores),
    acks: ackPort(stores),
    kv: kvPort(o.index),
    policy: o.policy,
    ...(o.engineConfig ? { config: o.engineConfig } : {}),
    log: {
      info: (msg, fields) => log(`replication: ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`),
      warn: (msg, fields) => log(`replication WARN: ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`),
    },
  });
  await engine.start();
  const { crypto, peerId } = o;
  // One signal client and dialer per room: the current generation's, and (relays) earlier ones,
  // where a device that was offline through a rotation still finds a home (rotation.ts).
  const rooms = new Map<string, { keys: VaultKeys; signal: SignalClient; dialer: Dialer }>(); // by room id
  // Who is in which room (presence from the signal server). A peer present in the current room is
  // met there only; earlier rooms connect to those who are not (a device that has not moved yet).
  const present = new Map<string, Set<string>>();
  // Rooms in generation order, newest (current) first: who vouches for whom at the signal server.
  let order: VaultKeys[] = [o.keys, ...(o.extraRooms ?? [])];
  const vouches = new Map<string, Promise<{ room: string; sig: string }>>();
  const vouch = (by: VaultKeys, room: string) => {
    const k = `${by.roomId} ${room}`;
    let v = vouches.get(k);
    if (!v) vouches.set(k, (v = crypto.signRoomVouch(by.roomSecretKey, room)));
    return v;
  };
  /**
   * Enrolment on the signal server: the current room is vouched for by the previous generation's
   * (a rotation's new room joins its enrolled family) and carries the admin's code if there is
   * one; earlier rooms are vouched for by the current one (a family enrolled after rotations).
   */
  const enrolClaim = async (keys: VaultKeys): Promise<EnrolClaim> => {
    const isCurrent = keys.roomId === current;
    const by = isCurrent ? order[1] : order.find((k) => k.roomId === current);
    const claim: EnrolClaim = {};
    if (by && by.roomId !== keys.roomId) claim.vouch = await vouch(by, keys.roomId);
    const code = isCurrent ? o.enrolCode?.() : undefined;
    if (code) claim.enrol = code;
    return claim;
  };
  const open = (keys: VaultKeys) => {
    const signal = new SignalClient({
      url: o.signalUrl, room: keys.roomId, peer: peerId,
      signJoin: (nonce) => crypto.signJoin(keys.roomSecretKey, nonce, keys.roomId, peerId),
      enrolment: () => enrolClaim(keys),
    });
    signal.on('enrolment', (n) => o.onEnrolment?.(n, keys.roomId));
    const here = new Set<string>();
    present.set(keys.roomId, here);
    signal.on('joined', ({ peers }) => {
      here.clear();
      for (const p of peers) here.add(p);
    });
    signal.on('peer-joined', (p) => here.add(p));
    signal.on('peer-left', (p) => here.delete(p));
    signal.on('state', (st) => {
      if (st !== 'joined') here.clear();
    });
    const dialer = new Dialer({
      signal, selfId: peerId,
      seal: (to, payload) => crypto.sealSignal(keys.roomKey, peerId, to, payload),
      open: (from, data, to) => crypto.openSignal(keys.roomKey, from, to === null ? null : peerId, data),
      fallbackCrypto,
      onPeerStatus: (peer, status) => o.onPeerStatus?.(peer, status),
      ...(o.iceTransportPolicy ? { iceTransportPolicy: o.iceTransportPolicy } : {}),
      ...(o.iceTimeoutMs ? { iceTimeoutMs: o.iceTimeoutMs } : {}),
      onTransport: (remote, transport) => engine.connect(transport, { expectedPeer: remote as PeerId, handshakeKey: keys.handshakeKey }),
      allow: (peer) => keys.roomId === current || !present.get(current)?.has(peer),
      log,
    });
    signal.start();
    for (const fn of joinedListeners) signal.on('joined', fn);
    rooms.set(keys.roomId, { keys, signal, dialer });
  };
  const joinedListeners: Array<() => void> = [];
  const retired: Dialer[] = [];
  let current: string = o.keys.roomId;
  open(o.keys);
  const node: ReplicationNode = {
    engine, stores,
    get signal() { return rooms.get(current)!.signal; },
    get dialer() { return rooms.get(current)!.dialer; },
    get roomId() { return current; },
    rooms: () => [...rooms.keys()],
    setRooms(list: VaultKeys[]) {
      const want = new Set<string>(list.map((k) => k.roomId));
      for (const k of list) if (!rooms.has(k.roomId)) {
        log(`replication: joining room ${k.roomId.slice(0, 8)}…`);
        open(k);
      }
      current = list[0]!.roomId;
      order = list.slice();
      for (const [id, r] of rooms) if (!want.has(id)) {
        // Open sessions stay: over them the rotation reaches peers that have not moved yet.
        log(`replication: leaving room ${id.slice(0, 8)}… (open sessions stay until replaced)`);
        r.dialer.retire();
        r.signal.stop();
        rooms.delete(id);
        present.delete(id);
        retired.push(r.dialer);
      }
    },
    onJoined(fn: () => void) {
      joinedListeners.push(fn);
      for (const r of rooms.values()) r.signal.on('joined', fn);
    },
    stop: async () => {
      for (const d of retired) d.stop();
      for (const r of rooms.values()) {
        r.dialer.stop();
        r.signal.stop();
      }
      await engine.close();
    },
  };
  if (o.extraRooms?.length) node.setRooms([o.keys, ...o.extraRooms]);
  return node;
}

/**
 * Deletes key bundles a member replaced (a passphrase change), so an honest device or home keeps
 * no copy the old passphrase opens; the policy's wantObject refuses them from then on.
 */
export async function dropSupersededBundles(store: ObjectStore, superseded: Set<string>, log: (l: string) => void): Promise<void> {
  for (const h of superseded) {
    if (!(await store.has(h as ObjectHash))) continue;
    await store.delete(h as ObjectHash);
    log(`vault: deleted a key bundle its member replaced (${h.slice(0, 12)}…)`);
  }
}

/** Every stored op of one log (the vault log at start, before replication runs). */
export async function storedOps(stores: IdbReplicationStores, log?: string): Promise<OpEnvelope[]> {
  const ops: OpEnvelope[] = [];
  for (const [l, authors] of await stores.opVector()) {
    if (log !== undefined && l !== log) continue;
    for (const a of authors.keys()) ops.push(...(await stores.opsSince(l, a, 0, 1e9)));
  }
  return ops;
}
export const storedVaultLog = (stores: IdbReplicationStores) => storedOps(stores, VAULT_LOG);

/** The device key pair stored as base64url strings in settings. */
export const encodeKeyPair = (k: { secretKey: Uint8Array; publicKey: Uint8Array }) =>
  ({ secretKey: toBase64Url(k.secretKey), publicKey: toBase64Url(k.publicKey) });
export const decodeKeyPair = (k: { secretKey: string; publicKey: string }) =>
  ({ secretKey: fromBase64Url(k.secretKey), publicKey: fromBase64Url(k.publicKey) });

export type { ObjectHash };
