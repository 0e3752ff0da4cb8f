/**
 * The close reason a client sends is its own text: it must never become a metrics label, fake
 * a refusal, or break /metrics (hub.ts UWS_CLOSE_REASONS is a Map, checked only for uWS's 1006).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, joined, makeRoom, sleep, startTestServer, type TestServer } from './support/client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { maxFrame: 4096 } });
});
afterAll(async () => {
  await server.close();
});

describe('client close reasons', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'Received too big message', 'Received invalid UTF-8'])(
    'a client closing with reason %j leaves /metrics answering 200 and records no refusal', async (reason) => {
      const before = server.metrics().refusals;
      const c = await joined(server, makeRoom());
      c.ws.close(4000, reason);
      await c.closedWithin();
      await sleep(20);
      const r = await fetch(`${server.url}/metrics`);
      expect(r.status).toBe(200);
      const text = await r.text();
      expect(text).not.toContain('undefined');
      expect(server.metrics().refusals).toEqual(before);
      expect(server.logs.filter((l) => l.includes(' refuse ')).join('\n')).not.toMatch(/reason=(undefined|too-large|bad-utf8)/);
    });

  it('a real oversized frame is still counted as too-large', async () => {
    const c = await connect(server);
    c.send({ type: 'ping', pad: 'x'.repeat(5000) });
    expect((await c.closedWithin()).code).toBe(1006);
    await sleep(20);
    expect(server.metrics().refusals['too-large']).toBe(1);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
  });
});
