/**
 * The PeerTransport acceptance suite on real WebRTC in Chromium, through the real signal server
 * (sealed signaling, join signatures): direct, forced through coturn, and the WebSocket fallback
 * when ICE cannot connect. Each case asserts which kind of transport carried it.
 */
import { test, expect, type Browser } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { launchChromium } from './support/chromium.ts';
import { launchFirefox } from './support/firefox.ts';
import { startLeagueServer } from './support/league-signal-server.ts';
import { startCoturn } from './support/coturn.ts';
import { startSignalServer, type SignalServer } from './support/processes.ts';
import { startTurnStack, type TurnStack } from './support/turn-stack.ts';

let browser: Browser;
let stack: TurnStack;
let withTurn: SignalServer;
let noTurn: SignalServer;

test.beforeAll(async () => {
  stack = await startTurnStack();
  withTurn = stack.server;
  noTurn = await startSignalServer(['--static', 'e2e/harness/dist']);
  browser = await launchChromium();
});

test.afterAll(async () => {
  await browser?.close();
  await noTurn?.stop();
  await stack?.stop();
});

const modes = [
  { name: 'direct WebRTC', server: () => withTurn, opts: { iceTransportPolicy: 'all' }, kind: 'direct' },
  { name: 'WebRTC through coturn', server: () => withTurn, opts: { iceTransportPolicy: 'relay' }, kind: 'turn' },
  { name: 'WebSocket fallback when ICE fails', server: () => noTurn, opts: { iceTransportPolicy: 'relay', iceTimeoutMs: 1500 }, kind: 'fallback' },
] as const;

