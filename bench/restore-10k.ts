/**
 * restore-10k: seconds for a NEW device to restore a 10,000-photo vault from ONE relay node over
 * a real WebRTC data channel, versus a bare data-channel blast of the same bytes between the same
 * two Chromium processes in the same run. ratio = blast seconds ÷ restore seconds (goal ≥ 0.5).
 *
 * - Signal server: the real one (e2e/support/processes.ts), serving the harness pages.
 * - Relay: the relay page as relay-node runs it: relay-node's own page server, launchRelayPage
 *   (persistent profile, persistent storage granted, fvRelay.start) and its Chromium switches
 *   (--test-loopback set), on relay.html, the real relay entry (web/src/entries/relay.ts).
 * - Fixture (e2e/harness/bench-restore.ts build()): a builder device (the real AppController)
 *   creates the vault and adds N photos in 20 albums through VaultSession.recordPhotos, each with
 *   its own file key, its own signed sealed op, and a real sealed thumbnail and metadata object;
 *   the relay backs it all up over WebRTC; the builder is closed and the relay's profile kept as
 *   the pristine fixture (FV_RESTORE_DIR=DIR keeps it there for the next run; each run restores
 *   from a fresh copy of it, so the restore's own ops never pile up in the fixture).
 * - New device: the real app (fv-app) on a fresh profile; the bench types the device invite into
 *   the welcome screen, ticks "restore my keys" and "use my recovery phrase", types the 24 words
 *   and presses Join. Figure: seconds from that click until every photo's op is applied and its
 *   thumbnail and metadata objects are on the device (checked in the session: all N photos in
 *   the albums, and store.has for each of their 2N objects). Then every thumbnail (a JPEG) and
 *   metadata (its name) is decrypted, the timeline's first screen shows decoded thumbnails, and
 *   the link to the relay must be WebRTC ('direct'), not the WebSocket fallback.
 * - Baseline: bareBlast (bench/support/replication.ts: simple-peer data channel, 256 KiB messages,
 *   4 MiB high-water, 8 MiB warm-up excluded) from the relay's browser to the device's browser,
 *   each in a second tab of the same process: seconds to move the restore's payload bytes (the
 *   thumbnail + metadata + op bytes on the new device, counted) at the blast's rate, the mean
 *   rate of one blast before the restore and one after.
 *
 * FV_RESTORE_PHOTOS=N changes the count (default 10000); FV_RESTORE_VERIFY=N decrypts only N
 * photos after the timing (default: all); FV_RESTORE_TIMEOUT_MIN (default 40); FV_RESTORE_PROFILE=DIR
 * writes CPU profiles of both pages over the restore; FV_RESTORE_TRACE=FILE a Chromium trace (IndexedDB
 * and toplevel categories, JSON) of the device's browser for its first 45 s, where the browser
 * process's IndexedDB work shows. notes always carry the CPU of each browser per thread over the
 * restore and the device's IndexedDB transactions and requests by store.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromiumPath, launchPersistentChromium, testChromiumArgs } from '../e2e/support/chromium.ts';
import { freePort, repoRoot } from '../e2e/support/processes.ts';
import { relayChromiumArgs } from '../relay-node/src/chromium-args.ts';
import { newPeerId } from '../relay-node/src/data-dir.ts';
import { launchRelayPage } from '../relay-node/src/launch-page.ts';
import { makeLogger } from '../relay-node/src/log.ts';
import { startPageServer, type PageServer } from '../relay-node/src/page-server.ts';
import { harnessServer, writeResult } from './support/harness.ts';
import { cpuDiff, cpuSnapshot } from './support/proc-cpu.ts';
import { bareBlast, FRAME_BYTES, HIGH_WATER, MiB, round, type BlastRun, type Device } from './support/replication.ts';

const PHOTOS = Number(process.env.FV_RESTORE_PHOTOS ?? 10_000);
const ALBUMS = 20;
const PASS = 'correct horse battery staple restore bench';
const KEEP = process.env.FV_RESTORE_DIR;
const VERIFY = process.env.FV_RESTORE_VERIFY ? Number(process.env.FV_RESTORE_VERIFY) : PHOTOS;
/** FV_RESTORE_PROFILE=DIR: CPU profiles of the device's and the relay's page over the restore. */
const PROFILE = process.env.FV_RESTORE_PROFILE;
const TIMEOUT_MS = Number(process.env.FV_RESTORE_TIMEOUT_MIN ?? 40) * 60_000;
const log = (s: string) => console.error(`[restore] ${s}`);

