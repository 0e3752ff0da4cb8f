/**
 * Runs the PeerTransport acceptance suite against the real stack in Chromium: two dialers (each
 * with its own signal client) meet through the real signal server, seal their signaling with the
 * room key, and connect by WebRTC (direct or TURN) or the WebSocket fallback.
 */
import { fromHex } from '../../web/src/core/bytes.ts';
import { deriveVaultKeys, newVaultSecret, signJoin } from '../../web/src/crypto/vault-keys.ts';
import { openSignal, sealSignal } from '../../web/src/crypto/signal-seal.ts';
import { fallbackCrypto } from '../../web/src/crypto/fallback-seal.ts';
import { Dialer, type DialerOptions } from '../../web/src/transport/dialer.ts';
import { SignalClient } from '../../web/src/transport/signal-client.ts';
import { runTransportTests } from '../../web/src/transport/peer-transport.acceptance.ts';
import type { PeerTransport, TransportPair } from '../../web/src/transport/peer-transport.ts';
import type { PeerId } from '../../web/src/core/ids.ts';
import { directApi } from '../../web/src/crypto/api.ts';
import { ReplicationEngine } from '../../web/src/replication/engine.ts';
import { MemoryAckStore, MemoryJobStore, MemoryKeyValueStore, MemoryObjectStore, MemoryOpStore } from '../../web/src/replication/memory-ports.ts';
import { replicationCrypto } from '../../web/src/vault/replication-node.ts';

interface PairOptions {
  url: string;
  iceTransportPolicy: RTCIceTransportPolicy;
  /** Makes ICE impossible (no candidates) so the dialer must fall back to the WebSocket. */
  blockIce?: boolean;
  iceTimeoutMs?: number;
  /** The same room and peer ids as an earlier pair (to replay its signals). */
  secret?: Uint8Array;
  ids?: [string, string];
  /** Sees every sealed signal each side receives (index 0 = the dialer). */
  tap?: (side: number, from: string, data: string) => void;
}

let counter = 0;
const log: string[] = [];

async function makePair(o: PairOptions): Promise<TransportPair & { clients: SignalClient[]; keys: ReturnType<typeof deriveVaultKeys>; ids: string[] }> {
  const keys = deriveVaultKeys(o.secret ?? newVaultSecret());
  const n = ++counter;
  const ids = o.ids ?? [`peerA${n}xxxxxx`, `peerB${n}xxxxxx`];
  const clients: SignalClient[] = [];
  const dialers: Dialer[] = [];
  const got = ids.map(() => {
    let resolve!: (t: PeerTransport) => void;
    return { promise: new Promise<PeerTransport>((r) => (resolve = r)), resolve: (t: PeerTransport) => resolve(t) };
  });
  ids.forEach((id, i) => {
    const signal = new SignalClient({ url: o.url, room: keys.roomId, peer: id, signJoin: (nonce) => signJoin(keys.roomSecretKey, nonce, keys.roomId, id) });
    const opts: DialerOptions = {
      signal, selfId: id,
      seal: (to, payload) => sealSignal(keys.roomKey, id, to, payload),
      open: (from, data) => openSignal(keys.roomKey, from, id, data),
      fallbackCrypto,
      iceTransportPolicy: o.iceTransportPolicy,
      iceTimeoutMs: o.iceTimeoutMs ?? 15_000,
      onTransport: (_peer, t) => got[i]!.resolve(t),
      log: (l) => log.push(`${id}: ${l}`),
      // With relay-only policy and no TURN servers, ICE has no candidate at all.
      ...(o.blockIce ? { extraIceServers: [] } : {}),
    };
    dialers.push(new Dialer(opts));
    if (o.tap) signal.on('signal', ({ from, data }) => o.tap!(i, from, data));
    clients.push(signal);
    signal.start();
  });
  const [a, b] = await Promise.all(got.map((g) => g.promise));
  return {
    a: a!, b: b!, clients, keys, ids,
    dispose: async () => {
      dialers.forEach((d) => d.stop());
      clients.forEach((c) => c.stop());
    },
  };
}

type CaseResult = { name: string; ok: boolean; error?: string; kind?: string; fingerprintSource?: string };

async function run(o: PairOptions & { only?: string }): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let kind: string | undefined;
  let fingerprintSource: string | undefined;
  const cases = runTransportTests(async () => {
    const p = await makePair(o);
    kind = p.a.kind;
    fingerprintSource = (p.a as { fingerprintSource?: string }).fingerprintSource;
    return p;
  });
  for (const c of cases) {
    if (o.only && !c.name.includes(o.only)) continue;
    try {
      await c.run();
      results.push({ name: c.name, ok: true, kind, fingerprintSource });
    } catch (e) {
      results.push({ name: c.name, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), kind, fingerprintSource });
    }
  }
  return results;
}

/** Resolves after `ms`, or when `done()` turns true (checked every 50 ms). */
async function until(done: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50));
}

