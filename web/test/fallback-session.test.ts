/**
 * The WebSocket fallback as the signal server sees it: every frame passes through the server,
 * which may replay, reorder, drop or splice in frames of another session. Two real
 * FallbackTransports with their per-session keys, and a router in between that does what a
 * hostile server can do.
 */
import { describe, expect, it } from 'vitest';
import { fallbackCrypto } from '../src/crypto/fallback-seal.ts';
import { FallbackTransport } from '../src/transport/fallback-transport.ts';

interface Wire {
  /** Frames a→b as the server got them, in order. */
  seen: string[];
  /** What the server does with each frame a→b: deliver it (default) or not. */
  deliver: (data: string, i: number) => boolean;
}

async function session(opts: { ids?: [string, string] } = {}) {
  const [ds, rs] = opts.ids ?? [`d${Math.random()}`, `r${Math.random()}`];
  const dShare = fallbackCrypto.newShare();
  const rShare = fallbackCrypto.newShare();
  const base = { dialerSession: ds, dialerShare: dShare, responderSession: rs, responderShare: rShare };
  const [ca, cb] = await Promise.all([fallbackCrypto.session({ dialer: true, ...base }), fallbackCrypto.session({ dialer: false, ...base })]);
  const wire: Wire = { seen: [], deliver: () => true };
  // eslint-disable-next-line prefer-const
  let b: FallbackTransport;
  const a = new FallbackTransport({
    send: (data) => {
      const i = wire.seen.push(data) - 1;
      if (wire.deliver(data, i)) b.receive(data);
      return true;
    },
    closed: () => undefined,
  }, { localSession: ds, remoteSession: rs, cipher: ca, bytesPerSec: 1e9 });
  b = new FallbackTransport({ send: (data) => (a.receive(data), true), closed: () => undefined }, { localSession: rs, remoteSession: ds, cipher: cb, bytesPerSec: 1e9 });
  const got: number[] = [];
  b.onMessage((f) => got.push(f[0]!));
  let closedWith = '';
  b.onClose(({ reason }) => (closedWith = reason));
  return { a, b, wire, got, closed: () => closedWith };
}

const settle = () => new Promise((r) => setTimeout(r, 30));
const frame = (n: number) => new Uint8Array([n, 1, 2, 3]);

describe('fallback frames are bound to their session and numbered', () => {
  it('delivers in order, both directions', async () => {
    const s = await session();
    for (let i = 0; i < 5; i++) s.a.send(frame(i));
    const back: number[] = [];
    s.a.onMessage((f) => back.push(f[0]!));
    s.b.send(frame(9));
    await settle();
    expect(s.got).toEqual([0, 1, 2, 3, 4]);
    expect(back).toEqual([9]);
  });

  it('a replayed frame is dropped and the link goes on', async () => {
    const s = await session();
    s.a.send(frame(0));
    s.a.send(frame(1));
    await settle();
    s.b.receive(s.wire.seen[0]!); // the server sends frame #0 again
    s.b.receive(s.wire.seen[1]!);
    s.a.send(frame(2));
    await settle();
    expect(s.got).toEqual([0, 1, 2]);
    expect(s.b.refused.replay).toBe(2);
    expect(s.b.closed).toBe(false);
  });

  it('a dropped frame (a gap) closes the link instead of running on with a hole', async () => {
    const s = await session();
    s.wire.deliver = (_d, i) => i !== 1;
    for (let i = 0; i < 4; i++) s.a.send(frame(i));
    await settle();
    expect(s.got).toEqual([0]);
    expect(s.b.closed).toBe(true);
    expect(s.closed()).toMatch(/lost or reordered \(got #2, expected #1\)/);
  });

  it('reordered frames close the link; nothing is delivered out of order', async () => {
    const s = await session();
    s.wire.deliver = () => false;
    for (let i = 0; i < 3; i++) s.a.send(frame(i));
    await settle();
    s.b.receive(s.wire.seen[0]!);
    s.b.receive(s.wire.seen[2]!);
    s.b.receive(s.wire.seen[1]!);
    await settle();
    expect(s.got).toEqual([0]);
    expect(s.b.closed).toBe(true);
  });

  it("a frame of another session (same peers, an earlier fallback) or of the other direction does not open", async () => {
    const old = await session({ ids: ['dX', 'rX'] });
    old.a.send(frame(7));
    await settle();
    const s = await session({ ids: ['dX', 'rX'] }); // even with the same session ids: new shares, new keys
    s.b.receive(old.wire.seen[0]!);
    await settle();
    expect(s.got).toEqual([]);
    expect(s.b.refused.forged).toBe(1);
    // Reflection: a side's own frame sent back to it does not open (one key per direction).
    const bToA: string[] = [];
    const probe = new FallbackTransport({ send: (d) => (bToA.push(d), true), closed: () => undefined }, {
      localSession: 'p', remoteSession: 'q', cipher: await fallbackCrypto.session({ dialer: false, dialerSession: 'q', dialerShare: fallbackCrypto.newShare(), responderSession: 'p', responderShare: fallbackCrypto.newShare() }), bytesPerSec: 1e9,
    });
    const probeGot: number[] = [];
    probe.onMessage((f) => probeGot.push(f[0]!));
    probe.send(frame(5));
    await settle();
    probe.receive(bToA[0]!);
    await settle();
    expect(probeGot).toEqual([]);
    expect(probe.refused.forged).toBe(1);
    expect(s.b.closed).toBe(false);
  });

  it('an altered frame is dropped; the server cannot make the link deliver anything it did not get from the peer', async () => {
    const s = await session();
    s.wire.deliver = () => false;
    s.a.send(frame(0));
    await settle();
    const d = s.wire.seen[0]!;
    const altered = d.slice(0, -3) + (d.at(-3) === 'A' ? 'B' : 'A') + d.slice(-2);
    s.b.receive(altered);
    s.b.receive('not base64 !!');
    s.b.receive(d);
    await settle();
    expect(s.got).toEqual([0]);
    expect(s.b.refused.forged).toBe(2);
  });
});
