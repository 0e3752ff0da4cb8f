/**
 * Several instances sharing rooms through a real redis-server (loopback): peers on different
 * instances see each other, signal each other, learn when one leaves; a peer id that joins on
 * another instance replaces the old connection; an instance that dies lets its peers go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../web/src/core/signal-messages.ts';
import { RedisRoomBus } from '../src/cluster.ts';
import { joined, makePeerId, makeRoom, sleep, startTestServer, type TestClient, type TestServer } from './support/client.ts';
import { startRedis, type RedisProcess } from './support/redis.ts';

let redis: RedisProcess;
let one: TestServer;
let two: TestServer;
const clients: TestClient[] = [];
const track = <T extends TestClient>(c: T): T => (clients.push(c), c);

beforeAll(async () => {
  redis = await startRedis();
  one = await startTestServer({ turn: undefined, redisUrl: redis.url });
  two = await startTestServer({ turn: undefined, redisUrl: redis.url });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await one?.close();
  await two?.close();
  await redis?.stop();
});

describe('rooms shared by two instances on Redis', () => {
  it('peers on different instances see each other and signal each other', async () => {
    const room = makeRoom();
    const a = track(await joined(one, room));
    const b = track(await joined(two, room));
    expect(b.joinedPeers).toEqual([a.peer]);
    expect((await a.next('peer-joined')).peer).toBe(b.peer);
    const c = track(await joined(one, room));
    expect(new Set(c.joinedPeers)).toEqual(new Set([a.peer, b.peer]));
    expect((await b.next('peer-joined')).peer).toBe(c.peer);

    a.send({ type: 'signal', to: b.peer, data: 'a-to-b' });
    expect(await b.next('signal')).toEqual({ type: 'signal', from: a.peer, data: 'a-to-b' });
    b.send({ type: 'relay', to: c.peer, data: 'b-to-c' });
    expect(await c.next('relay')).toEqual({ type: 'relay', from: b.peer, data: 'b-to-c' });
    b.send({ type: 'signal', data: 'b-to-all' }); // a broadcast reaches both of instance one's peers
    expect(await a.next('signal')).toEqual({ type: 'signal', from: b.peer, data: 'b-to-all' });
    expect(await c.next('signal')).toEqual({ type: 'signal', from: b.peer, data: 'b-to-all' });
    // Nothing echoes back to the sender, and no one else got the one-to-one messages.
    expect(b.received.filter((m) => m.type === 'signal' || m.type === 'relay')).toEqual([]);
    expect(a.received.filter((m) => m.type === 'relay')).toEqual([]);

    b.close();
    expect((await a.next('peer-left')).peer).toBe(b.peer);
    expect((await c.next('peer-left')).peer).toBe(b.peer);
    a.send({ type: 'signal', to: b.peer, data: 'too late' });
    expect((await a.next('error')).code).toBe('unknown-peer');
  });

  it('rooms stay apart across instances', async () => {
    const [r1, r2] = [makeRoom(), makeRoom()];
    const a = track(await joined(one, r1));
    const b = track(await joined(two, r2));
    expect(b.joinedPeers).toEqual([]);
    a.send({ type: 'signal', to: b.peer, data: 'x' });
    expect((await a.next('error')).code).toBe('unknown-peer');
  });

  it('a peer id that joins on the other instance replaces the old connection there', async () => {
    const room = makeRoom();
    const peer = makePeerId();
    const watcher = track(await joined(one, room));
    const first = track(await joined(one, room, peer));
    expect((await watcher.next('peer-joined')).peer).toBe(peer);
    const second = track(await joined(two, room, peer));
    expect((await first.closed).code).toBe(CloseCode.DuplicatePeer);
    expect(second.joinedPeers).toEqual([watcher.peer]);
    // The watcher sees the device come back (not leave), and still reaches it on instance two.
    expect((await watcher.next('peer-joined')).peer).toBe(peer);
    watcher.send({ type: 'signal', to: peer, data: 'still there' });
    expect(await second.next('signal')).toEqual({ type: 'signal', from: watcher.peer, data: 'still there' });
    expect(watcher.received.filter((m) => m.type === 'peer-left')).toEqual([]);
  });

  it('when an instance shuts down, its peers leave the rooms of the others', async () => {
    const three = await startTestServer({ turn: undefined, redisUrl: redis.url });
    const room = makeRoom();
    const a = track(await joined(one, room));
    const b = track(await joined(three, room));
    expect((await a.next('peer-joined')).peer).toBe(b.peer);
    await three.close();
    expect((await a.next('peer-left')).peer).toBe(b.peer);
  });

  it('the peers of an instance that died (no goodbye) leave the other instances within the TTL', async () => {
    const seen: string[] = [];
    const quiet = { remoteJoined: () => undefined, remoteFrame: () => undefined };
    const timing = { ttlMs: 400, refreshMs: 100 };
    const alive = await RedisRoomBus.connect(redis.url, { ...quiet, remoteLeft: (_r, p) => seen.push(`left ${p}`) }, () => undefined, timing);
    const doomed = await RedisRoomBus.connect(redis.url, { ...quiet, remoteLeft: () => undefined }, () => undefined, timing);
    try {
      await alive.join('room-x', 'peer-a');
      await doomed.join('room-x', 'peer-b');
      await expect.poll(() => alive.remotePeers('room-x').has('peer-b')).toBe(true);
      await sleep(600); // refreshed: still there after more than one TTL
      expect(alive.remotePeers('room-x').has('peer-b')).toBe(true);
      doomed.crash();
      await expect.poll(() => seen, { timeout: 3000 }).toEqual(['left peer-b']);
      expect(alive.remotePeers('room-x').size).toBe(0);
    } finally {
      await alive.close();
    }
  });

  it('refuses to start when Redis cannot be reached', async () => {
    await expect(startTestServer({ turn: undefined, redisUrl: 'redis://127.0.0.1:1' })).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