interface Fixture {
  photos: number;
  albums: number;
  vaultId: string;
  recoveryPhrase: string;
  deviceInvite: string;
  relayInvite: string;
  relayPeerId: string;
  pagePort: number;
  buildMs: number;
  backupMs: number;
  /** What the builder held: its objects, and its ops as the wire encodes them. */
  builder: Holdings;
}

interface Holdings {
  objects: number; objectBytes: number; thumbBytes: number; metaBytes: number; ops: number; opBytes: number;
  peers: Array<{ role?: string; state: string; transport: string; bytesIn: number; bytesOut: number }>;
}

interface Progress { phase: string; screen: string; photos: number; thumbs: number; metas: number; objects?: number; ready?: boolean; done: boolean; at?: number; opsStored?: Record<string, number> }

log(`${PHOTOS} photos in ${ALBUMS} albums${KEEP ? ` (fixture kept in ${KEEP})` : ''}`);
const t00 = Date.now();
const server = await harnessServer();
const work = mkdtempSync(join(tmpdir(), 'fv-bench-restore-'));
const fixtureDir = KEEP ? join(KEEP, `relay-${PHOTOS}`) : join(work, 'relay-pristine');
const fixtureFile = join(fixtureDir, 'fixture.json');
const pristine = join(fixtureDir, 'profile');
let fixture: Fixture | undefined = existsSync(fixtureFile) && existsSync(pristine) ? JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture : undefined;
if (fixture && fixture.photos !== PHOTOS) fixture = undefined;

const relayLog = makeLogger({
  level: process.env.FV_RESTORE_VERBOSE ? 'info' : 'warn', format: 'text',
  write: (_level, line) => console.error(`[relay] ${line}`),
});

/** The relay's browser, launched as relay-node launches it, on `profile`. */
async function startRelay(pages: PageServer, profile: string, f: { relayInvite: string; relayPeerId: string }) {
  const launched = await launchRelayPage({
    launch: (dir, opts) => chromium.launchPersistentContext(dir, opts),
    executablePath: chromiumPath(), profileDir: profile,
    args: relayChromiumArgs({ testLoopback: true, isRoot: process.getuid?.() === 0 }),
    origin: pages.origin, pageUrl: `${pages.origin}/relay.html`,
    pageConfig: { signalUrl: server.wsUrl, invite: f.relayInvite, name: 'Oak', quotaBytes: null, peerId: f.relayPeerId, testLoopback: true },
    timeoutMs: 60_000, log: relayLog,
  });
  const status = () => launched.page.evaluate(() => (window as any).fvRelay.status()) as Promise<{ objects: number; bytes: number; queueDepth: number; peers: Array<{ role: string; transport: string }> }>;
  return {
    ...launched, status, profile,
    async stop() {
      await launched.page.evaluate(() => (window as any).fvRelay.stop()).catch(() => undefined);
      await launched.context.close().catch(() => undefined);
    },
  };
}

/** Counts the application bytes of every data channel a page opens (both directions), in window.__fvDc. */
const DC_COUNTER = `(() => {
  const w = window;
  if (!w.RTCPeerConnection || w.__fvDc) return;
  const dc = (w.__fvDc = { in: 0, out: 0, channels: 0 });
  const size = (d) => (typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0));
  const watch = (ch) => {
    dc.channels++;
    ch.addEventListener('message', (e) => { dc.in += size(e.data); });
  };
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (d) { dc.out += size(d); return send.call(this, d); };
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (...a) { const ch = create.apply(this, a); watch(ch); return ch; };
  const Orig = w.RTCPeerConnection;
  w.RTCPeerConnection = class extends Orig {
    constructor(...a) { super(...a); this.addEventListener('datachannel', (e) => watch(e.channel)); }
  };
})();`;