for (const mode of modes) {
  test(`transport acceptance suite: ${mode.name}`, async () => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${mode.server().url}/transport.html`);
    await page.waitForFunction(() => 'fvTransport' in window);
    const results = await page.evaluate((o) => (window as any).fvTransport.run(o), { url: mode.server().wsUrl, ...mode.opts });
    const failed = results.filter((r: { ok: boolean }) => !r.ok);
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(4);
    for (const r of results) expect(r.kind, r.name).toBe(mode.kind);
    // Chromium compares the certificate its DTLS transport negotiated.
    if (mode.kind !== 'fallback') for (const r of results) expect(r.fingerprintSource, r.name).toBe('dtls');
    await page.close();
  });
}

/**
 * Two members on their own pages, each running a real replication engine over the real dialer;
 * A holds objects B wants. Signaling goes through a league server: honestly, or routed to a third
 * browser holding the vault secret that terminates both peer connections and relays the data.
 */
async function meet(mode: 'mitm' | 'honest') {
  const ids: [string, string] = [`memberA${mode}01`, `memberB${mode}01`];
  const secretHex = randomBytes(32).toString('hex');
  const secret = randomBytes(16).toString('hex');
  const turn = await startCoturn({ secret });
  const league = await startLeagueServer({ mode, members: ids, turn: { secret, urls: turn.urls, ttlSec: 600 } });
  const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
  const attacker = mode === 'mitm' ? await launchChromium() : undefined;
  try {
    const open = async (ctx: { newPage(): Promise<import('@playwright/test').Page> }) => {
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error('page error:', e.message));
      await page.goto(`${noTurn.url}/transport.html`);
      await page.waitForFunction(() => 'fvTransport' in window);
      return page;
    };
    const [pa, pb] = await Promise.all(contexts.map(open));
    const pm = attacker ? await open(attacker) : undefined;
    const o = { url: league.wsUrl, secretHex, waitMs: 15_000 };
    const [a, b, m] = await Promise.all([
      pa!.evaluate((x) => (window as any).fvTransport.member(x), { ...o, selfId: ids[0], holds: 3, expect: 0 }),
      pb!.evaluate((x) => (window as any).fvTransport.member(x), { ...o, selfId: ids[1], holds: 0, expect: 3 }),
      pm?.evaluate((x) => (window as any).fvTransport.middle(x), { ...o, ids }),
    ]);
    return { a, b, m, routed: { ...league.routed } };
  } finally {
    await attacker?.close();
    await Promise.all(contexts.map((c) => c.close()));
    await league.close();
    await turn.stop();
  }
}

test('without anyone in the middle, the same two members connect by WebRTC and the objects move (control)', async () => {
  test.setTimeout(60_000);
  const r = await meet('honest');
  const what = JSON.stringify(r, null, 1);
  expect(r.b.received, what).toBe(3);
  expect(r.a.refusals.concat(r.b.refusals), what).toEqual([]);
  expect(['direct', 'turn'], what).toContain(r.b.transports[0]?.kind);
  // Chromium reads the peer's certificate from the DTLS transport, not from the SDP.
  expect(r.b.transports[0]?.fingerprintSource, what).toBe('dtls');
  expect(r.b.transports[0]?.remoteFingerprint, what).toBe(r.a.transports[0]?.localFingerprint);
});

test('a third browser with the vault secret terminating both peer connections is refused by both members before any object moves', async () => {
  test.setTimeout(60_000);
  const r = await meet('mitm');
  const what = JSON.stringify(r, null, 1);
  // Nothing moved, and each member refused because the certificate its DTLS transport
  // negotiated is not the one the other member signed.
  expect(r.b.received, what).toBe(0);
  expect(r.b.stored, what).toBe(0);
  for (const side of [r.a, r.b]) {
    expect(side.refusals.length, what).toBeGreaterThanOrEqual(1);
    for (const x of side.refusals) expect(x.reason, what).toBe('fingerprint-mismatch');
  }
  // The attacker really sat in the middle: two WebRTC links of its own, relaying both ways, and
  // each member's link ended at the attacker's certificate, not at the other member's.
  expect(r.m?.links.length, what).toBe(2);
  for (const l of r.m?.links ?? []) expect(['direct', 'turn'], what).toContain(l?.kind);
  expect(r.m?.relayedFromA, what).toBeGreaterThan(0);
  expect(r.m?.relayedFromB, what).toBeGreaterThan(0);
  expect(r.m?.certificates[0], what).toContain(r.a.transports[0]?.remoteFingerprint);
  expect(r.m?.certificates[1], what).toContain(r.b.transports[0]?.remoteFingerprint);
  expect(r.a.transports[0]?.fingerprintSource, what).toBe('dtls');
});

test('a fast ICE failure (Firefox with no network path) goes on to the WebSocket fallback at once, whichever side dials', async () => {
  test.setTimeout(120_000);
  // In this namespace Firefox gathers no candidate and reports "ICE failed" at once; Chromium's
  // attempt alone would wait for its 15 s timer. Both must be on the fallback well before that.
  const firefox = await launchFirefox();
  try {
    for (const firefoxDials of [true, false]) {
      const secretHex = randomBytes(32).toString('hex');
      // The smaller peer id dials.
      const ids = firefoxDials ? { firefox: 'aaFirefox000001', chromium: 'zzChromium00001' } : { firefox: 'zzFirefox000001', chromium: 'aaChromium00001' };
      const ff = await firefox.newPage();
      await ff.goto(`${noTurn.url}/transport.html`);
      await ff.waitForFunction(() => 'fvTransport' in window);
      const cr = await browser.newPage();
      await cr.goto(`${noTurn.url}/transport.html`);
      await cr.waitForFunction(() => 'fvTransport' in window);
      const o = { url: noTurn.wsUrl, secretHex, timeoutMs: 30_000 };
      const [c, f] = await Promise.all([
        cr.evaluate((a) => (window as any).fvTransport.side(a), { ...o, selfId: ids.chromium }),
        ff.evaluate((a) => (window as any).fvTransport.side(a), { ...o, selfId: ids.firefox }) as Promise<any>,
      ]);
      const what = JSON.stringify({ firefoxDials, c, f }, null, 1);
      expect(c.ok && f.ok, what).toBe(true);
      expect([c.kind, f.kind], what).toEqual(['fallback', 'fallback']);
      expect(c.message, what).toBe(`hello from ${ids.firefox}`);
      expect(f.message, what).toBe(`hello from ${ids.chromium}`);
      expect(Math.max(c.ms, f.ms), what).toBeLessThan(10_000);
      console.log(`fast ICE failure, ${firefoxDials ? 'Firefox' : 'Chromium'} dialing: fallback after ${c.ms} ms (Chromium), ${f.ms} ms (Firefox)`);
      await ff.close();
      await cr.close();
    }
  } finally {
    await firefox.close();
  }
});

test('a replayed fallback open (from the signal server) never replaces a working link', async () => {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${withTurn.url}/transport.html`);
  await page.waitForFunction(() => 'fvTransport' in window);
  const r = await page.evaluate((o) => (window as any).fvTransport.replayOpen(o), { fallbackUrl: noTurn.wsUrl, webrtcUrl: withTurn.wsUrl });
  const what = JSON.stringify(r, null, 1);
  expect(r.fallbackSurvived, what).toBe(true);
  expect(r.kindBefore, what).toBe('direct');
  expect(r.webrtcClosed, what).toBe(false);
  expect(r.delivered, what).toBe(1000);
  expect(r.log.join('\n'), what).toMatch(/ignored a replayed fallback open/);
  expect(r.log.join('\n'), what).toMatch(/ignored a fallback request .*: the direct link is open/);
  await page.close();
});
