/**
 * The Dialer in a browser without RTCPeerConnection (WebKitGTK's Debian build): it goes to the
 * WebSocket fallback at once instead of waiting out the ICE timeout, and as the answering side
 * it tells the dialer at once that it cannot take a WebRTC offer. Signaling runs over a fake
 * in-memory server; the fallback's sealing is the real one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../core/emitter.ts';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../core/bytes.ts';
import { fallbackCrypto } from '../crypto/fallback-seal.ts';
import { Dialer } from './dialer.ts';
import type { PeerTransport } from './peer-transport.ts';
import type { SignalClient, SignalEvents } from './signal-client.ts';

/** One peer's connection to a fake signal server that forwards between the peers of `hub`. */
class FakeSignal extends Emitter<SignalEvents> {
  readonly sent: Array<{ to: string | undefined; msg: Record<string, unknown> }> = [];
  constructor(readonly id: string, private readonly hub: Map<string, FakeSignal>) {
    super();
    hub.set(id, this);
  }
  signal(data: string, to?: string): boolean {
    this.sent.push({ to, msg: JSON.parse(fromUtf8(fromBase64Url(data))) as Record<string, unknown> });
    const targets = to ? [this.hub.get(to)] : [...this.hub.values()].filter((p) => p !== this);
    queueMicrotask(() => targets.forEach((t) => t?.emit('signal', { from: this.id, data })));
    return true;
  }
  relay(to: string, data: string): boolean {
    queueMicrotask(() => this.hub.get(to)?.emit('relay', { from: this.id, data }));
    return true;
  }
  requestTurn(): Promise<never> {
    return Promise.reject(new Error('no TURN here'));
  }
}

const dialerOn = (signal: FakeSignal, onTransport: (peer: string, t: PeerTransport) => void) =>
  new Dialer({
    signal: signal as unknown as SignalClient,
    selfId: signal.id,
    // Sealing is the room key's job (tested elsewhere); here plain base64url.
    seal: (_to, payload) => Promise.resolve(toBase64Url(payload)),
    open: (_from, data) => Promise.resolve(fromBase64Url(data)),
    fallbackCrypto,
    onTransport,
    log: () => undefined,
    // iceTimeoutMs stays at its default (15 s): the test's 2 s would not see a timer-driven fallback.
  });

describe('Dialer without RTCPeerConnection', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('both sides reach the WebSocket fallback at once, not after the ICE timeout', async () => {
    vi.stubGlobal('RTCPeerConnection', undefined);
    const hub = new Map<string, FakeSignal>();
    const [sa, sb] = [new FakeSignal('a', hub), new FakeSignal('b', hub)];
    const links: string[] = [];
    const a = dialerOn(sa, (peer, t) => links.push(`a-${peer}:${t.kind}`));
    const b = dialerOn(sb, (peer, t) => links.push(`b-${peer}:${t.kind}`));
    const started = Date.now();
    sb.emit('joined', { peers: [] });
    sa.emit('joined', { peers: ['b'] });
    sb.emit('peer-joined', 'a');
    await vi.waitFor(() => expect(links.sort()).toEqual(['a-b:fallback', 'b-a:fallback']), { timeout: 2000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(a.connections()).toEqual([{ peer: 'b', kind: 'fallback' }]);
    // No WebRTC to upgrade to: no offer was ever sent.
    expect(sa.sent.filter((s) => s.msg.t === 'sdp')).toEqual([]);
    a.stop();
    b.stop();
  });

  it("the answering side refuses a WebRTC offer at once (ice-failed), once per offer", async () => {
    vi.stubGlobal('RTCPeerConnection', undefined);
    const hub = new Map<string, FakeSignal>();
    const sz = new FakeSignal('z', hub);
    new FakeSignal('b', hub); // the dialer ('b' < 'z'), a browser with WebRTC, played by the test
    const z = dialerOn(sz, () => undefined);
    const offer = (d: unknown) => sz.emit('signal', { from: 'b', data: toBase64Url(utf8(JSON.stringify({ t: 'sdp', s: 'sess-1', d }))) });
    offer({ type: 'offer', sdp: 'v=0' });
    offer({ candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } });
    await vi.waitFor(() => expect(sz.sent).toEqual([{ to: 'b', msg: { t: 'ice-failed', s: 'sess-1' } }]), { timeout: 1000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(sz.sent).toHaveLength(1);
    z.stop();
  });
});
