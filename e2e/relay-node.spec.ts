/**
 * relay-node as a process: real CLI, real signal server, real Chromium on a persistent profile.
 * The page it drives here is a FAKE relay page (below) that implements only the
 * `window.fvRelay` contract, served with --web-dir: these tests are about the process side
 * (supervision, restarts, status, refusals). Replication through the real relay page is tested
 * against web/src/entries/relay.ts separately.
 */
import { expect, test } from '@playwright/test';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeInvite } from '../web/src/crypto/invite.ts';
import { freePort, repoRoot, spawnUntil, startSignalServer, type Running, type SignalServer } from './support/processes.ts';

// The fake page: counts its starts in localStorage (so a restart on the same profile and origin
// sees the earlier ones), hangs its main thread when hang.json says so, and logs the invite as a
// console error so the test can check relay-node redacts it.
// It is a separate script file because the page server sends the app's CSP (no inline script).
const FAKE_RELAY_HTML = '<!doctype html><meta charset="utf-8"><title>fake relay</title><script src="/fake-relay.js"></script>';
const FAKE_RELAY_JS = `
let config = null, starts = 0;
window.fvRelay = {
  async start(cfg) {
    config = cfg;
    starts = Number(localStorage.getItem('starts') || '0') + 1;
    localStorage.setItem('starts', String(starts));
    console.error('fake relay page: started with invite ' + cfg.invite);
    setInterval(async () => {
      const r = await fetch('/hang.json', { cache: 'no-store' });
      if ((await r.json()).hang) for (;;) {}
    }, 250);
  },
  async status() {
    return { ready: config !== null, peerId: config ? config.peerId : '', objects: starts, bytes: 0,
      quotaBytes: config ? config.quotaBytes : null, peers: [], queueDepth: 0, lastSyncAt: null,
      signal: config && config.testLoopback ? 'fake-loopback' : 'fake', corrupt: 0, version: 'fake-page' };
  },
  async selfCheck({ sample }) { return { checked: Math.min(sample, starts), corrupt: [] }; },
  async stop() { console.warn('fake relay page: stop called'); },
};
`;

const bytes = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const relayInvite = encodeInvite({ kind: 'relay', vaultSecret: bytes(7), inviter: bytes(8), inviteSeed: new Uint8Array(32).fill(7) });
const memberInvite = encodeInvite({ kind: 'member', vaultSecret: bytes(7), memberSecret: bytes(9), inviter: bytes(8), inviteSeed: new Uint8Array(32).fill(8) });

const cli = ['--import', 'tsx', 'relay-node/src/cli.ts'];

let tmp: string;
let webDir: string;
let signal: SignalServer;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fv-relay-e2e-'));
  webDir = join(tmp, 'web');
  await mkdir(webDir);
  await writeFile(join(webDir, 'relay.html'), FAKE_RELAY_HTML);
  await writeFile(join(webDir, 'fake-relay.js'), FAKE_RELAY_JS);
  await writeFile(join(webDir, 'hang.json'), '{"hang": false}');
  signal = await startSignalServer();
});

test.afterAll(async () => {
  await signal?.stop();
  await rm(tmp, { recursive: true, force: true });
});

interface Ports {
  port: number;
  pagePort: number;
}

function relayArgs(dataDir: string, p: Ports, extra: string[] = []): string[] {
  return [
    ...cli, '--data', dataDir, '--signal', signal.wsUrl, '--name', 'Oak', '--quota', '5GB',
    '--port', String(p.port), '--page-port', String(p.pagePort), '--web-dir', webDir, '--test-loopback',
    '--watchdog-interval', '1', '--watchdog-timeout', '3', ...extra,
  ];
}

function startRelay(dataDir: string, p: Ports, extra: string[] = []): Promise<Running> {
  return spawnUntil(process.execPath, relayArgs(dataDir, p, extra), / INFO running status=/, { env: { RELAY_INVITE: relayInvite }, timeoutMs: 60_000 });
}