/** Counts IndexedDB transactions (by mode and stores) and requests of a page's main thread, in window.__fvIdb. */
const IDB_COUNTER = `(() => {
  const w = window;
  if (!w.IDBDatabase || w.__fvIdb) return;
  const c = (w.__fvIdb = { tx: {}, req: {} });
  const tx = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (names, mode, opts) {
    const k = (mode || 'readonly') + ' ' + [].concat(names).join('+');
    c.tx[k] = (c.tx[k] || 0) + 1;
    return tx.call(this, names, mode, opts);
  };
  for (const m of ['get', 'getAll', 'getKey', 'put', 'add', 'delete', 'count', 'openCursor', 'openKeyCursor', 'getAllKeys']) {
    const f = IDBObjectStore.prototype[m];
    if (!f) continue;
    IDBObjectStore.prototype[m] = function (...a) { const k = m + ' ' + this.name; c.req[k] = (c.req[k] || 0) + 1; return f.apply(this, a); };
    const g = IDBIndex.prototype[m];
    if (g) IDBIndex.prototype[m] = function (...a) { const k = m + ' ' + this.objectStore.name + '.' + this.name; c.req[k] = (c.req[k] || 0) + 1; return g.apply(this, a); };
  }
})();`;

type IdbCounts = { tx: Record<string, number>; req: Record<string, number> };
function idbDiff(a: IdbCounts, b: IdbCounts) {
  const d = (x: Record<string, number>, y: Record<string, number>) => Object.fromEntries(Object.entries(y).map(([k, v]) => [k, v - (x[k] ?? 0)]).filter(([, v]) => (v as number) > 0).sort((p, q) => (q[1] as number) - (p[1] as number)));
  const tx = d(a.tx, b.tx), req = d(a.req, b.req);
  const sum = (o: Record<string, number>) => Object.values(o).reduce((n, v) => n + v, 0);
  return { transactions: sum(tx), requests: sum(req), tx, req };
}

/** A family device: the real app (bench-restore.html) in its own Chromium process and profile. */
async function appDevice(name: string) {
  const dir = mkdtempSync(join(work, `${name}-`));
  // As bench/support/replication.ts launchDevice: the route below fulfils responses without an
  // address space, so Local Network Access checks are off; and the server's Permissions-Policy
  // (microphone=()) is dropped, since loopback ICE under the test flags needs the media permission.
  const args = testChromiumArgs.map((a) => (a.startsWith('--disable-features=') ? `${a},LocalNetworkAccessChecks` : a)).concat(process.env.FV_RESTORE_TRACE ? ['--trace-startup=IndexedDB,toplevel', `--trace-startup-file=${process.env.FV_RESTORE_TRACE}`, '--trace-startup-duration=45', '--trace-startup-format=json'] : []);
  const context = await launchPersistentChromium(dir, { args, viewport: { width: 412, height: 915 } } as never);
  await context.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['permissions-policy'];
    await route.fulfill({ response, headers });
  });
  // Counts the application bytes of every data channel the app page opens (both directions).
  // A string, not a function: tsx would wrap a function's inner functions in its __name helper,
  // which the page does not have.
  await context.addInitScript(DC_COUNTER);
  await context.addInitScript(IDB_COUNTER);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
  page.on('console', (m) => {
    if (process.env.FV_RESTORE_VERBOSE && m.type() !== 'error') console.error(`[${name} ${new Date().toISOString().slice(11, 23)}]`, m.text().slice(0, 300));
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) console.error(`[${name}]`, m.text(), m.location().url);
  });
  await page.goto(`${server.url}/bench-restore.html`);
  await page.waitForFunction(() => 'fvRestoreBench' in window);
  const call = <T = any>(fn: string, arg?: unknown) => page.evaluate(([f, a]) => (window as any).fvRestoreBench[f as string](a), [fn, arg] as const) as Promise<T>;
  return { name, dir, context, page, call, close: () => context.close().catch(() => undefined) };
}

