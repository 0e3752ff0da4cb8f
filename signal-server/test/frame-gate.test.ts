/**
 * Frames are refused by size and type before JSON.parse sees them (frame-gate.ts), and the rate
 * limit counts bytes as well as messages.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Limits } from '../src/limits.ts';
import { SMALL_FRAME, screenFrame } from '../src/frame-gate.ts';
import { connect, joined, makeRoom, sleep, startTestServer, type TestClient, type TestServer } from './support/client.ts';

let servers: TestServer[] = [];
let clients: TestClient[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of clients) c.ws.terminate();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});
async function serverWith(limits: Partial<Limits>): Promise<TestServer> {
  const s = await startTestServer({ limits });
  servers.push(s);
  return s;
}
const track = <T extends TestClient>(c: T): T => (clients.push(c), c);

/** Counts JSON.parse calls on strings longer than SMALL_FRAME (the server runs in this process). */
function countLargeParses(): { count: number } {
  const seen = { count: 0 };
  const parse = JSON.parse.bind(JSON);
  vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (typeof text === 'string' && text.length > SMALL_FRAME) seen.count++;
    return parse(text, reviver) as unknown;
  });
  return seen;
}

const heavyPing = (n: number) => JSON.stringify({ type: 'ping', pad: 'x'.repeat(n) });

describe('frame gate', () => {
  const limits = { maxSignalData: 1000, maxFrame: 400 * 1024 };

  it('decides by size and prefix', () => {
    expect(screenFrame('{"type":"ping"}', 15, false, limits)).toBe('parse');
    expect(screenFrame(heavyPing(600), 620, false, limits)).toBe('too-large-before-join');
    expect(screenFrame(heavyPing(600), 620, true, limits)).toBe('too-large');
    expect(screenFrame('{"type":"signal","to":"p","data":"', 1400, true, limits)).toBe('parse');
    expect(screenFrame('{"type":"signal","to":"p","data":"', 1600, true, limits)).toBe('too-large');
    expect(screenFrame('{"type":"relay","to":"p","data":"', 300_000, true, limits)).toBe('parse');
    expect(screenFrame('{"to":"p","type":"relay","data":"', 300_000, true, limits)).toBe('too-large');
    expect(screenFrame('{"type":"relayx","to":"p","data":"', 300_000, true, limits)).toBe('too-large');
  });

  it('a heavy ping before join closes the connection 1009 too-large, unparsed', async () => {
    const s = await serverWith({});
    const parses = countLargeParses();
    const c = track(await connect(s));
    c.send(heavyPing(300_000));
    expect(await c.closedWithin()).toEqual({ code: 1009, reason: 'too-large' });
    expect(parses.count).toBe(0);
    expect(s.metrics().refusals['too-large']).toBe(1);
  });

  it('heavy pings after join are answered too-large, never parsed, and end in 4000', async () => {
    const s = await serverWith({ maxBadMessages: 5 });
    const parses = countLargeParses();
    const c = track(await joined(s, makeRoom()));
    c.send(heavyPing(300_000));
    expect((await c.next('error')).code).toBe('too-large');
    expect(c.received.some((m) => m.type === 'pong')).toBe(false);
    c.send({ type: 'ping' });
    await c.next('pong'); // small pings still work
    for (let i = 0; i < 4; i++) c.send(heavyPing(300_000));
    expect(await c.closedWithin()).toEqual({ code: 4000, reason: 'bad-input' });
    expect(parses.count).toBe(0);
  });

  it('a signal frame far over max-signal-data is refused unparsed; one just over is still parsed and answered', async () => {
    const s = await serverWith({ maxSignalData: 1000 });
    const room = makeRoom();
    const a = track(await joined(s, room));
    const b = track(await joined(s, room));
    const parses = countLargeParses();
    a.send({ type: 'signal', to: b.peer, data: 'has "quotes" so the fast path declines'.repeat(2000) });
    expect((await a.next('error')).code).toBe('too-large');
    expect(parses.count).toBe(0);
    a.send({ type: 'signal', to: b.peer, data: 'y'.repeat(1000) });
    expect((await b.next('signal')).data).toHaveLength(1000);
  });

  it('relay frames in the canonical shape still pass at full size', async () => {
    const s = await serverWith({});
    const room = makeRoom();
    const a = track(await joined(s, room));
    const b = track(await joined(s, room));
    a.send({ type: 'relay', to: b.peer, data: 'r'.repeat(350_000) });
    expect((await b.next('relay')).data).toHaveLength(350_000);
  });
});

describe('byte rate limit', () => {
  it('closes 4004 byte-rate-limit once frames exceed 2 s of max-bytes-per-sec, however few they are', async () => {
    const s = await serverWith({ maxBytesPerSec: 20_000, maxFrame: 8192, maxSignalData: 8000 });
    const room = makeRoom();
    const a = track(await joined(s, room));
    const b = track(await joined(s, room));
    const frame = { type: 'signal', to: b.peer, data: 's'.repeat(4900) }; // ~5,000 bytes
    for (let i = 0; i < 7; i++) a.send(frame); // ~35,000 ≤ burst 40,000
    for (let i = 0; i < 7; i++) await b.next('signal');
    expect(a.isOpen).toBe(true);
    for (let i = 0; i < 3; i++) a.send(frame);
    expect(await a.closedWithin()).toEqual({ code: 4004, reason: 'byte-rate-limit' });
    expect(s.metrics().refusals['byte-rate-limit']).toBe(1);
    await sleep(10);
  });
});
