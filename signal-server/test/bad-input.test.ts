/** Malformed input is answered and counted, never crashes, and ends in 4000 when it persists. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, joined, makeRoom, sleep, startTestServer, type TestServer } from './support/client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { maxBadMessages: 50 } });
});
afterAll(async () => {
  await server.close();
});

const MALFORMED: string[] = [
  '', ' ', 'null', 'true', '42', '"join"', '[]', '[{"type":"ping"}]', '{', '{"type":', '{"type":"ping"',
  '{}', '{"type":null}', '{"type":7}', '{"type":"PING"}', '{"type":"pong"}', '{"type":"challenge","nonce":"x"}',
  '{"type":"__proto__"}', '{"__proto__":{"type":"ping"}}', '{"type":"constructor"}',
  '{"type":"join"}', '{"type":"join","room":1,"peer":2,"sig":3,"protocol":4}',
  '{"type":"join","room":"r","peer":"p","sig":"s"}', '{"type":"join","room":"r","peer":"p","sig":"s","protocol":"1"}',
  '{"type":"signal"}', '{"type":"signal","data":5}', '{"type":"signal","to":5,"data":"x"}', '{"type":"signal","data":null}',
  '{"type":"relay","data":"x"}', '{"type":"relay","to":"abcdefgh"}', '{"type":"relay","to":["a"],"data":"x"}',
];

describe('bad input', () => {
  it('answers every malformed or unknown message with error bad-message and stays open', async () => {
    const c = await connect(server);
    for (const m of MALFORMED) {
      c.send(m);
      const e = await c.next('error');
      expect(e.code, m).toBe('bad-message');
    }
    c.send({ type: 'ping' });
    await c.next('pong');
    c.close();
  });

  it('answers binary frames with an error (the protocol is JSON text)', async () => {
    const c = await joined(server, makeRoom());
    c.ws.send(Buffer.from('{"type":"ping"}'), { binary: true });
    expect((await c.next('error')).code).toBe('bad-message');
    c.ws.send(new Uint8Array([0, 1, 2, 255]), { binary: true });
    expect((await c.next('error')).code).toBe('bad-message');
    c.send({ type: 'ping' });
    await c.next('pong');
    c.close();
  });

  it('drops a text frame that is not UTF-8 (uWS), logged as bad-utf8', async () => {
    const c = await connect(server);
    c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await c.closedWithin()).code).toBe(1006);
    await sleep(20);
    expect(server.logs.filter((l) => l.includes('reason=bad-utf8'))).toHaveLength(1);
  });

  it('keeps serving after all of the above', async () => {
    const room = makeRoom();
    const a = await joined(server, room);
    const b = await joined(server, room);
    a.send({ type: 'signal', to: b.peer, data: 'still-here' });
    expect((await b.next('signal')).data).toBe('still-here');
    const r = await fetch(`${server.url}/healthz`);
    expect(await r.json()).toEqual({ ok: true });
    a.close();
    b.close();
  });
});
