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

async function run(o: PairOptions & { only?: string }): Promise<Array<{ name: string; ok: boolean; error?: string; kind?: string }>> {
  const results: Array<{ name: string; ok: boolean; error?: string; kind?: string }> = [];
  let kind: string | undefined;
  const cases = runTransportTests(async () => {
    const p = await makePair(o);
    kind = p.a.kind;
    return p;
  });
  for (const c of cases) {
    if (o.only && !c.name.includes(o.only)) continue;
    try {
      await c.run();
      results.push({ name: c.name, ok: true, kind });
    } catch (e) {
      results.push({ name: c.name, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), kind });
    }
  }
  return results;
}

/**
 * A DTLS man-in-the-middle, as each side would see it: the data channel works, but the remote
 * certificate fingerprint is the attacker's, not the peer's. Both replication engines must
 * refuse the handshake ('fingerprint-mismatch') and exchange nothing.
 */
async function mitm(o: PairOptions): Promise<Array<{ by: string; reason: string }>> {
  const pair = await makePair(o);
  const forged = 'sha-256 ' + Array.from({ length: 32 }, () => 'AB').join(':');
  const b = new Proxy(pair.b, {
    get: (t, k) => {
      if (k === 'remoteFingerprint') return forged;
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v; // private fields need the real `this`
    },
  }) as PeerTransport;
  const vaultKeys = deriveVaultKeys(newVaultSecret());
  const refusals: Array<{ by: string; reason: string }> = [];
  const engines = await Promise.all(['mitmA0000000000', 'mitmB0000000000'].map(async (peerId) => {
    const device = await directApi.newSigningKey();
    const engine = new ReplicationEngine({
      local: { peerId: peerId as PeerId, role: 'member', deviceKey: device.publicKey },
      handshakeKey: vaultKeys.handshakeKey,
      crypto: replicationCrypto(directApi, device),
      objects: new MemoryObjectStore(), ops: new MemoryOpStore(), jobs: new MemoryJobStore(), acks: new MemoryAckStore(), kv: new MemoryKeyValueStore(),
      policy: { authorizePeer: () => 'ok', isAuthorAllowed: () => true, wantObject: () => true },
    });
    await engine.start();
    engine.on('peer-refused', (r) => refusals.push({ by: `${peerId}:${r.by}`, reason: r.reason }));
    return engine;
  }));
  engines[0]!.connect(pair.a);
  engines[1]!.connect(b);
  const t0 = Date.now();
  while (refusals.length < 2 && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 50));
  await Promise.all(engines.map((e) => e.close()));
  await pair.dispose();
  return refusals;
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

Object.assign(window, { fvTransport: { run, mitm, side, replayOpen, log, fromHex } });
