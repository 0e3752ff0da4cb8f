/** TURN REST credentials: format, HMAC, expiry, and only for joined clients. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTurnCredentials, turnCredential } from '../src/turn.ts';
import { connect, joined, makeRoom, startTestServer, type TestServer } from './support/client.ts';

const cfg = { secret: 'north-wind', urls: ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'], ttlSec: 600 };

describe('makeTurnCredentials', () => {
  it('username is `<unix expiry>:<id>`, credential base64(HMAC-SHA1(secret, username))', () => {
    const now = Date.UTC(2026, 10, 27, 12, 0, 0);
    const c = makeTurnCredentials(cfg, 'peerAbcdefgh', now);
    const s = c.iceServers[0]!;
    expect(s.urls).toEqual(cfg.urls);
    expect(s.username).toBe(`${now / 1000 + 600}:peerAbcdefgh`);
    expect(s.credential).toBe(createHmac('sha1', 'north-wind').update(s.username!).digest('base64'));
    expect(c.expiresAt).toBe((now / 1000 + 600) * 1000);
  });

  it('matches a known answer computed with openssl', () => {
    // printf '1700000000:alice' | openssl dgst -sha1 -hmac secret -binary | base64
    expect(turnCredential('secret', '1700000000:alice')).toBe('d8soP47RbdIKLDUOpnJPVQyq5Ts=');
  });
});

describe('turn over the WebSocket', () => {
  let server: TestServer;
  let bare: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ turn: cfg });
    bare = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
    await bare.close();
  });

  it('gives joined clients fresh credentials', async () => {
    const c = await joined(server, makeRoom());
    const t0 = Date.now();
    c.send({ type: 'turn' });
    const t = await c.next('turn');
    const s = t.iceServers[0]!;
    const [expiry, id] = s.username!.split(':');
    expect(id).toBe(c.peer);
    expect(Number(expiry)).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) + 599);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
    expect(s.credential).toBe(createHmac('sha1', cfg.secret).update(s.username!).digest('base64'));
    expect(t.expiresAt).toBe(Number(expiry) * 1000);
    expect(server.metrics().turnIssued).toBe(1);
    c.close();
  });

  it('refuses clients that have not joined', async () => {
    const c = await connect(server);
    c.send({ type: 'turn' });
    expect((await c.next('error')).code).toBe('not-joined');
    expect(c.received.some((m) => m.type === 'turn')).toBe(false);
    c.close();
  });

  it('says turn-disabled when no secret is configured', async () => {
    const c = await joined(bare, makeRoom());
    c.send({ type: 'turn' });
    expect((await c.next('error')).code).toBe('turn-disabled');
    expect(c.isOpen).toBe(true);
    c.close();
  });
});
