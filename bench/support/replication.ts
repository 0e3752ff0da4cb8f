/**
 * Shared by bench/replication.ts and bench/replication-turn.ts: two separate Chromium processes
 * (persistent on-disk profiles, as a phone and a relay have) load e2e/harness/bench-replication
 * and replicate N chunk-sized objects through the real signal server, WebRTC and the
 * ReplicationEngine over OPFS; and a bare simple-peer data-channel blast between the same two
 * processes as the baseline.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchPersistentChromium, testChromiumArgs } from '../../e2e/support/chromium.ts';
import type { SignalServer } from '../../e2e/support/processes.ts';
import { cpuDiff, cpuSnapshot, udpCounters, udpDiff } from './proc-cpu.ts';

export const MiB = 1024 * 1024;
/** An encrypted 1 MiB chunk's envelope: [ver][alg][1 MiB ciphertext][16-byte tag]. */
export const CHUNK_OBJECT_BYTES = 2 + MiB + 16;
/** Largest data-channel message the replication protocol sends (MAX_FRAME_BYTES). */
export const FRAME_BYTES = 256 * 1024;
/** WebRtcTransport's high-water mark. */
export const HIGH_WATER = 4 * MiB;

export interface Device {
  name: string;
  context: BrowserContext;
  page: Page;
  dir: string;
  close(): Promise<void>;
}