/** Runs the CLI to its exit. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...cli, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

async function status(port: number): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}/status`);
  return res.json();
}

async function ports(): Promise<Ports> {
  return { port: await freePort(), pagePort: await freePort() };
}

test('runs, reports status, restarts a killed or hung browser, stops on SIGTERM, keeps its storage', async () => {
  const dataDir = join(tmp, 'data-main');
  const p = await ports();
  const relay = await startRelay(dataDir, p, ['--self-check-minutes', '0.03']);
  try {
    const health = await fetch(`http://127.0.0.1:${p.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, restarts: 0 });

    const s0 = await status(p.port);
    expect(s0).toMatchObject({
      ok: true, name: 'Oak', origin: `http://127.0.0.1:${p.pagePort}`, objects: 1, quotaBytes: 5e9, pageVersion: 'fake-page',
      signal: { url: signal.wsUrl, state: 'fake-loopback', serverReachable: true },
      browser: { state: 'running', restarts: 0, storagePersisted: true },
    });
    expect(s0.peerId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(typeof s0.browser.pid).toBe('number');

    // `relay-node status` prints the same for a person.
    const printed = await runCli(['status', '--port', String(p.port)]);
    expect(printed.code).toBe(0);
    expect(printed.out).toMatch(/relay "Oak": OK, ready/);
    expect(printed.out).toContain(`pid ${s0.browser.pid}`);
    expect(printed.out).toMatch(/stored\s+1 objects, 0 B of 5\.0 GB quota/);

    // kill -9 the browser: the watchdog restarts it and the page is ready again.
    process.kill(s0.browser.pid, 'SIGKILL');
    await expect.poll(async () => (await status(p.port)).browser.restarts, { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await status(p.port)).ok, { timeout: 30_000 }).toBe(true);
    const s1 = await status(p.port);
    expect(s1.browser.pid).not.toBe(s0.browser.pid);
    expect(s1.browser.lastRestartReason).toMatch(/browser exited|page crashed|page closed/);
    expect(s1.peerId).toBe(s0.peerId);

    // A page whose main thread hangs stops answering status(): restarted too.
    await writeFile(join(webDir, 'hang.json'), '{"hang": true}');
    await expect.poll(() => /browser-restart reason="page not answering/.test(relay.output()), { timeout: 30_000 }).toBe(true);
    await writeFile(join(webDir, 'hang.json'), '{"hang": false}');
    await expect.poll(async () => { const s = await status(p.port); return s.ok && s.browser.restarts; }, { timeout: 45_000 }).toBe(2);

    // The periodic self-check ran and was logged; the page's console errors reach the log, redacted.
    await expect.poll(() => / INFO self-check checked=\d+ corrupt=0/.test(relay.output()), { timeout: 15_000 }).toBe(true);
    expect(relay.output()).toMatch(/ERROR page-console text="fake relay page: started with invite fv.<redacted>"/);

    // SIGTERM: fvRelay.stop() first, then a clean exit 0 within a few seconds.
    const t0 = Date.now();
    const code = await relay.stop('SIGTERM');
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(relay.output()).toMatch(/WARN page-console text="fake relay page: stop called"/);
    expect(relay.output()).toMatch(/ INFO stopped/);
    expect(relay.output()).not.toContain(relayInvite.slice(3));
  } finally {
    await relay.stop('SIGKILL');
  }

  // Same data dir, same origin: the profile kept what the page stored (its start count).
  const again = await startRelay(dataDir, p);
  try {
    const s = await status(p.port);
    expect(s.ok).toBe(true);
    expect(s.objects).toBeGreaterThanOrEqual(2);
    expect(again.output()).toMatch(/newDataDir=false/);
  } finally {
    expect(await again.stop('SIGTERM')).toBe(0);
  }

  // Same data dir on another page port (another origin): refused, with the way out.
  const other = await runCli(relayArgs(dataDir, { port: p.port, pagePort: p.pagePort + 1 }).slice(cli.length), { RELAY_INVITE: relayInvite });
  expect(other.code).toBe(1);
  expect(other.out).toContain(`belongs to the relay page origin http://127.0.0.1:${p.pagePort}`);
  expect(other.out).toContain(`Start it with --page-port ${p.pagePort}`);
});

test('keeps running when the signal server is unreachable', async () => {
  const p = await ports();
  const closed = await freePort();
  const relay = await spawnUntil(process.execPath, [
    ...relayArgs(join(tmp, 'data-nosignal'), p).map((a) => (a === signal.wsUrl ? `ws://127.0.0.1:${closed}/signal` : a)),
  ], / INFO running status=/, { env: { RELAY_INVITE: relayInvite }, timeoutMs: 60_000 });
  try {
    expect(relay.output()).toMatch(/WARN signal-server-unreachable .*relay keeps running and retries/);
    const s = await status(p.port);
    expect(s).toMatchObject({ ok: true, signal: { serverReachable: false } });
  } finally {
    expect(await relay.stop('SIGTERM')).toBe(0);
  }
});

test('refuses to start, with a clear message, when it cannot run', async () => {
  const p = await ports();
  const args = (dir: string): string[] => relayArgs(join(tmp, dir), p).slice(cli.length);

  const bad = await runCli(args('data-bad'), { RELAY_INVITE: relayInvite.slice(0, -6) });
  expect(bad.code).toBe(2);
  expect(bad.out).toMatch(/the relay invite is not valid/);
  expect(bad.out).not.toContain(relayInvite.slice(3, 40));

  const member = await runCli(args('data-member'), { RELAY_INVITE: memberInvite });
  expect(member.code).toBe(2);
  expect(member.out).toMatch(/MEMBER invite.*make a RELAY invite/s);
  expect(member.out).not.toContain(memberInvite.slice(3, 40));

  // No invite, and stdin is not a terminal (a pipe here, as under systemd): nothing is asked.
  const none = await runCli(args('data-none'), { RELAY_INVITE: '' });
  expect(none.code).toBe(2);
  expect(none.out).toMatch(/missing the relay invite: set RELAY_INVITE, --invite-file FILE or --invite STRING.*paste the invite when it asks/s);
  expect(none.out).not.toMatch(/Relay invite:/);
  // With none set, the invite saved in the data dir at a first start is read, and checked like any other.
  await mkdir(join(tmp, 'data-saved'));
  await writeFile(join(tmp, 'data-saved', 'invite'), `${memberInvite}\n`, { mode: 0o600 });
  const saved = await runCli(args('data-saved'), { RELAY_INVITE: '' });
  expect(saved.code).toBe(2);
  expect(saved.out).toMatch(/MEMBER invite/);
  expect(saved.out).not.toContain(memberInvite.slice(3, 40));

  const noBrowser = await runCli(args('data-nobrowser'), { RELAY_INVITE: relayInvite, CHROMIUM_PATH: '/nonexistent' });
  expect(noBrowser.code).toBe(1);
  expect(noBrowser.out).toMatch(/CHROMIUM_PATH=\/nonexistent is not an executable file.*sudo apt-get install -y chromium/);

  const notADir = join(tmp, 'a-file');
  await writeFile(notADir, 'x');
  const unwritable = await runCli(relayArgs(join(notADir, 'data'), p).slice(cli.length), { RELAY_INVITE: relayInvite });
  expect(unwritable.code).toBe(1);
  expect(unwritable.out).toMatch(/cannot create the data dir/);

  // A build whose relay.html lacks the fvRelay API (stale or wrong web dir): exit 1, saying so.
  const staleWeb = join(tmp, 'stale-web');
  await mkdir(staleWeb);
  await writeFile(join(staleWeb, 'relay.html'), '<!doctype html><title>old build</title>');
  const stale = await runCli([...args('data-stale'), '--web-dir', staleWeb], { RELAY_INVITE: relayInvite });
  expect(stale.code).toBe(1);
  expect(stale.out).toMatch(/did not provide window\.fvRelay.*npm run build/);

  const noStatus = await runCli(['status', '--port', String(p.port)]);
  expect(noStatus.code).toBe(2);
  expect(noStatus.out).toMatch(/no relay answering/);
});
