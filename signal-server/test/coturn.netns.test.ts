/**
 * A real coturn accepts the credentials the signal server hands out, and refuses wrong or
 * expired ones. Starts coturn, so it runs only inside the loopback-only namespace:
 *   unshare -n sh -c 'ip link set lo up && FV_NETNS=1 npx vitest run signal-server/test/coturn.netns.test.ts'
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coturnAvailable, startCoturn, type Coturn } from '../../e2e/support/coturn.ts';
import { makeTurnCredentials } from '../src/turn.ts';
import { joined, makeRoom, startTestServer, type TestServer } from './support/client.ts';
import { turnAllocate } from './support/turn-client.ts';

const inNetns = process.env.FV_NETNS === '1';
const skipWhy = !inNetns
  ? 'needs the loopback-only network namespace (FV_NETNS=1; `npm test` runs it there)'
  : !coturnAvailable() ? 'coturn is not installed (/usr/bin/turnserver)' : '';
if (skipWhy) console.warn(`coturn.netns.test.ts skipped: ${skipWhy}`);

describe.skipIf(skipWhy !== '')('coturn accepts signal-server credentials', () => {
  const secret = 'coturn-test-secret-' + Math.random().toString(36).slice(2);
  let coturn: Coturn;
  let server: TestServer;

  beforeAll(async () => {
    coturn = await startCoturn({ secret });
    server = await startTestServer({ turn: { secret, urls: coturn.urls, ttlSec: 600 } });
  }, 20_000);
  afterAll(async () => {
    await server?.close();
    await coturn?.stop();
  });

  it('allocates with credentials fetched over the WebSocket', async () => {
    const c = await joined(server, makeRoom());
    c.send({ type: 'turn' });
    const ice = (await c.next('turn')).iceServers[0]!;
    expect(ice.urls).toEqual(coturn.urls);
    const r = await turnAllocate({ port: coturn.port, username: ice.username!, password: ice.credential! });
    expect(r, coturn.output()).toMatchObject({ ok: true });
    c.close();
  });

  it('refuses a credential made with another secret', async () => {
    const bad = makeTurnCredentials({ secret: 'not-the-secret', urls: coturn.urls, ttlSec: 600 }, 'peerAAAAAAAA', Date.now()).iceServers[0]!;
    const r = await turnAllocate({ port: coturn.port, username: bad.username!, password: bad.credential! });
    expect(r).toMatchObject({ ok: false, code: 401 });
  });

  it('refuses a tampered username and an expired one', async () => {
    const good = makeTurnCredentials({ secret, urls: coturn.urls, ttlSec: 600 }, 'peerAAAAAAAA', Date.now()).iceServers[0]!;
    const tampered = await turnAllocate({ port: coturn.port, username: good.username!.replace('peerA', 'peerB'), password: good.credential! });
    expect(tampered).toMatchObject({ ok: false, code: 401 });
    const old = makeTurnCredentials({ secret, urls: coturn.urls, ttlSec: 60 }, 'peerAAAAAAAA', Date.now() - 3600_000).iceServers[0]!;
    const expired = await turnAllocate({ port: coturn.port, username: old.username!, password: old.credential! });
    expect(expired).toMatchObject({ ok: false, code: 401 });
  });
});