export async function launchDevice(server: SignalServer, name: string): Promise<Device> {
  const dir = mkdtempSync(join(tmpdir(), `fv-bench-${name}-`));
  // Responses fulfilled by the route below carry no address space, so Chromium's Local Network
  // Access checks would take the page for a public one and block its WebSocket to 127.0.0.1.
  const args = testChromiumArgs.map((a) => (a.startsWith('--disable-features=') ? `${a},LocalNetworkAccessChecks` : a));
  const context = await launchPersistentChromium(dir, { args });
  // The server's `Permissions-Policy: microphone=()` (signal-server/src/static.ts) also takes away
  // the media permission that loopback ICE needs under the test flags (../shared/TESTING.md): with
  // it, Chromium gathers no host candidate and neither the blast nor the engine can connect
  // directly. In production mDNS host candidates need no permission; here the header is dropped.
  await context.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['permissions-policy'];
    await route.fulfill({ response, headers });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Closing the blast's data channel reports an 'User-Initiated Abort' error: expected.
  page.on('pageerror', (e) => {
    if (!e.message.includes('User-Initiated Abort')) console.error(`[${name}] page error:`, e.message);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) console.error(`[${name}]`, m.text());
  });
  await page.goto(`${server.url}/bench-replication.html`);
  await page.waitForFunction(() => 'fvBenchRepl' in window);
  return {
    name, context, page, dir,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls window.fvBenchRepl[fn](arg) in the page. */
export function call<T = any>(d: Device, fn: string, arg?: unknown): Promise<T> {
  return d.page.evaluate(([f, a]) => (window as any).fvBenchRepl[f as string](a), [fn, arg] as const) as Promise<T>;
}

export interface ReplicationRun {
  objects: number;
  objectBytes: number;
  /** MiB/s from the session opening (handshake done) until the receiver stored the last object. */
  mibPerSec: number;
  /** MiB/s from the receiver's start() (signal join, ICE, handshake included). */
  mibPerSecFromJoin: number;
  /** MiB/s after the first `warmObjects` objects (SCTP ramp-up excluded, as for the blast). */
  mibPerSecSteady: number;
  connectMs: number;
  totalMs: number;
  fillMs: number;
  transport: string;
  senderBytesOut: number;
  receiverBytesIn: number;
  /** Share of 20 ms samples of the sender's transport with < 256 KiB buffered (starved) / > 2 MiB (channel-bound). */
  senderBuffer: { starved: number; full: number };
  cpu: CpuUse;
}

export interface CpuUse {
  /** CPU ms per MiB moved, per browser. */
  senderMsPerMiB: number;
  receiverMsPerMiB: number;
  sender: ReturnType<typeof cpuDiff>;
  receiver: ReturnType<typeof cpuDiff>;
  /** UDP datagrams and drops (socket buffer overflows) in this namespace meanwhile. */
  udp: ReturnType<typeof udpDiff>;
}

function cpuMeter(sender: Device, receiver: Device): (mib: number) => CpuUse {
  const s0 = cpuSnapshot(sender.dir);
  const r0 = cpuSnapshot(receiver.dir);
  const u0 = udpCounters();
  return (mib) => {
    const sender_ = cpuDiff(s0, cpuSnapshot(sender.dir));
    const receiver_ = cpuDiff(r0, cpuSnapshot(receiver.dir));
    return {
      senderMsPerMiB: Math.round(sender_.totalMs / mib), receiverMsPerMiB: Math.round(receiver_.totalMs / mib),
      sender: sender_, receiver: receiver_, udp: udpDiff(u0, udpCounters()),
    };
  };
}

export interface ReplicationOptions {
  mib: number;
  relay: boolean;
  warmObjects?: number;
  timeoutMs?: number;
  engineConfig?: Record<string, unknown>;
  /** Object store backend of both devices (default 'opfs', as the app picks). */
  store?: 'opfs' | 'idb' | 'memory';
  /** Profiling what-ifs of the harness page (see e2e/harness/bench-replication.ts). */
  whatIf?: { memoHash?: boolean; trustReads?: boolean };
  /** Called with each device pair before they are closed (e.g. to run a blast in them). */
  alsoWith?: (sender: Device, receiver: Device) => Promise<void>;
  /** Called before the replication, with both devices loaded but idle. */
  before?: (sender: Device, receiver: Device) => Promise<void>;
  /** Called once the sender's store is filled, just before the receiver starts (profiling). */
  atStart?: (sender: Device, receiver: Device) => Promise<void>;
}

/**
 * One replication run in two fresh Chromium processes: the sender ("phone", role member) fills
 * its OPFS store with `mib` chunk-sized random objects, then the receiver (role relay, wants
 * everything) joins and pulls them all.
 */
export async function replicationRun(server: SignalServer, o: ReplicationOptions): Promise<ReplicationRun> {
  const count = Math.max(1, Math.round((o.mib * MiB) / CHUNK_OBJECT_BYTES));
  const warmObjects = o.warmObjects ?? Math.min(8, count - 1);
  const secret = randomBytes(32).toString('hex');
  const sender = await launchDevice(server, 'sender');
  const receiver = await launchDevice(server, 'receiver');
  try {
    if (o.before) await o.before(sender, receiver);
    const common = { signalUrl: server.wsUrl, vaultSecretHex: secret, relay: o.relay, store: o.store ?? 'opfs', ...(o.whatIf ? { whatIf: o.whatIf } : {}), ...(o.engineConfig ? { engineConfig: o.engineConfig } : {}) };
    await call(sender, 'start', { ...common, role: 'member' });
    const filled = await call<{ hashes: string[]; ms: number }>(sender, 'fill', { count, size: CHUNK_OBJECT_BYTES });
    if (o.atStart) await o.atStart(sender, receiver);
    const cpu = cpuMeter(sender, receiver);
    await call(receiver, 'start', { ...common, role: 'relay' });
    await call(receiver, 'expectObjects', { count, size: CHUNK_OBJECT_BYTES, warmObjects, hashes: filled.hashes });
    const deadline = Date.now() + (o.timeoutMs ?? 240_000);
    let st: any;
    let lastLog = 0;
    for (;;) {
      st = await call(receiver, 'status');
      if (st.progress.tDone !== undefined) break;
      if (Date.now() > deadline) {
        const log = await call<string[]>(receiver, 'log');
        throw new Error(`replication timed out: ${JSON.stringify(st)}\n${log.slice(-20).join('\n')}`);
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.error(`[replication${o.relay ? ' turn' : ''}] ${st.progress.objects}/${count} objects`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const bytes = count * CHUNK_OBJECT_BYTES;
    const cpuUse = cpu(bytes / MiB);
    const sst = await call(sender, 'status');
    const p = st.progress;
    const run: ReplicationRun = {
      objects: count,
      objectBytes: CHUNK_OBJECT_BYTES,
      mibPerSec: bytes / MiB / ((p.tDone - p.tOpen) / 1000),
      mibPerSecFromJoin: bytes / MiB / ((p.tDone - p.tStart) / 1000),
      mibPerSecSteady: ((count - warmObjects) * CHUNK_OBJECT_BYTES) / MiB / ((p.tDone - p.tWarm) / 1000),
      connectMs: Math.round(p.tOpen - p.tStart),
      totalMs: Math.round(p.tDone - p.tOpen),
      fillMs: Math.round(filled.ms),
      transport: st.peers.find((x: { state: string }) => x.state === 'open')?.transport ?? 'unknown',
      senderBytesOut: sst.peers.reduce((n: number, x: { bytesOut: number }) => n + x.bytesOut, 0),
      receiverBytesIn: st.peers.reduce((n: number, x: { bytesIn: number }) => n + x.bytesIn, 0),
      senderBuffer: { starved: round(sst.buffered.low / Math.max(1, sst.buffered.samples)), full: round(sst.buffered.high / Math.max(1, sst.buffered.samples)) },
      cpu: cpuUse,
    };
    if (o.alsoWith) await o.alsoWith(sender, receiver);
    await Promise.all([call(sender, 'stop'), call(receiver, 'stop')]).catch(() => undefined);
    return run;
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
  }
}

export interface BlastRun {
  mibPerSec: number;
  bytes: number;
  warmBytes: number;
  messageBytes: number;
  path: string;
  cpu: CpuUse;
}

/**
 * The baseline: a bare simple-peer data channel between the same two processes (signalled
 * through Node, no TURN), `mib` MiB in messages of `messageBytes` after `warmMiB` of warm-up,
 * timed at the receiver from the end of the warm-up to the last byte.
 */
export async function bareBlast(sender: Device, receiver: Device, o: { mib: number; warmMiB: number; messageBytes: number }): Promise<BlastRun> {
  const offer = await call(sender, 'blastOffer');
  const answer = await call(receiver, 'blastAnswer', offer);
  await call(sender, 'blastConnect', answer);
  await call(receiver, 'blastWaitConnected');
  const warmBytes = o.warmMiB * MiB;
  const total = warmBytes + o.mib * MiB;
  await call(receiver, 'blastExpect', warmBytes);
  const cpu = cpuMeter(sender, receiver);
  await call(sender, 'blastSend', { bytes: total, messageBytes: o.messageBytes, highWater: HIGH_WATER });
  const deadline = Date.now() + 240_000;
  let st: any;
  for (;;) {
    st = await call(receiver, 'blastStatus');
    if (st.bytes >= total) break;
    if (Date.now() > deadline) throw new Error(`blast timed out: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const cpuUse = cpu(total / MiB);
  const path = await call<{ kind: string; protocol: string }>(sender, 'blastPath');
  await Promise.all([call(sender, 'blastClose'), call(receiver, 'blastClose')]);
  return {
    mibPerSec: (st.bytes - st.bytesAtWarm) / MiB / ((st.tLast - st.tWarm) / 1000),
    bytes: st.bytes, warmBytes, messageBytes: o.messageBytes, path: `${path.kind}/${path.protocol}`, cpu: cpuUse,
  };
}

export const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
