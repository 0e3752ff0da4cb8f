/**
 * The PeerTransport acceptance suite on real WebRTC in Chromium, through the real signal server
 * (sealed signaling, join signatures): direct, forced through coturn, and the WebSocket fallback
 * when ICE cannot connect. Each case asserts which kind of transport carried it.
 */
import { test, expect, type Browser } from '@playwright/test';
import { launchChromium } from './support/chromium.ts';
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
