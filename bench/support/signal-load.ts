/**
 * The signal benchmarks' load: child-process servers (signal-child.ts) and a Node load
 * generator that joins ROOMS × PEERS clients and sends signals, each to one peer, in rounds
 * (every sender sends BATCH, then waits until all arrive). Used by bench/signal.ts (uWS vs ws)
 * and bench/signal-cluster.ts (3 instances on Redis vs 1).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { joinTranscript, SIGNAL_PROTOCOL } from '../../web/src/core/signal-messages.ts';

export const ROOMS = 50;
export const PEERS = 4;
export const BATCH = 50; // per sender per round
export const PAYLOAD = 'x'.repeat(200); // about one encrypted ICE candidate

/** uws: ours; ws: the same Hub on the `ws` package; bare: the floor (bare-forwarder.ts). */
export type Kind = 'uws' | 'ws' | 'bare';

export interface Child {
  port: number;
  cpu(): Promise<NodeJS.CpuUsage>;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

/** A server in its own process; `redisUrl` makes it share rooms (uws only). */
export async function startChild(kind: Kind, redisUrl?: string): Promise<Child> {
  const proc: ChildProcess = fork(fileURLToPath(new URL('./signal-child.ts', import.meta.url)), [kind, ...(redisUrl ? [redisUrl] : [])], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_SIGNAL_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) => new Promise<T>((resolve, reject) => {
    const onMsg = (m: { type: string } & T) => {
      if (m.type !== type) return;
      proc.off('message', onMsg);
      proc.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`${kind} server exited (${code})`));
    proc.on('message', onMsg);
    proc.once('exit', onExit);
  });
  const { port } = await next<{ port: number }>('ready');
  return {
    port,
    cpu: async () => {
      proc.send('cpu');
      return (await next<{ cpu: NodeJS.CpuUsage }>('cpu')).cpu;
    },
    rss: async () => {
      proc.send('mem');
      return (await next<{ rss: number }>('mem')).rss;
    },
    stop: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send('stop');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface Room { id: string; key: KeyObject }
export function makeRoom(): Room {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { id: publicKey.export({ format: 'jwk' }).x!, key: privateKey };
}

/** `first`: the first signal received, for the routing spot check. */
export interface Client { ws: WebSocket; peer: string; received: number; first?: { from?: string; to?: string } }

/** Opens a WebSocket, answers the challenge, resolves once joined. */
export function joinClient(port: number, room: Room, peer: string, onMessage?: (c: Client) => void): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/signal`, { perMessageDeflate: false });
    const c: Client = { ws, peer, received: 0 };
    let joined = false;
    ws.on('error', reject);
    ws.on('close', (code, reason) => {
      if (!joined) reject(new Error(`closed before join: ${code} ${reason.toString()}`));
    });
    ws.on('message', (data) => {
      if (joined) {
        if (c.received++ === 0) c.first = JSON.parse(data.toString()) as { from?: string; to?: string };
        onMessage?.(c);
        return;
      }
      const m = JSON.parse(data.toString()) as { type: string; nonce?: string };
      if (m.type === 'challenge') {
        const sig = sign(null, Buffer.from(joinTranscript(m.nonce!, room.id, peer)), room.key).toString('base64url');
        ws.send(JSON.stringify({ type: 'join', room: room.id, peer, sig, protocol: SIGNAL_PROTOCOL }));
      } else if (m.type === 'joined') {
        joined = true;
        resolve(c);
      } // peer-joined notices before our own traffic starts are expected and ignored
    });
  });
}

/** ROOMS of PEERS clients; peer i of each room joins on ports[i % ports.length]. */
export async function joinMany(ports: number | number[], rooms: number, onMessage?: (c: Client) => void): Promise<Client[][]> {
  const list = Array.isArray(ports) ? ports : [ports];
  const out: Client[][] = [];
  for (let r = 0; r < rooms; r++) {
    const room = makeRoom();
    out.push(await Promise.all(Array.from({ length: PEERS }, (_, i) => joinClient(list[i % list.length]!, room, `bench-r${r}-p${i}`, onMessage))));
  }
  return out;
}

export interface RelayRun { msgsPerCpuSec: number; msgsPerSec: number; userShare: number; genCpuPerMsgUs: number }

export interface CpuSource { cpu(): Promise<NodeJS.CpuUsage> }

/**
 * `messages` signals through servers listening on `ports` (peer i of a room on ports[i % n], so
 * with several instances most signals cross between them). CPU is summed over `cpuSources`.
 */
export async function measureRelay(ports: number[], cpuSources: CpuSource[], messages: number, label: string): Promise<RelayRun> {
  let delivered = 0;
  let wake: (() => void) | undefined;
  let target = 0;
  const rooms = await joinMany(ports, ROOMS, () => {
    delivered++;
    if (wake && delivered >= target) wake();
  });
  await new Promise((r) => setTimeout(r, 200)); // let peer-joined notices settle
  for (const c of rooms.flat()) c.received = 0;
  delivered = 0;
  const senders = rooms.flatMap((peers) => peers.map((c, i) => ({
    ws: c.ws,
    frame: JSON.stringify({ type: 'signal', to: peers[(i + 1) % PEERS]!.peer, data: PAYLOAD }),
  })));
  const perRound = senders.length * BATCH;
  const roundsNeeded = Math.ceil(messages / perRound);
  const cpuNow = async () => (await Promise.all(cpuSources.map((c) => c.cpu()))).reduce((a, b) => ({ user: a.user + b.user, system: a.system + b.system }), { user: 0, system: 0 });

  const cpu0 = await cpuNow();
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  for (let round = 0; round < roundsNeeded; round++) {
    target += perRound;
    const done = new Promise<void>((resolve) => (wake = resolve));
    for (const s of senders) for (let k = 0; k < BATCH; k++) s.ws.send(s.frame);
    if (delivered < target) await done;
    wake = undefined;
  }
  const wall = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(gen0);
  const cpu1 = await cpuNow();
  const user = cpu1.user - cpu0.user;
  const system = cpu1.system - cpu0.system;
  const cpu = (user + system) / 1e6;

  // Spot check: every receiver got traffic from its left neighbour (the bare forwarder passes
  // frames on unchanged, so there it is the `to` that must name the receiver).
  for (const peers of rooms) {
    peers.forEach((c, i) => {
      const ok = c.first?.from !== undefined ? c.first.from === peers[(i + PEERS - 1) % PEERS]!.peer : c.first?.to === c.peer;
      if (!ok) throw new Error(`${label}: misrouted message to ${c.peer}`);
    });
  }
  for (const c of rooms.flat()) c.ws.terminate();
  return { msgsPerCpuSec: target / cpu, msgsPerSec: target / wall, userShare: user / (user + system), genCpuPerMsgUs: (gen.user + gen.system) / target };
}
