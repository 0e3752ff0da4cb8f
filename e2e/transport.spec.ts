/**
 * The PeerTransport acceptance suite on real WebRTC in Chromium, through the real signal server
 * (sealed signaling, join signatures): direct, forced through coturn, and the WebSocket fallback
 * when ICE cannot connect. Each case asserts which kind of transport carried it.
 */
import { test, expect, type Browser } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { launchChromium } from './support/chromium.ts';
import { launchFirefox } from './support/firefox.ts';
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
    await page.close();
  });
}

test('a DTLS man-in-the-middle (forged remote fingerprint) is refused by both sides before any data', async () => {
  const page = await browser.newPage();
  await page.goto(`${withTurn.url}/transport.html`);
  await page.waitForFunction(() => 'fvTransport' in window);
  const refusals = await page.evaluate((o) => (window as any).fvTransport.mitm(o), { url: withTurn.wsUrl, iceTransportPolicy: 'all' });
  expect(refusals.length, JSON.stringify(refusals)).toBeGreaterThanOrEqual(1);
  for (const r of refusals) expect(r.reason).toBe('fingerprint-mismatch');
  // The side that saw the forged certificate refuses locally.
  expect(refusals.some((r: { by: string }) => r.by.startsWith('mitmB') && r.by.endsWith(':local'))).toBe(true);
  await page.close();
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
