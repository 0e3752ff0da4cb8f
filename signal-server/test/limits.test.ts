/**
 * Every limit, against a real server configured small: each closes with its code and reason
 * and writes exactly one `refuse` log line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Limits } from '../src/limits.ts';
import { connect, joined, makePeerId, makeRoom, signJoin, sleep, startTestServer, type TestClient, type TestServer } from './support/client.ts';

let servers: TestServer[] = [];
let clients: TestClient[] = [];
afterEach(async () => {
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

/** Exactly one refuse line with this reason (and code) was logged. */
function expectOneRefusal(s: TestServer, reason: string, code: number): void {
  const lines = s.logs.filter((l) => l.includes(' refuse ') && l.includes(`reason=${reason}`));
  expect(lines, s.logs.join('\n')).toHaveLength(1);
  expect(lines[0]).toContain(`code=${code}`);
  expect(s.metrics().refusals[reason]).toBe(1);
}

describe('limits', () => {
  it('max frame: uWS drops an oversized frame (client sees 1006), logged as 1009 too-large', async () => {
    const s = await serverWith({ maxFrame: 4096 });
    const c = track(await joined(s, makeRoom()));
    c.send({ type: 'signal', data: 'x'.repeat(3000) }); // fits: broadcast to nobody
    c.send({ type: 'signal', data: 'x'.repeat(5000) });
    expect((await c.closedWithin()).code).toBe(1006);
    await sleep(20);
    expectOneRefusal(s, 'too-large', 1009);
  });

  it('oversized data field inside an allowed frame: error too-large, connection stays', async () => {
    const s = await serverWith({ maxSignalData: 1000 });
    const room = makeRoom();
    const a = track(await joined(s, room));
    const b = track(await joined(s, room));
    a.send({ type: 'signal', to: b.peer, data: 'x'.repeat(1001) });
    expect((await a.next('error')).code).toBe('too-large');
    expect(await b.none('signal')).toBe(true);
    a.send({ type: 'signal', to: b.peer, data: 'x'.repeat(1000) });
    expect((await b.next('signal')).data).toHaveLength(1000);
  });

  it('message rate: a burst over 2 s worth closes 4004 rate-limit', async () => {
    const s = await serverWith({ maxMsgsPerSec: 10 });
    const c = track(await connect(s));
    for (let i = 0; i < 19; i++) c.send({ type: 'ping' }); // within the burst of 20
    for (let i = 0; i < 19; i++) await c.next('pong');
    expect(c.isOpen).toBe(true);
    await sleep(300); // refills 3 tokens
    for (let i = 0; i < 3; i++) c.send({ type: 'ping' });
    for (let i = 0; i < 3; i++) await c.next('pong');
    for (let i = 0; i < 10; i++) c.send({ type: 'ping' });
    expect(await c.closedWithin()).toEqual({ code: 4004, reason: 'rate-limit' });
    expectOneRefusal(s, 'rate-limit', 4004);
  });

  it('relay byte rate: closes 4004 relay-rate-limit', async () => {
    const s = await serverWith({ maxRelayBytesPerSec: 10_000, maxFrame: 8192 });
    const room = makeRoom();
    const a = track(await joined(s, room));
    const b = track(await joined(s, room));
    for (let i = 0; i < 6; i++) a.send({ type: 'relay', to: b.peer, data: 'r'.repeat(3000) }); // 18,000 ≤ burst 20,000
    for (let i = 0; i < 6; i++) await b.next('relay');
    a.send({ type: 'relay', to: b.peer, data: 'r'.repeat(3000) });
    expect(await a.closedWithin()).toEqual({ code: 4004, reason: 'relay-rate-limit' });
    expectOneRefusal(s, 'relay-rate-limit', 4004);
    expect((await b.next('peer-left')).peer).toBe(a.peer);
  });

  it('peers per room: closes 4002 room-full', async () => {
    const s = await serverWith({ maxPeersPerRoom: 2 });
    const room = makeRoom();
    track(await joined(s, room));
    track(await joined(s, room));
    const third = track(await connect(s));
    const peer = makePeerId();
    third.send({ type: 'join', room: room.id, peer, sig: signJoin(room, third.nonce, peer), protocol: 1 });
    expect(await third.closedWithin()).toEqual({ code: 4002, reason: 'room-full' });
    expectOneRefusal(s, 'room-full', 4002);
    // Another room is unaffected.
    track(await joined(s, makeRoom()));
  });

  it('rooms per server: closes 4003 max-rooms; existing rooms still accept peers', async () => {
    const s = await serverWith({ maxRooms: 2 });
    const r1 = makeRoom();
    track(await joined(s, r1));
    track(await joined(s, makeRoom()));
    const c = track(await connect(s));
    const r3 = makeRoom();
    const peer = makePeerId();
    c.send({ type: 'join', room: r3.id, peer, sig: signJoin(r3, c.nonce, peer), protocol: 1 });
    expect(await c.closedWithin()).toEqual({ code: 4003, reason: 'max-rooms' });
    expectOneRefusal(s, 'max-rooms', 4003);
    track(await joined(s, r1));
  });

  it('connections: refuses the upgrade with 503 over max-connections', async () => {
    const s = await serverWith({ maxConnections: 3 });
    for (let i = 0; i < 3; i++) track(await connect(s));
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/signal`);
    const status = await new Promise<number>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('opened')));
      ws.on('error', () => undefined); // the 503 also surfaces as an error event
    });
    expect(status).toBe(503);
    const lines = s.logs.filter((l) => l.includes('reason=max-connections'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('code=503');
  });

  it('idle timeout: a client that answers no pings is closed 4005; a live quiet one stays', async () => {
    const s = await serverWith({ idleTimeoutMs: 1000 });
    const room = makeRoom();
    const dead = track(await joined(s, room, undefined, { autoPong: false }));
    const alive = track(await joined(s, room));
    const t0 = Date.now();
    expect(await dead.closedWithin(3000)).toEqual({ code: 4005, reason: 'idle-timeout' });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThan(900);
    expect(took).toBeLessThan(2000);
    await sleep(1500);
    expect(alive.isOpen).toBe(true);
    expectOneRefusal(s, 'idle-timeout', 4005);
  });

  it('join timeout: a connection that never joins is closed 4007', async () => {
    const s = await serverWith({ joinTimeoutMs: 500 });
    const c = track(await connect(s));
    const t0 = Date.now();
    expect(await c.closedWithin(2000)).toEqual({ code: 4007, reason: 'join-timeout' });
    expect(Date.now() - t0).toBeGreaterThan(400);
    expectOneRefusal(s, 'join-timeout', 4007);
  });

  it('bad messages: error replies, then 4000 bad-input after max-bad-messages', async () => {
    const s = await serverWith({ maxBadMessages: 3 });
    const c = track(await connect(s));
    c.send('{not json');
    expect((await c.next('error')).code).toBe('bad-message');
    c.send({ type: 'no-such-type' });
    expect((await c.next('error')).code).toBe('bad-message');
    c.send('[]');
    expect(await c.closedWithin()).toEqual({ code: 4000, reason: 'bad-input' });
    expectOneRefusal(s, 'bad-input', 4000);
    expect(s.metrics().badMessages).toBe(3);
  });

  it('backpressure: a receiver that stops reading is dropped with 4009; the sender is unharmed', async () => {
    const s = await serverWith({ maxBackpressure: 256 * 1024, maxMsgsPerSec: 10_000, maxRelayBytesPerSec: 1e9, maxBytesPerSec: 1e9 });
    const room = makeRoom();
    const sender = track(await joined(s, room));
    const slow = track(await joined(s, room));
    await sender.next('peer-joined');
    // Stop reading: the kernel buffers fill, then uWS queues up to maxBackpressure, then drops.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const chunk = 'z'.repeat(200_000);
    let sent = 0;
    while (!sender.received.some((m) => m.type === 'peer-left') && sent < 400) {
      sender.send({ type: 'relay', to: slow.peer, data: chunk });
      sent++;
      await sleep(sent % 10 === 0 ? 20 : 0);
    }
    expect((await sender.next('peer-left', 5000)).peer).toBe(slow.peer);
    expectOneRefusal(s, 'slow-consumer', 4009);
    expect(sender.isOpen).toBe(true);
    sender.send({ type: 'ping' });
    await sender.next('pong');
  }, 30_000);
});
