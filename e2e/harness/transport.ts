/**
 * Runs the PeerTransport acceptance suite against the real stack in Chromium: two dialers (each
 * with its own signal client) meet through the real signal server, seal their signaling with the
 * room key, and connect by WebRTC (direct or TURN) or the WebSocket fallback.
 */
import { fromHex } from '../../web/src/core/bytes.ts';
import { deriveVaultKeys, newVaultSecret, signJoin } from '../../web/src/crypto/vault-keys.ts';
import { openSignal, sealSignal } from '../../web/src/crypto/signal-seal.ts';
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
}

let counter = 0;
const log: string[] = [];

async function makePair(o: PairOptions): Promise<TransportPair> {
  const keys = deriveVaultKeys(newVaultSecret());
  const n = ++counter;
  const ids = [`peerA${n}xxxxxx`, `peerB${n}xxxxxx`];
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
      iceTransportPolicy: o.iceTransportPolicy,
      iceTimeoutMs: o.iceTimeoutMs ?? 15_000,
      onTransport: (_peer, t) => got[i]!.resolve(t),
      log: (l) => log.push(`${id}: ${l}`),
      // With relay-only policy and no TURN servers, ICE has no candidate at all.
      ...(o.blockIce ? { extraIceServers: [] } : {}),
    };
    dialers.push(new Dialer(opts));
    clients.push(signal);
    signal.start();
  });
  const [a, b] = await Promise.all(got.map((g) => g.promise));
  return {
    a: a!, b: b!,
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

Object.assign(window, { fvTransport: { run, mitm, log, fromHex } });
