import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame, encodeBundle, encodeFrame } from '../frame-codec.ts';
import { FRAME_CODES } from '../frames.ts';
import { closeAll, makeNode, waitFor, type TestNode } from './harness.ts';
import { RawPeer } from './raw-peer.ts';
import { Rng } from './rng.ts';
import { sampleFrames } from './sample-frames.ts';

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
  vi.restoreAllMocks();
});

/** Alice's engine, what it reports as abuse, and Mallory's raw end of an open session with it. */
async function malloryOnAlice(): Promise<{ a: TestNode; abuse: string[]; raw: RawPeer }> {
  const a = makeNode('alice');
  nodes = [a];
  const abuse: string[] = [];
  a.engine.on('abuse', (e) => abuse.push(e.kind));
  const raw = new RawPeer(a, 'mallory');
  await raw.open(a);
  return { a, abuse, raw };
}

describe('bad input from a peer', () => {
  it('drops and counts malformed, unknown and unexpected frames; disconnects repeated abuse', async () => {
    const { a, abuse, raw } = await malloryOnAlice();
    raw.sendBytes(new Uint8Array([250, 1, 2]));                 // unknown type
    raw.sendBytes(new Uint8Array([FRAME_CODES['obj-want'], 1])); // truncated
    raw.send({ type: 'hello', protocol: 1, peerId: 'x-000000', role: 'member', deviceKey: new Uint8Array(32), nonce: new Uint8Array(32), credential: new Uint8Array(0) });
    await waitFor(() => abuse.length === 3, 'three incidents');
    expect(abuse).toEqual(['unknown-type', 'malformed', 'unexpected']);
    expect(raw.session.state).toBe('open');
    expect(a.lines.filter((l) => l.includes('dropped bad input'))).toHaveLength(3);
    for (let i = 0; i < 20; i++) raw.sendBytes(new Uint8Array([FRAME_CODES['obj-ack'], i]));
    await waitFor(() => raw.pair.b.closed, 'disconnected');
    expect(raw.got.at(-1)).toEqual({ type: 'bye', reason: 'abuse limit reached' });
    expect(raw.session.abuseMeter.counts.malformed).toBeGreaterThanOrEqual(17);
  });

  it('a bundle\'s frames are each handled and judged alone; a broken bundle is dropped whole and counted', async () => {
    const { abuse, raw } = await malloryOnAlice();
    const before = raw.got.length;
    // Two pings around a truncated want: both pings are answered, the want alone is malformed.
    raw.sendBytes(encodeBundle([encodeFrame({ type: 'ping', n: 41 }), new Uint8Array([FRAME_CODES['obj-want'], 1]), encodeFrame({ type: 'ping', n: 42 })]));
    await waitFor(() => raw.got.filter((f) => f.type === 'pong').length >= 2, 'both pongs');
    expect(raw.got.slice(before).filter((f) => f.type === 'pong').map((f) => f.type === 'pong' && f.n)).toEqual([41, 42]);
    expect(abuse).toEqual(['malformed']);
    // A bundle cut inside its second frame: nothing of it is handled.
    const cut = encodeBundle([encodeFrame({ type: 'ping', n: 43 }), encodeFrame({ type: 'ping', n: 44 })]);
    raw.sendBytes(cut.subarray(0, cut.length - 1));
    await waitFor(() => abuse.length === 2, 'the cut bundle counted');
    expect(abuse[1]).toBe('malformed');
    await new Promise((r) => setTimeout(r, 50));
    expect(raw.got.some((f) => f.type === 'pong' && f.n === 43)).toBe(false);
    expect(raw.session.state).toBe('open');
  });

  it('fuzz: thousands of random and mutated frames on an open session never throw out, and each undecodable one is counted', async () => {
    const errors = vi.spyOn(console, 'error');
    const a = makeNode('alice', { config: { abuse: { limit: 1e9, decayPerMinute: 0 } } });
    nodes = [a];
    await a.objects.put(('ab'.repeat(32)) as never, new Uint8Array([1, 2, 3]));
    const raw = new RawPeer(a, 'fuzzer');
    await raw.open(a);
    const fz = new Rng(7);
    // Frames that end the session on purpose are left out: the point is to keep it under fire.
    const valid = sampleFrames().filter((f) => !['bye', 'hello', 'auth', 'accept', 'refuse'].includes(f.type)).map(encodeFrame);
    let undecodable = 0;
    for (let i = 0; i < 5_000; i++) {
      let input: Uint8Array = fz.pick(valid).slice();
      const mode = fz.int(3);
      if (mode === 0) input = fz.bytes(1 + fz.int(200));
      else if (mode === 1) for (let k = 0; k < 1 + fz.int(3); k++) input[fz.int(input.length)] = fz.int(256);
      else input = input.subarray(0, 1 + fz.int(input.length - 1));
      const d = decodeFrame(input);
      if (!d.ok) undecodable++;
      else if (['bye', 'refuse'].includes(d.frame.type)) continue; // a mutation can turn into a polite goodbye
      raw.sendBytes(input);
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor(() => raw.session.received.frames >= 5_000 - 200, 'frames received', 30_000);
    await new Promise((r) => setTimeout(r, 100));
    const c = raw.session.abuseMeter.counts;
    const decodeCounted = (c.empty ?? 0) + (c.oversized ?? 0) + (c['unknown-type'] ?? 0) + (c.malformed ?? 0);
    expect(decodeCounted).toBe(undecodable);
    expect(raw.session.abuseMeter.total).toBeGreaterThanOrEqual(undecodable);
    expect(raw.session.state).toBe('open');
    expect(errors).not.toHaveBeenCalled();
    expect(a.lines.some((l) => l.includes('handling a frame failed'))).toBe(false);
  });
});
