/**
 * Faults, counted (docs/operations.md "Fault rounds"): malformed frames at a real signal server
 * in a process of its own, with the default limits except the per-connection message rate
 * (raised so the run takes seconds, not hours). Clients send random bytes, text that is not
 * UTF-8, random JSON, valid messages with corrupted fields, joins with bad signatures, room ids
 * or protocol versions, deep and huge JSON, and frames over the frame limit, reconnecting
 * whenever the server closes them. Counted: crashes (the process must stay up and answer),
 * its RSS growth, and the server's own refusal counters (/metrics).
 * Default 10,000 frames; FV_FAULTS=full sends 100,000. FAULT_SEED replays a run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { countLabel, faultCount, faultLine, histogram, mib } from '../../scripts/lib/fault-rounds.ts';
import { SIGNAL_PROTOCOL } from '../../web/src/core/signal-messages.ts';
import { joined, makePeerId, makeRoom, signJoin, sleep, type TestRoom } from './support/client.ts';

const COUNT = faultCount(10_000, 100_000);
const SEED = Number(process.env.FAULT_SEED ?? 4242);
const CLIENTS = 6;
/** RSS growth allowed from the warmed-up server to the end of the run. */
const RSS_BOUND = 48 * 2 ** 20;
const MAX_FRAME = 400 * 1024; // the default limit

const root = fileURLToPath(new URL('../..', import.meta.url));
let proc: ChildProcess;
let url = '';
let exited: { code: number | null; signal: string | null } | undefined;
let output = '';