/**
 * A family member's replication node on its own page: joins the room of `secretHex` as
 * `selfId` through `url`, and runs a real ReplicationEngine over whatever transport the dialer
 * makes. `holds` objects of random bytes are put in its store first. Returns what it saw after
 * `waitMs` (or as soon as it refused a peer or received `expect` objects).
 */
async function member(o: { url: string; secretHex: string; selfId: string; holds: number; expect: number; waitMs: number }) {
  const keys = deriveVaultKeys(fromHex(o.secretHex));
  const id = o.selfId;
  const signal = new SignalClient({ url: o.url, room: keys.roomId, peer: id, signJoin: (nonce) => signJoin(keys.roomSecretKey, nonce, keys.roomId, id) });
  const device = await directApi.newSigningKey();
  const objects = new MemoryObjectStore();
  const engine = new ReplicationEngine({
    local: { peerId: id as PeerId, role: 'member', deviceKey: device.publicKey },
    handshakeKey: keys.handshakeKey,
    crypto: replicationCrypto(directApi, device),
    objects, ops: new MemoryOpStore(), jobs: new MemoryJobStore(), acks: new MemoryAckStore(), kv: new MemoryKeyValueStore(),
    policy: { authorizePeer: () => 'ok', isAuthorAllowed: () => true, wantObject: () => true },
  });
  await engine.start();
  for (let i = 0; i < o.holds; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(32 * 1024));
    await objects.put(await directApi.hashObject(bytes), bytes);
  }
  engine.objectsChanged();
  const refusals: Array<{ by: string; reason: string }> = [];
  const received: string[] = [];
  engine.on('peer-refused', (r) => refusals.push({ by: r.by, reason: r.reason }));
  engine.on('object', ({ hash }) => received.push(hash));
  const transports: Array<{ kind: string; fingerprintSource?: string; remoteFingerprint: string; localFingerprint: string }> = [];
  const dialer = new Dialer({
    signal, selfId: id,
    seal: (to, payload) => sealSignal(keys.roomKey, id, to, payload),
    open: (from, data) => openSignal(keys.roomKey, from, id, data),
    fallbackCrypto,
    iceTransportPolicy: 'all',
    onTransport: (_peer, t) => {
      transports.push({ kind: t.kind, fingerprintSource: (t as { fingerprintSource?: string }).fingerprintSource, remoteFingerprint: t.remoteFingerprint, localFingerprint: t.localFingerprint });
      engine.connect(t);
    },
    log: (l) => log.push(`${id}: ${l}`),
  });
  signal.start();
  await until(() => refusals.length > 0 || received.length >= o.expect && o.expect > 0, o.waitMs);
  await new Promise((r) => setTimeout(r, 500)); // what would still arrive after a refusal
  const result = { refusals, received: received.length, stored: (await objects.inventorySince(0, 1000)).length, transports, log: log.filter((l) => l.startsWith(id)) };
  await engine.close();
  dialer.stop();
  signal.stop();
  return result;
}

/**
 * The man in the middle, in a browser of its own with the vault secret: a signal server in
 * league with it routes member A's signaling to its connection `?as=B` and B's to `?as=A`. It
 * runs two dialers (one posing as B toward A, one posing as A toward B), so it terminates both
 * peer connections with its own DTLS certificates, and relays every data-channel frame between
 * them unchanged. Returns the links it made and what it relayed.
 */
async function middle(o: { url: string; secretHex: string; ids: [string, string]; waitMs: number }) {
  const keys = deriveVaultKeys(fromHex(o.secretHex));
  const links: Array<PeerTransport | undefined> = [undefined, undefined];
  const pending: Uint8Array[][] = [[], []];
  const relayed = [0, 0];
  const history: string[][] = [[], []];
  const stops: Array<() => void> = [];
  // Link 0 poses as B toward A (reaches A); link 1 poses as A toward B (reaches B).
  [[o.ids[1], 'B'], [o.ids[0], 'A']].forEach(([id, as], i) => {
    const signal = new SignalClient({ url: `${o.url}?as=${as}`, room: keys.roomId, peer: id!, signJoin: (nonce) => signJoin(keys.roomSecretKey, nonce, keys.roomId, id!) });
    const dialer = new Dialer({
      signal, selfId: id!,
      seal: (to, payload) => sealSignal(keys.roomKey, id!, to, payload),
      open: (from, data) => openSignal(keys.roomKey, from, id!, data),
      fallbackCrypto,
      iceTransportPolicy: 'all',
      onTransport: (_peer, t) => {
        links[i] = t;
        history[i]!.push(t.localFingerprint);
        t.onMessage((f) => {
          relayed[i]! += f.length;
          const other = links[1 - i];
          if (other && !other.closed) other.send(f);
          else pending[1 - i]!.push(f);
        });
        for (const f of pending[i]!.splice(0)) t.send(f);
      },
      log: (l) => log.push(`mitm as ${id}: ${l}`),
    });
    signal.start();
    stops.push(() => { dialer.stop(); signal.stop(); });
  });
  await new Promise((r) => setTimeout(r, o.waitMs));
  const result = {
    links: links.map((t) => t && { kind: t.kind, localFingerprint: t.localFingerprint, remoteFingerprint: t.remoteFingerprint }),
    relayedFromA: relayed[0], relayedFromB: relayed[1],
    /** This side's certificate fingerprint on every link it made, toward A and toward B. */
    certificates: history,
  };
  stops.forEach((s) => s());
  return result;
}