/** A second tab on the blast harness page in `context` (the same browser process). */
async function blastTab(name: string, context: BrowserContext, url: string, dir: string): Promise<Device> {
  const page: Page = await context.newPage();
  page.on('pageerror', (e) => {
    if (!e.message.includes('User-Initiated Abort')) console.error(`[${name} blast] page error:`, e.message);
  });
  await page.goto(url);
  await page.waitForFunction(() => 'fvBenchRepl' in window);
  return { name, context, page, dir, close: () => page.close() };
}

async function until<T>(what: string, fn: () => Promise<T>, ok: (x: T) => boolean, o: { timeoutMs: number; everyMs?: number; report?: (x: T) => string }): Promise<T> {
  const end = Date.now() + o.timeoutMs;
  let lastLog = Date.now();
  for (;;) {
    const x = await fn();
    if (ok(x)) return x;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(x)}`);
    if (o.report && Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(`${what}: ${o.report(x)}`);
    }
    await new Promise((r) => setTimeout(r, o.everyMs ?? 250));
  }
}

let failed = false;
const closers: Array<() => Promise<unknown>> = [];
try {
  // ── the fixture: built once (and kept with FV_RESTORE_DIR) ──────────────────────────────
  if (!fixture) {
    rmSync(fixtureDir, { recursive: true, force: true });
    mkdirSync(pristine, { recursive: true });
    const pagePort = KEEP ? 47651 : await freePort();
    const pages = await startPageServer({ root: join(repoRoot, 'e2e/harness/dist'), port: pagePort, log: relayLog });
    const builder = await appDevice('builder');
    try {
      const b = await builder.call<{ vaultId: string; count: number; recoveryPhrase: string; deviceInvite: string; relayInvite: string; buildMs: number; keysMs: number }>(
        'build', { passphrase: PASS, photos: PHOTOS, albums: ALBUMS });
      if (b.count !== PHOTOS) throw new Error(`the builder holds ${b.count} photos, not ${PHOTOS}`);
      log(`built ${PHOTOS} photos in ${b.buildMs} ms (sealing ${b.keysMs} ms)`);
      const relayPeerId = newPeerId();
      const relay = await startRelay(pages, pristine, { relayInvite: b.relayInvite, relayPeerId });
      const t0 = Date.now();
      const want = await builder.call<{ objects: number }>('builderState');
      await until('the relay backing up the builder', async () => ({ relay: await relay.status(), builder: await builder.call('builderState') }),
        (x) => x.relay.objects >= x.builder.objects && x.relay.queueDepth === 0 && x.builder.jobs === 0,
        { timeoutMs: TIMEOUT_MS, everyMs: 1000, report: (x) => `relay ${x.relay.objects}/${x.builder.objects} objects, queue ${x.relay.queueDepth}; builder ${JSON.stringify(x.builder.peers)}` });
      // Ops go first in a session (op sync before inventories); a few seconds more for the last batch.
      await new Promise((r) => setTimeout(r, 5000));
      const backupMs = Date.now() - t0;
      const holdings = await builder.call<Holdings>('holdings');
      log(`the relay holds the builder's ${want.objects} objects after ${backupMs} ms; builder holdings ${JSON.stringify({ ...holdings, peers: undefined })}`);
      await relay.stop();
      fixture = {
        photos: PHOTOS, albums: ALBUMS, vaultId: b.vaultId, recoveryPhrase: b.recoveryPhrase, deviceInvite: b.deviceInvite, relayInvite: b.relayInvite,
        relayPeerId, pagePort, buildMs: b.buildMs, backupMs, builder: holdings,
      };
      writeFileSync(fixtureFile, JSON.stringify(fixture, null, 1));
    } finally {
      await builder.close();
      await pages.close();
    }
  } else {
    log(`reusing the fixture in ${fixtureDir} (built in ${fixture.buildMs} ms, backed up in ${fixture.backupMs} ms)`);
  }
  const f = fixture;

  // ── the run: the relay on a fresh copy of the fixture, a new device ─────────────────────
  const runProfile = join(work, 'relay-run');
  const tCopy = Date.now();
  cpSync(pristine, runProfile, { recursive: true });
  log(`relay profile copied in ${Date.now() - tCopy} ms`);
  const pages = await startPageServer({ root: join(repoRoot, 'e2e/harness/dist'), port: f.pagePort, log: relayLog });
  closers.push(() => pages.close());
  const relay = await startRelay(pages, runProfile, f);
  closers.push(() => relay.stop());
  const before = await relay.status();
  if (before.objects < f.builder.objects) throw new Error(`the relay holds ${before.objects} objects, the builder had ${f.builder.objects}`);
  const device = await appDevice('device');
  closers.push(() => device.close());
  const relayDevice: Device = { name: 'relay', context: relay.context, page: relay.page, dir: runProfile, close: async () => undefined };
  const blasts: BlastRun[] = [];
  const tabs = {
    relay: await blastTab('relay', relay.context, `${pages.origin}/bench-replication.html`, relayDevice.dir),
    device: await blastTab('device', device.context, `${server.url}/bench-replication.html`, device.dir),
  };
  const blast = async (bytes: number, when: string) => {
    const b = await bareBlast(tabs.relay, tabs.device, { mib: bytes / MiB, warmMiB: 8, messageBytes: FRAME_BYTES });
    log(`bare blast ${when}: ${round(b.mibPerSec)} MiB/s over ${b.path} (${round(bytes / MiB)} MiB after 8 MiB warm-up)`);
    blasts.push(b);
  };
  const expectBytes = f.builder.thumbBytes + f.builder.metaBytes + f.builder.opBytes;
  await blast(expectBytes, 'before the restore');
  await device.page.bringToFront();

  // The restore, through the welcome screen as a member on a new phone does it.
  await device.page.getByLabel('Invite (link or code)').fill(f.deviceInvite);
  await device.page.getByLabel(/restore my keys/).check();
  await device.page.getByLabel(/use my 24-word recovery phrase/).check();
  await device.page.getByLabel('Recovery phrase', { exact: true }).fill(f.recoveryPhrase);
  const profilers = PROFILE ? await Promise.all([[device.context, device.page], [relay.context, relay.page]].map(async ([c, pg]) => {
    const cdp = await (c as BrowserContext).newCDPSession(pg as Page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
    return cdp;
  })) : [];
  const idb0 = await device.page.evaluate(() => JSON.stringify((window as any).__fvIdb));
  // The relay's page is already open: its counter goes in now (prototypes, so its open database counts too).
  await relay.page.evaluate(IDB_COUNTER);
  const relayIdb0 = await relay.page.evaluate(() => JSON.stringify((window as any).__fvIdb));
  const cpu0 = { device: cpuSnapshot(device.dir), relay: cpuSnapshot(runProfile) };
  const t0 = await device.page.evaluate(() => performance.now());
  const wall0 = Date.now();
  await device.page.getByRole('button', { name: 'Join', exact: true }).click();
  let firstScreenAt: number | undefined;
  let lastOps: Record<string, number> | undefined;
  let joinedAt: number | undefined;
  /** About once a second: [s since Join, photos applied, objects stored since the session opened, listing done]. */
  const samples: Array<[number, number, number, number]> = [];
  const done = await until('the restore', async () => {
    const p = await device.call<Progress>('progress', PHOTOS);
    if (p.opsStored) lastOps = p.opsStored;
    const t = round((Date.now() - wall0) / 1000);
    if (p.phase !== 'joining' && (samples.length === 0 || t - samples[samples.length - 1]![0] >= 1)) samples.push([t, p.photos, p.objects ?? 0, p.ready ? 1 : 0]);
    // A join that failed says so on the welcome screen (role=alert): no point waiting for it.
    if (p.phase === 'joining') {
      const alert = device.page.getByRole('alert');
      if (await alert.count()) throw new Error(`the join failed after ${round((Date.now() - wall0) / 1000)} s; the welcome screen says: ${await alert.first().textContent()}`);
    }
    if (joinedAt === undefined && p.phase !== 'joining') joinedAt = await device.page.evaluate(() => performance.now());
    if (firstScreenAt === undefined && p.photos > 0) {
      const s = await device.call<{ cells: number; decoded: number }>('screenful');
      if (s.cells > 0 && s.decoded === s.cells) firstScreenAt = await device.page.evaluate(() => performance.now());
    }
    return p;
  }, (p) => p.done, {
    timeoutMs: TIMEOUT_MS, everyMs: 250,
    report: (p) => `${Math.round((Date.now() - wall0) / 1000)} s: ${p.phase}, ${p.photos} photos, ${p.thumbs} thumbnails, ${p.metas} metadata${lastOps ? `; op vector (highest seq per author, summed) by log ${JSON.stringify(lastOps)}` : ''}`,
  });
  const restoreSec = (done.at! - t0) / 1000;
  // CPU per process type and thread of each browser over the restore: where the time goes.
  const cpu = { device: cpuDiff(cpu0.device, cpuSnapshot(device.dir)), relay: cpuDiff(cpu0.relay, cpuSnapshot(runProfile)) };
  const idb1 = await device.page.evaluate(() => JSON.stringify((window as any).__fvIdb));
  const idb = idbDiff(JSON.parse(idb0), JSON.parse(idb1));
  const relayIdb = idbDiff(JSON.parse(relayIdb0), JSON.parse(await relay.page.evaluate(() => JSON.stringify((window as any).__fvIdb))));
  log(`IndexedDB on the device's main thread over the restore: ${JSON.stringify(idb)}`);
  log(`CPU over the restore: device ${cpu.device.totalMs} ms ${JSON.stringify(cpu.device.byThread)}; relay ${cpu.relay.totalMs} ms ${JSON.stringify(cpu.relay.byThread)}`);
  if (PROFILE) {
    mkdirSync(PROFILE, { recursive: true });
    for (const [i, name] of ['device', 'relay'].entries()) {
      const { profile } = await profilers[i]!.send('Profiler.stop');
      writeFileSync(join(PROFILE, `restore-${name}.cpuprofile`), JSON.stringify(profile));
    }
    log(`CPU profiles of both pages in ${PROFILE}`);
  }
  log(`restored ${PHOTOS} photos in ${round(restoreSec)} s (the session open at ${joinedAt ? round((joinedAt - t0) / 1000) : '?'} s, first screen decoded at ${firstScreenAt ? round((firstScreenAt - t0) / 1000) : '?'} s)`);

  // ── checks ──────────────────────────────────────────────────────────────────────────────
  const dc = await device.page.evaluate(() => ({ ...(window as any).__fvDc })) as { in: number; out: number; channels: number };
  const held = await device.call<Holdings>('holdings');
  const v = await device.call<{ checked: number; thumbsOk: number; metasOk: number; bad: string[]; ms: number }>('verify', { sample: VERIFY });
  log(`decrypted ${v.thumbsOk}/${v.checked} thumbnails and ${v.metasOk}/${v.checked} metadata in ${v.ms} ms${v.bad.length ? `; bad: ${v.bad.join('; ')}` : ''}`);
  if (v.thumbsOk !== v.checked || v.metasOk !== v.checked || v.checked < Math.min(VERIFY, PHOTOS)) throw new Error(`only ${v.thumbsOk} thumbnails and ${v.metasOk} metadata of ${v.checked} decrypt`);
  const screen = await until('the first screen decoded', () => device.call<{ cells: number; decoded: number }>('screenful'), (s) => s.cells > 0 && s.decoded === s.cells, { timeoutMs: 60_000 })
    .catch(async (e: unknown) => {
      // What the device showed instead, for the one reading the failure.
      const shot = join(repoRoot, 'bench/results/restore-10k-failed.png');
      await device.page.screenshot({ path: shot }).then(() => log(`the device's screen: ${shot}`), () => undefined);
      throw e;
    });
  const open = held.peers.filter((p) => p.state === 'open');
  if (!open.length || open.some((p) => p.role !== 'relay' || p.transport !== 'direct')) throw new Error(`the new device's links are not one direct WebRTC link to the relay: ${JSON.stringify(held.peers)}`);
  if (held.thumbBytes === 0 || held.metaBytes === 0) throw new Error(`no thumbnail or metadata bytes counted: ${JSON.stringify(held)}`);
  const payload = held.thumbBytes + held.metaBytes + held.opBytes;
  log(`payload ${payload} B (thumbnails ${held.thumbBytes}, metadata ${held.metaBytes}, ${held.ops} ops ${held.opBytes}); all objects ${held.objects} (${held.objectBytes} B); data-channel bytes in ${dc.in}, out ${dc.out} over ${dc.channels} channels`);

  // ── baseline: the same bytes, bare, between the same two browsers ───────────────────────
  await device.page.evaluate(() => (window as any).fvRestoreBench.controller.lock());
  await blast(payload, 'after the restore');
  const rate = blasts.reduce((n, b) => n + b.mibPerSec, 0) / blasts.length;
  const blastSec = payload / MiB / rate;
  const runMin = round((Date.now() - t00) / 60_000, 1);
  writeResult({
    name: 'restore-10k',
    figure: round(restoreSec),
    baseline: round(blastSec),
    ratio: round(blastSec / restoreSec, 3),
    unit: 's',
    goal: 'ratio (blast s / restore s) >= 0.5',
    notes: {
      photos: PHOTOS,
      figure: `a new device (the real app, fv-app over AppController and VaultSession, fresh Chromium profile) restores a ${PHOTOS}-photo vault (${ALBUMS} albums) from ONE relay node ` +
        '(relay.html as relay-node launches it: its page server, launchRelayPage, its Chromium switches with --test-loopback) over a direct WebRTC data channel through the real signal server: ' +
        'seconds from pressing Join on the welcome screen (device invite typed in, "restore my keys" and "use my recovery phrase" ticked, the 24 words typed) until every photo\'s op is applied ' +
        `and its thumbnail and metadata objects are on the device (all ${PHOTOS} photos in the session's albums and store.has for each of their ${2 * PHOTOS} objects, polled every 250 ms). ` +
        `Includes opening the key bundle with the recovery phrase, the keyless probe session, the session start and op sync. Checked after: ${v.checked} thumbnails decrypt to JPEGs and their metadata to IMG_n.jpg, the first screen shows decoded thumbnails, the only open link is 'direct' to the relay.`,
      baseline: `bare simple-peer data channel (bench/support/replication.ts bareBlast: ${FRAME_BYTES} B messages, ${HIGH_WATER / MiB} MiB high-water, 8 MiB warm-up excluded) from the relay's Chromium to the device's Chromium (a second tab in each), ` +
        `seconds to move the restore's payload (${payload} B) at the mean rate of one blast before the restore (${expectBytes} B, the builder's count) and one after (${payload} B)`,
      bytes: {
        payload, thumbnails: held.thumbBytes, metadata: held.metaBytes, ops: held.ops, opBytes: held.opBytes,
        allObjects: held.objects, allObjectBytes: held.objectBytes,
        dataChannelIn: dc.in, dataChannelOut: dc.out, dataChannels: dc.channels,
        wireOverhead: round(dc.in / payload, 4),
      },
      blastsMiBps: blasts.map((b) => round(b.mibPerSec)),
      blastPath: blasts[0]?.path,
      restoreMiBps: round(payload / MiB / restoreSec),
      sessionOpenSec: joinedAt ? round((joinedAt - t0) / 1000) : null,
      firstScreenDecodedSec: firstScreenAt ? round((firstScreenAt - t0) / 1000) : null,
      progress: { columns: ['s since Join', 'photos applied', 'objects stored by the session (not its probe)', 'relay listing done'], samples },
      firstScreen: screen,
      verifyMs: v.ms,
      cpuMsOverRestore: cpu,
      deviceIdbOverRestore: idb,
      relayIdbOverRestore: relayIdb,
      fixture: `each photo its own file key wrapped under its album's key, its own signed sealed op (VaultSession.recordPhotos), a real sealed thumbnail (800x600 JPEG scaled by scaleToJpeg) and metadata; no originals; built in ${f.buildMs} ms, backed up to the relay in ${f.backupMs} ms`,
      runMinutes: runMin,
    },
  });
} catch (e) {
  failed = true;
  console.error(`[restore] FAILED (no result written): ${(e as Error).stack ?? String(e)}`);
} finally {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
