/** Rooms and forwarding, with real WebSocket clients against a real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, joined, makePeerId, makeRoom, startTestServer, type TestClient, type TestServer } from './support/client.ts';

let server: TestServer;
const clients: TestClient[] = [];
const track = <T extends TestClient>(c: T): T => (clients.push(c), c);

beforeAll(async () => {
  server = await startTestServer({ turn: undefined });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
});

describe('rooms', () => {
  it('announces present peers on join and tells the others', async () => {
    const room = makeRoom();
    const a = track(await joined(server, room));
    expect(a.joinedPeers).toEqual([]);
    const b = track(await joined(server, room));
    expect(b.joinedPeers).toEqual([a.peer]);
    expect((await a.next('peer-joined')).peer).toBe(b.peer);
    const c = track(await joined(server, room));
    expect(new Set(c.joinedPeers)).toEqual(new Set([a.peer, b.peer]));
    c.close();
    expect((await a.next('peer-left')).peer).toBe(c.peer);
    expect((await b.next('peer-left')).peer).toBe(c.peer);
  });

  it('announces its limits in `joined` so clients can pace themselves', async () => {
    const c = track(await joined(server, makeRoom()));
    expect(c.joinedMsg.limits).toEqual({ maxFrame: 409600, maxSignalData: 65536, maxMsgsPerSec: 100, maxRelayBytesPerSec: 4194304 });
  });

  it('routes a signal to one peer only, with the sender as `from`', async () => {
    const room = makeRoom();
    const [a, b, c] = [track(await joined(server, room)), track(await joined(server, room)), track(await joined(server, room))];
    a.send({ type: 'signal', to: b.peer, data: 'for-b' });
    expect(await b.next('signal')).toEqual({ type: 'signal', from: a.peer, data: 'for-b' });
    expect(await c.none('signal')).toBe(true);
    expect(await a.none('signal', 0)).toBe(true);
  });

  it('broadcasts a signal without `to` to everyone else in the room', async () => {
    const room = makeRoom();
    const [a, b, c] = [track(await joined(server, room)), track(await joined(server, room)), track(await joined(server, room))];
    a.send({ type: 'signal', data: 'hello-all' });
    expect(await b.next('signal')).toEqual({ type: 'signal', from: a.peer, data: 'hello-all' });
    expect(await c.next('signal')).toEqual({ type: 'signal', from: a.peer, data: 'hello-all' });
    expect(await a.none('signal')).toBe(true);
  });

  it('keeps rooms isolated: no broadcast, no addressing across rooms', async () => {
    const r1 = makeRoom();
    const r2 = makeRoom();
    const a = track(await joined(server, r1));
    const b = track(await joined(server, r1));
    const x = track(await joined(server, r2));
    a.send({ type: 'signal', data: 'r1-only' });
    await b.next('signal');
    expect(await x.none('signal')).toBe(true);
    x.send({ type: 'signal', to: a.peer, data: 'sneaky' }); // a exists, but in another room
    expect((await x.next('error')).code).toBe('unknown-peer');
    expect(await a.none('signal')).toBe(true);
    x.send({ type: 'relay', to: b.peer, data: 'sneaky' });
    expect((await x.next('error')).code).toBe('unknown-peer');
    expect(await b.none('relay')).toBe(true);
  });

  it('forwards relay payloads to one peer', async () => {
    const room = makeRoom();
    const a = track(await joined(server, room));
    const b = track(await joined(server, room));
    const payload = 'A'.repeat(300_000); // a 256 KiB ciphertext frame, base64url
    a.send({ type: 'relay', to: b.peer, data: payload });
    const got = await b.next('relay');
    expect(got.from).toBe(a.peer);
    expect(got.data).toBe(payload);
  });

  it('answers unknown peers with an error, not a close', async () => {
    const room = makeRoom();
    const a = track(await joined(server, room));
    a.send({ type: 'signal', to: makePeerId(), data: 'x' });
    expect((await a.next('error')).code).toBe('unknown-peer');
    a.send({ type: 'signal', to: a.peer, data: 'to myself' });
    expect((await a.next('error')).code).toBe('unknown-peer');
    a.send({ type: 'ping' });
    await a.next('pong');
    expect(a.isOpen).toBe(true);
  });

  it('refuses signal, relay and turn before join with not-joined', async () => {
    const c = track(await connect(server));
    for (const m of [{ type: 'signal', data: 'x' }, { type: 'relay', to: makePeerId(), data: 'x' }, { type: 'turn' }]) {
      c.send(m);
      expect((await c.next('error')).code).toBe('not-joined');
    }
    c.send({ type: 'ping' });
    await c.next('pong');
  });

  it('a second connection with the same peer id replaces the first (4006)', async () => {
    const room = makeRoom();
    const a = track(await joined(server, room));
    const old = track(await joined(server, room));
    await a.next('peer-joined');
    const fresh = track(await joined(server, room, old.peer));
    expect(fresh.joinedPeers).toEqual([a.peer]);
    expect(await old.closedWithin()).toEqual({ code: 4006, reason: 'replaced' });
    expect((await a.next('peer-left')).peer).toBe(old.peer);
    expect((await a.next('peer-joined')).peer).toBe(old.peer);
    a.send({ type: 'signal', to: old.peer, data: 'to-new' });
    expect((await fresh.next('signal')).data).toBe('to-new');
  });

  it('refuses a second join on the same connection', async () => {
    const room = makeRoom();
    const a = track(await joined(server, room));
    a.send({ type: 'join', room: room.id, peer: makePeerId(), sig: 'x'.repeat(86), protocol: 1 });
    expect((await a.next('error')).code).toBe('already-joined');
    expect(a.isOpen).toBe(true);
  });

  it('counts deliveries in metrics and frees empty rooms', async () => {
    const before = server.metrics();
    const room = makeRoom();
    const a = track(await joined(server, room));
    const b = track(await joined(server, room));
    a.send({ type: 'signal', to: b.peer, data: 'm' });
    await b.next('signal');
    const mid = server.metrics();
    expect(mid.delivered.signal).toBe(before.delivered.signal + 1);
    expect(mid.rooms).toBe(before.rooms + 1);
    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.metrics().rooms).toBe(before.rooms);
  });
});