beforeAll(async () => {
  proc = spawn(process.execPath, ['--import', 'tsx', 'signal-server/test/support/child-server.ts', JSON.stringify({ maxMsgsPerSec: 50_000 })], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.once('exit', (code, signal) => (exited = { code, signal }));
  url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no start line:\n${output}`)), 15_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening (http:\/\/[0-9.:]+)/.exec(output);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
  });
});
afterAll(() => {
  if (!exited) proc.kill('SIGKILL');
});

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
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! };
}
type Prng = ReturnType<typeof prng>;

const rss = (): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
};

async function metrics(): Promise<{ received: number; bad: number; connections: number; rooms: number; peers: number; refusals: Record<string, number> }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const one = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  const refusals: Record<string, number> = {};
  for (const m of text.matchAll(/^fv_signal_refusals_total\{reason="([^"]+)"\} (\d+)$/gm)) refusals[m[1]!] = Number(m[2]);
  return {
    received: one('fv_signal_messages_received_total'), bad: one('fv_signal_bad_messages_total'),
    connections: one('fv_signal_connections'), rooms: one('fv_signal_rooms'), peers: one('fv_signal_peers'), refusals,
  };
}

function randomJson(r: Prng, depth = 0): unknown {
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

function mutate(r: Prng, text: string): string {
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

interface Conn { ws: WebSocket; nonce: string; peer: string; sync: () => Promise<void> }

async function open(wsUrl: string): Promise<Conn | undefined> {
  const ws = new WebSocket(wsUrl, { maxPayload: 1024 * 1024 });
  ws.on('error', () => undefined); // closes are expected; the loop reconnects
  const pongs: (() => void)[] = [];
  ws.on('message', (d) => {
    if (d.toString() === '{"type":"pong"}') pongs.shift()?.();
  });
  ws.on('close', () => {
    for (const p of pongs.splice(0)) p();
  });
  const nonce = await new Promise<string | undefined>((resolve) => {
    ws.once('message', (d) => resolve((JSON.parse(d.toString()) as { nonce?: string }).nonce));
    ws.once('close', () => resolve(undefined));
  });
  // A ping round trip: the server has processed everything sent before it.
  const sync = () => new Promise<void>((resolve) => {
    if (ws.readyState !== WebSocket.OPEN) return resolve();
    pongs.push(resolve);
    ws.send('{"type":"ping"}');
  });
  return nonce ? { ws, nonce, peer: makePeerId(), sync } : undefined;
}

const sent: Record<string, number> = {};

async function client(id: number, frames: number, room: TestRoom, peers: string[], onProgress: (n: number) => Promise<void>): Promise<number> {
  const r = prng(SEED * 31 + id);
  const wsUrl = `${url.replace('http', 'ws')}/signal`;
  let c: Conn | undefined;
  let reconnects = 0;
  let n = 0;
  const other = makeRoom();
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
  while (n < frames) {
    if (!c || c.ws.readyState !== WebSocket.OPEN) {
      c = await open(wsUrl);
      reconnects++;
      if (!c) {
        await sleep(10); // refused at the upgrade (503 while closed connections linger): try again shortly
        continue;
      }
    }
    const k = r.int(1000);
    let kind: string;
    if (k < 50) { kind = 'random-binary'; c.ws.send(Buffer.from(Array.from({ length: 1 + r.int(300) }, () => r.int(256))), { binary: true }); }
    else if (k < 60) { kind = 'not-utf8'; c.ws.send(Buffer.from([0x7b, 0xff, ...Array.from({ length: r.int(40) }, () => r.int(256)), 0xfe]), { binary: false }); }
    else if (k < 62) { kind = 'over-frame-limit'; c.ws.send('x'.repeat(MAX_FRAME + 1 + r.int(10_000))); }
    else if (k < 80) { kind = 'deep-json'; const d = 50 + r.int(5000); c.ws.send('['.repeat(d) + ']'.repeat(r.int(2) ? d : r.int(d))); }
    else if (k < 130) { kind = 'bad-join'; c.ws.send(JSON.stringify(r.pick([
      { type: 'join', room: room.id, peer: c.peer, sig: signJoin(other, c.nonce, c.peer, room.id), protocol: SIGNAL_PROTOCOL }, // someone else's key
      { type: 'join', room: 'not-a-room-id', peer: c.peer, sig: 'x', protocol: SIGNAL_PROTOCOL },
      { type: 'join', room: room.id, peer: '../../etc', sig: signJoin(room, c.nonce, '../../etc'), protocol: SIGNAL_PROTOCOL },
      { type: 'join', room: room.id, peer: c.peer, sig: signJoin(room, c.nonce, c.peer), protocol: SIGNAL_PROTOCOL + 1 + r.int(100) },
      { type: 'join', room: room.id, peer: c.peer, sig: signJoin(room, 'stale-nonce', c.peer), protocol: SIGNAL_PROTOCOL }, // a replayed join
    ]))); }
    else if (k < 330) { kind = 'random-json'; c.ws.send(JSON.stringify(randomJson(r))); }
    else if (k < 800) { kind = 'mutated'; c.ws.send(mutate(r, valid())); }
    else { kind = 'valid-in-between'; c.ws.send(valid()); }
    sent[kind] = (sent[kind] ?? 0) + 1;
    n++;
    if (n % 4 === 0) {
      await c.sync(); // pace, and notice closes before sending more into a dead socket
      await onProgress(4);
    }
  }
  c?.ws.terminate();
  return reconnects;
}

it(`${COUNT.n} malformed frames at a signal server process: no crash, bounded RSS (seed ${SEED})`, async () => {
  const t0 = Date.now();
  const room = makeRoom();
  const server = { url, port: 0, close: async () => undefined, metrics: () => { throw new Error('read /metrics'); } };
  const bystanders = [await joined(server, room), await joined(server, room)];
  const peers = [...bystanders.map((b) => b.peer), makePeerId()];
  const before = await metrics();
  let done = 0;
  let baseline = 0;
  const samples: number[] = [];
  const progress = async (n: number) => {
    done += n;
    // Warmed up: the JIT, uWS's buffers and the connection pools have their working size.
    if (!baseline && done >= COUNT.n * 0.05) baseline = rss();
    if (done % Math.round(COUNT.n / 10) < n) samples.push(rss());
  };
  const reconnects = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i, Math.ceil(COUNT.n / CLIENTS), room, peers, progress)));
  const total = Object.values(sent).reduce((a, b) => a + b, 0);
  expect(total).toBeGreaterThanOrEqual(COUNT.n);
  expect(exited, `the server process exited:\n${output}`).toBeUndefined();

  // Still healthy, still routing.
  expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ ok: true });
  const r2 = makeRoom();
  const a = await joined(server, r2);
  const b = await joined(server, r2);
  a.send({ type: 'signal', to: b.peer, data: 'after-faults' });
  expect((await b.next('signal')).data).toBe('after-faults');
  a.close();
  b.close();
  for (const x of bystanders) x.ws.terminate();
  // Everything the run opened is gone again.
  let after = await metrics();
  for (let i = 0; i < 100 && after.connections !== before.connections - 2; i++) {
    await sleep(50);
    after = await metrics();
  }
  await sleep(500);
  const end = rss();
  after = await metrics();
  const refusals = Object.fromEntries(Object.entries(after.refusals).map(([k, v]) => [k, v - (before.refusals[k] ?? 0)]));
  const received = after.received - before.received;
  faultLine('signal-frames', countLabel('frames', COUNT), {
    sent: total, crashes: exited ? 1 : 0, 'rss-growth': mib(end - baseline), 'rss-bound': mib(RSS_BOUND), 'rss-end': mib(end),
    received, 'bad-messages': after.bad - before.bad, closes: histogram(refusals), reconnects: reconnects.reduce((x, y) => x + y, 0),
    kinds: histogram(sent), seed: SEED, ms: Date.now() - t0,
  });
  console.log(`faults signal-frames: rss samples ${samples.map(mib).join(' ')}`);
  expect(after.connections, 'connections left open').toBe(before.connections - 2);
  expect(after.rooms).toBe(before.rooms - 1);
  expect(after.peers).toBe(before.peers - 2);
  // Frames sent into a connection the server had just closed never arrive (at most 3 per close); the rest were read.
  expect(received).toBeGreaterThan(total * 0.6);
  expect(refusals['internal-error'] ?? 0).toBe(0);
  // Every malformed message was refused: answered as bad (then 4000 after ten) or its connection closed.
  expect(after.bad - before.bad + (refusals['bad-utf8'] ?? 0) + (refusals['too-large'] ?? 0)).toBeGreaterThan(0);
  expect(end - baseline, `RSS from ${mib(baseline)} to ${mib(end)}`).toBeLessThan(RSS_BOUND);

  // And it stops as it should: SIGTERM, exit 0.
  const code = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  proc.kill('SIGTERM');
  expect(await code).toBe(0);
}, COUNT.full ? 600_000 : 120_000);
