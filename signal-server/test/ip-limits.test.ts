/**
 * Per-IP limits (connections, rooms created, joins per minute) against a real server. Clients
 * claim addresses through X-Forwarded-For, which only counts with --trust-proxy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SIGNAL_PROTOCOL } from '../../web/src/core/signal-messages.ts';
import { clientAddress, isLoopback } from '../src/client-ip.ts';
import { IpLimits } from '../src/ip-limits.ts';
import type { Limits } from '../src/limits.ts';
import { connect, joined, makePeerId, makeRoom, signJoin, sleep, startTestServer, type TestClient, type TestRoom, type TestServer } from './support/client.ts';

let servers: TestServer[] = [];
let clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});
async function serverWith(limits: Partial<Limits>, trustProxy = true): Promise<TestServer> {
  const s = await startTestServer({ limits, trustProxy });
  servers.push(s);
  return s;
}
const track = <T extends TestClient>(c: T): T => (clients.push(c), c);
const from = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });

/** The HTTP status of an upgrade that was refused (rejects if it opened). */
function upgradeStatus(s: TestServer, ip: string): Promise<number> {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/signal`, from(ip));
  return new Promise<number>((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('opened'));
    });
    ws.on('error', () => undefined); // the refusal also surfaces as an error event
  });
}

async function tryJoin(s: TestServer, room: TestRoom, ip: string): Promise<TestClient> {
  const c = track(await connect(s, from(ip)));
  c.peer = makePeerId();
  c.send({ type: 'join', room: room.id, peer: c.peer, sig: signJoin(room, c.nonce, c.peer), protocol: SIGNAL_PROTOCOL });
  return c;
}

describe('per-IP limits', () => {
  it('connections: the next upgrade from that address gets 429; other addresses and freed slots are fine', async () => {
    const s = await serverWith({ maxConnectionsPerIp: 3 });
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(track(await connect(s, from('198.51.100.7'))));
    expect(await upgradeStatus(s, '198.51.100.7')).toBe(429);
    track(await connect(s, from('203.0.113.9'))); // another address
    mine[0]!.close();
    await mine[0]!.closed;
    await sleep(20);
    track(await connect(s, from('198.51.100.7')));
    const lines = s.logs.filter((l) => l.includes('reason=ip-connections'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ip=198.51.100.7');
    expect(lines[0]).toContain('code=429');
  });

  it('only the entry our proxy appended counts: earlier X-Forwarded-For entries are the client\'s own', async () => {
    const s = await serverWith({ maxConnectionsPerIp: 2 });
    track(await connect(s, from('1.1.1.1, 198.51.100.7')));
    track(await connect(s, from('2.2.2.2, 198.51.100.7')));
    expect(await upgradeStatus(s, '3.3.3.3, 198.51.100.7')).toBe(429);
  });

  it('rooms: one address cannot create more than max-rooms-per-ip, but may join rooms others created', async () => {
    const s = await serverWith({ maxRoomsPerIp: 2 });
    const ip = '198.51.100.7';
    for (let i = 0; i < 2; i++) await (await tryJoin(s, makeRoom(), ip)).next('joined');
    const third = await tryJoin(s, makeRoom(), ip);
    expect(await third.closedWithin()).toEqual({ code: 4003, reason: 'ip-rooms' });
    expect(s.metrics().refusals['ip-rooms']).toBe(1);
    // A room someone else created is open to it.
    const other = makeRoom();
    track(await joined(s, other, undefined, from('203.0.113.9')));
    await (await tryJoin(s, other, ip)).next('joined');
    // Once one of its rooms is empty again, it may create another.
    const firsts = clients.filter((c) => c !== third).slice(0, 1);
    firsts[0]!.close();
    await firsts[0]!.closed;
    await sleep(20);
    await (await tryJoin(s, makeRoom(), ip)).next('joined');
  });

  it('joins: attempts over max-joins-per-ip-per-min close 4004 ip-join-rate before the signature is checked', async () => {
    const s = await serverWith({ maxJoinsPerIpPerMin: 3 });
    const room = makeRoom();
    for (let i = 0; i < 3; i++) {
      const c = track(await connect(s, from('198.51.100.7')));
      c.send({ type: 'join', room: room.id, peer: makePeerId(), sig: 'A'.repeat(86), protocol: SIGNAL_PROTOCOL });
      expect((await c.closedWithin()).reason).toBe('bad-signature');
    }
    const fourth = await tryJoin(s, room, '198.51.100.7'); // even a valid one
    expect(await fourth.closedWithin()).toEqual({ code: 4004, reason: 'ip-join-rate' });
    await (await tryJoin(s, room, '203.0.113.9')).next('joined');
  });

  it('without --trust-proxy the header is ignored and loopback peers (a local proxy) are not limited per IP', async () => {
    const s = await serverWith({ maxConnectionsPerIp: 2, maxRoomsPerIp: 1 }, false);
    for (let i = 0; i < 4; i++) track(await connect(s, from('198.51.100.7')));
    for (let i = 0; i < 3; i++) track(await joined(s, makeRoom()));
    expect(s.logs.some((l) => l.includes('198.51.100.7'))).toBe(false);
  });
});

describe('clientAddress', () => {
  it('trusts only the last forwarded entry, and only when told to', () => {
    expect(clientAddress('127.0.0.1', '9.9.9.9, 198.51.100.7', true)).toEqual({ ip: '198.51.100.7', limited: true });
    expect(clientAddress('127.0.0.1', '9.9.9.9', false)).toEqual({ ip: '127.0.0.1', limited: false });
    expect(clientAddress('127.0.0.1', '', true)).toEqual({ ip: '127.0.0.1', limited: false });
    expect(clientAddress('203.0.113.1', '', false)).toEqual({ ip: '203.0.113.1', limited: true });
    expect(clientAddress('127.0.0.1', 'x'.repeat(500), true).ip).toHaveLength(64);
  });

  it('recognises loopback in the forms uWS prints', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '0000:0000:0000:0000:0000:0000:0000:0001']) expect(isLoopback(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '::2', '::ffff:10.0.0.1', '128.0.0.1', '']) expect(isLoopback(ip), ip).toBe(false);
  });
});

describe('IpLimits', () => {
  it('keeps an address until its join bucket has refilled, so reconnecting does not reset it', () => {
    const t = new IpLimits({ maxConnectionsPerIp: 5, maxRoomsPerIp: 5, maxJoinsPerIpPerMin: 2 });
    expect(t.connect('a', 0)).toBe(true);
    expect(t.join('a', 0)).toBe(true);
    expect(t.join('a', 0)).toBe(true);
    t.disconnect('a');
    t.prune(1000);
    expect(t.size).toBe(1);
    expect(t.join('a', 1000)).toBe(false);
    t.prune(61_000 + 1000);
    expect(t.size).toBe(0);
  });
});
