/**
 * Fuzz: several clients throw thousands of random and mutated frames at a real server —
 * random bytes, random JSON, valid messages with corrupted fields — reconnecting whenever the
 * server closes them. Afterwards the server must still answer /healthz and route normally,
 * and its gauges must return to where they started (no leaked connections or rooms).
 * The PRNG is seeded; a failure prints the seed to replay with FUZZ_SEED=<n>.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SIGNAL_PROTOCOL } from '../../web/src/core/signal-messages.ts';
import { joined, makePeerId, makeRoom, signJoin, sleep, startTestServer, type TestRoom, type TestServer } from './support/client.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const CLIENTS = 6;
const FRAMES_PER_CLIENT = 1500;

/** mulberry32: small, seedable, good enough to pick mutations. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { maxMsgsPerSec: 20_000, maxBadMessages: 200, maxFrame: 64 * 1024 }, turn: { secret: 's', urls: ['turn:127.0.0.1:3478'], ttlSec: 600 } });
});
afterAll(async () => {
  await server.close();
});

function randomJson(r: ReturnType<typeof prng>, depth = 0): unknown {
  switch (r.int(depth > 2 ? 5 : 8)) {
    case 0: return null;
    case 1: return r.next() < 0.5;
    case 2: return r.pick([0, -1, 1.5, 1e308, -0, 2 ** 53, SIGNAL_PROTOCOL]);
    case 3: return r.pick(['', 'join', 'signal', 'relay', 'turn', 'ping', '\u0000', '\ud800', 'é'.repeat(r.int(50)), 'x'.repeat(r.int(70_000))]);
    case 4: return makePeerId();
    case 5: return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) o[r.pick(['type', 'to', 'data', 'room', 'peer', 'sig', 'protocol', '__proto__', 'constructor', 'x'])] = randomJson(r, depth + 1);
      return o;
    }
  }
}

function mutate(r: ReturnType<typeof prng>, text: string): string {
  switch (r.int(6)) {
    case 0: { const i = r.int(text.length); return text.slice(0, i) + String.fromCharCode(r.int(0x250)) + text.slice(i + 1); }
    case 1: { const i = r.int(text.length); return text.slice(0, i) + text.slice(i + 1 + r.int(10)); }
    case 2: return text.slice(0, r.int(text.length));
    case 3: return text + text;
    case 4: { const i = r.int(text.length); return text.slice(0, i) + r.pick(['{', '}', '"', '\\', ',', ':', '[', ']']) + text.slice(i); }
    default: {
      const o = JSON.parse(text) as Record<string, unknown>;
      const keys = Object.keys(o);
      if (r.next() < 0.5 && keys.length) delete o[r.pick(keys)];
      else o[r.pick([...keys, 'extra'])] = randomJson(r);
      return JSON.stringify(o);
    }
  }
}

interface FuzzConn { ws: WebSocket; nonce: string; peer: string; sync: () => Promise<void> }

async function open(url: string): Promise<FuzzConn | undefined> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined); // closes are expected here; the loop reconnects
  let pongs: (() => void)[] = [];
  ws.on('message', (d) => {
    if (d.toString() === '{"type":"pong"}') pongs.shift()?.();
  });
  ws.on('close', () => {
    for (const p of pongs) p();
    pongs = [];
  });
  const nonce = await new Promise<string | undefined>((resolve) => {
    ws.once('message', (d) => resolve((JSON.parse(d.toString()) as { nonce?: string }).nonce));
    ws.once('close', () => resolve(undefined));
  });
  // A ping round trip: waits until the server has processed everything sent before it.
  const sync = () => new Promise<void>((resolve) => {
    if (ws.readyState !== WebSocket.OPEN) return resolve();
    pongs.push(resolve);
    ws.send('{"type":"ping"}');
  });
  return nonce ? { ws, nonce, peer: makePeerId(), sync } : undefined;
}

async function fuzzClient(id: number, room: TestRoom, peers: string[]): Promise<{ sent: number; reconnects: number }> {
  const r = prng(SEED * 31 + id);
  const url = `${server.url.replace('http', 'ws')}/signal`;
  let c: FuzzConn | undefined;
  let sent = 0;
  let reconnects = 0;
  while (sent < FRAMES_PER_CLIENT) {
    if (!c || c.ws.readyState !== WebSocket.OPEN) {
      c = await open(url);
      reconnects++;
      if (!c) continue;
    }
    const valid = (): string => {
      switch (r.int(6)) {
        case 0: return JSON.stringify({ type: 'join', room: room.id, peer: c!.peer, sig: signJoin(room, c!.nonce, c!.peer), protocol: SIGNAL_PROTOCOL });
        case 1: return JSON.stringify({ type: 'signal', to: r.pick(peers), data: 'd'.repeat(r.int(300)) });
        case 2: return JSON.stringify({ type: 'signal', data: 'b' });
        case 3: return JSON.stringify({ type: 'relay', to: r.pick(peers), data: 'r'.repeat(r.int(2000)) });
        case 4: return JSON.stringify({ type: 'turn' });
        default: return JSON.stringify({ type: 'ping' });
      }
    };
    const kind = r.int(100);
    if (kind < 5) c.ws.send(Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256))), { binary: true });
    else if (kind < 6 && r.next() < 0.3) c.ws.send(Buffer.from(Array.from({ length: 1 + r.int(50) }, () => r.int(256))), { binary: false }); // likely invalid UTF-8: uWS drops the connection
    else if (kind < 25) c.ws.send(JSON.stringify(randomJson(r)));
    else if (kind < 70) c.ws.send(mutate(r, valid()));
    else c.ws.send(valid());
    sent++;
    if (sent % 20 === 0) await c.sync(); // pace, and notice closes before sending into a dead socket
  }
  c?.ws.terminate();
  return { sent, reconnects };
}

it(`survives ${CLIENTS * FRAMES_PER_CLIENT} random and malformed frames (seed ${SEED})`, async () => {
  const before = server.metrics();
  const room = makeRoom();
  const bystanders = [await joined(server, room), await joined(server, room)]; // real peers to receive fuzz
  const peers = [...bystanders.map((b) => b.peer), makePeerId()];
  const results = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => fuzzClient(i, room, peers)));
  const total = results.reduce((n, x) => n + x.sent, 0);
  expect(total, `seed ${SEED}`).toBe(CLIENTS * FRAMES_PER_CLIENT);

  // Still healthy, still routing.
  expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
  const r2 = makeRoom();
  const a = await joined(server, r2);
  const b = await joined(server, r2);
  a.send({ type: 'signal', to: b.peer, data: 'after-fuzz' });
  expect((await b.next('signal')).data).toBe('after-fuzz');
  a.close();
  b.close();
  for (const x of bystanders) x.ws.terminate();

  // Everything the fuzz opened is gone again.
  for (let i = 0; i < 50 && server.metrics().connections !== before.connections; i++) await sleep(50);
  const after = server.metrics();
  expect(after.connections, `seed ${SEED}`).toBe(before.connections);
  expect(after.rooms).toBe(before.rooms);
  expect(after.peers).toBe(before.peers);
  console.log(JSON.stringify({ seed: SEED, reconnects: results.map((x) => x.reconnects), received: after.messagesReceived - before.messagesReceived, refusals: after.refusals, bad: after.badMessages, delivered: after.delivered }));
  expect(after.messagesReceived - before.messagesReceived).toBeGreaterThan(total / 2);
  expect(after.refusals['internal-error'] ?? 0, server.logs.filter((l) => l.includes(' error ')).join('\n')).toBe(0);
}, 60_000);