/**
 * The signal server replays the 'fb open' of an earlier fallback session (same room, same
 * peers) into the responder while a WebRTC link is open, and an ack-ed open into the responder
 * that answered it: neither may replace a working link (a downgrade), and both must be ignored.
 */
async function replayOpen(o: { fallbackUrl: string; webrtcUrl: string }) {
  const secret = newVaultSecret();
  const ids: [string, string] = [`peerA${++counter}replay`, `peerB${counter}replay`];
  const toB: string[] = [];
  // 1. A fallback session (no TURN, relay-only: ICE cannot connect); record what B received.
  const first = await makePair({ url: o.fallbackUrl, iceTransportPolicy: 'relay', iceTimeoutMs: 1500, secret, ids, tap: (side, _from, data) => side === 1 && toB.push(data) });
  if (first.a.kind !== 'fallback') throw new Error(`expected a fallback link, got ${first.a.kind}`);
  let open: string | undefined;
  for (const d of toB) {
    const msg = JSON.parse(new TextDecoder().decode(await openSignal(first.keys.roomKey, ids[0], ids[1], d))) as { t: string; phase?: string };
    if (msg.t === 'fb' && msg.phase === 'open') open = d;
  }
  if (!open) throw new Error('no fallback open was seen');
  // The same open again into the responder that answered it, while its fallback link works.
  first.clients[1]!.emit('signal', { from: ids[0], data: open });
  await new Promise((r) => setTimeout(r, 1000));
  const fallbackSurvived = !first.b.closed && !first.a.closed;
  await first.dispose();
  // 2. The same two peers, now on a working direct WebRTC link; the old open is replayed.
  const second = await makePair({ url: o.webrtcUrl, iceTransportPolicy: 'all', secret, ids });
  const kindBefore = second.b.kind;
  second.clients[1]!.emit('signal', { from: ids[0], data: open });
  await new Promise((r) => setTimeout(r, 1500));
  const got = new Promise<number>((r) => second.b.onMessage((f) => r(f.length)));
  if (!second.a.closed) second.a.send(new Uint8Array(1000));
  const delivered = await Promise.race([got, new Promise<number>((r) => setTimeout(() => r(-1), 3000))]);
  const result = { fallbackSurvived, kindBefore, webrtcClosed: second.b.closed || second.a.closed, delivered, log: log.filter((l) => l.includes('replay') || l.includes('ignored')) };
  await second.dispose();
  return result;
}

/**
 * One side of a pair, for pages in two different browsers (Chromium and Firefox): joins the room
 * of `secretHex` as `selfId`, waits for a transport to the other side, and sends and receives one
 * frame over it. Errors come back as `{ok: false}` (Firefox returns a rejection as an opaque error).
 */
async function side(o: { url: string; secretHex: string; selfId: string; iceTransportPolicy?: RTCIceTransportPolicy; timeoutMs: number }) {
  const t0 = Date.now();
  const lines: string[] = [];
  try {
    const keys = deriveVaultKeys(fromHex(o.secretHex));
    const id = o.selfId;
    const signal = new SignalClient({ url: o.url, room: keys.roomId, peer: id, signJoin: (nonce) => signJoin(keys.roomSecretKey, nonce, keys.roomId, id) });
    let got!: (t: PeerTransport) => void;
    const transport = new Promise<PeerTransport>((r) => (got = r));
    const dialer = new Dialer({
      signal, selfId: id,
      seal: (to, payload) => sealSignal(keys.roomKey, id, to, payload),
      open: (from, data) => openSignal(keys.roomKey, from, id, data),
      fallbackCrypto,
      iceTransportPolicy: o.iceTransportPolicy ?? 'all',
      onTransport: (_peer, t) => got(t),
      log: (l) => lines.push(`${Date.now() - t0} ms ${l}`),
    });
    signal.start();
    const timeout = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`no transport in ${o.timeoutMs} ms`)), o.timeoutMs));
    const t = await Promise.race([transport, timeout]);
    const ms = Date.now() - t0;
    const heard = new Promise<string>((r) => t.onMessage((f) => r(new TextDecoder().decode(f))));
    t.send(new TextEncoder().encode(`hello from ${id}`));
    const message = await Promise.race([heard, timeout]);
    await new Promise((r) => setTimeout(r, 500)); // let the other side's frame leave before we go
    dialer.stop();
    signal.stop();
    return { ok: true, kind: t.kind, ms, message, log: lines };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e), ms: Date.now() - t0, log: lines };
  }
}

Object.assign(window, { fvTransport: { run, member, middle, side, replayOpen, log, fromHex } });
