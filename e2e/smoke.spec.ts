/**
 * Smoke: two separate Chromium processes meet through the real signal server and move 8 MiB
 * over a simple-peer data channel, once directly and once forced through a real coturn.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { launchChromium } from './support/chromium.ts';
import type { SignalServer } from './support/processes.ts';
import { startTurnStack, type TurnStack } from './support/turn-stack.ts';

const MiB = 1024 * 1024;
let stack: TurnStack;
let server: SignalServer;
const browsers: Browser[] = [];

test.beforeAll(async () => {
  stack = await startTurnStack();
  server = stack.server;
});

test.afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await stack?.stop();
});

async function openPeer(name: string, vaultSecretHex: string, forceRelay: boolean): Promise<Page> {
  const browser = await launchChromium();
  browsers.push(browser);
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
  await page.goto(`${server.url}/smoke.html`);
  await page.waitForFunction(() => 'fvSmoke' in window);
  await page.evaluate((o) => (window as any).fvSmoke.start(o), { url: server.wsUrl, vaultSecretHex, peer: name, forceRelay });
  return page;
}

for (const forceRelay of [false, true]) {
  test(`8 MiB crosses a data channel ${forceRelay ? 'through coturn' : 'directly'}`, async () => {
    const room = randomBytes(32).toString('hex');
    const a = await openPeer('peerAlice01', room, forceRelay);
    const b = await openPeer('peerBobby02', room, forceRelay);
    await a.evaluate(() => (window as any).fvSmoke.dial('peerBobby02'));
    await Promise.all([a, b].map((p) => p.evaluate(() => (window as any).fvSmoke.connected())));

    const sent: string = await a.evaluate((n) => (window as any).fvSmoke.send(n), 8 * MiB);
    const got: string = await b.evaluate((n) => (window as any).fvSmoke.receivedHash(n, 60_000), 8 * MiB);
    expect(got).toBe(sent);

    const path = await a.evaluate(() => (window as any).fvSmoke.selectedPath());
    if (forceRelay) expect(path.local).toBe('relay');
    else {
      // Direct = no TURN relay on either side. On loopback with coturn's STUN in the ICE servers,
      // Chromium may nominate the server-reflexive pair (the same 127.0.0.1 path) over the host one.
      expect(['host', 'srflx', 'prflx']).toContain(path.local);
      expect(['host', 'srflx', 'prflx']).toContain(path.remote);
    }
    await Promise.all(browsers.splice(0).map((br) => br.close()));
  });
}
