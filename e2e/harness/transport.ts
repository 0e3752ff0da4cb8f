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

Object.assign(window, { fvTransport: { run, log, fromHex } });
