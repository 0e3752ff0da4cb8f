/**
 * A real coturn and the real signal server: only a family the admin enrolled gets credentials,
 * and they relay traffic through coturn, shown with coturn's own `turnutils_uclient` and
 * `turnutils_peer`; a stranger gets no credentials at all and a made-up one is refused by
 * coturn. Also: forged, tampered and expired credentials are refused, and an allocation outlives
 * its short-lived credential (so the 10-minute TTL cuts no running relay). Starts coturn, so it
 * runs only inside the loopback-only namespace:
 *   node scripts/netns.mjs npx vitest run --project netns
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coturnAvailable, startCoturn, type Coturn } from '../../e2e/support/coturn.ts';
import { CloseCode, type ServerMessage } from '../../web/src/core/signal-messages.ts';
import { FileEnrolmentStore } from '../src/enrolment-file.ts';
import { makeTurnCredentials } from '../src/turn.ts';
import { joined, joinWith, makeRoom, sleep, startTestServer, type TestClient, type TestServer } from './support/client.ts';
import { turnAllocate, turnSession } from './support/turn-client.ts';
import { startTurnPeer, turnutilsAvailable, uclient, type TurnPeer } from './support/turnutils.ts';

const inNetns = process.env.FV_NETNS === '1';
const skipWhy = !inNetns
  ? 'needs the loopback-only network namespace (FV_NETNS=1; `npm test` runs it there)'
  : !coturnAvailable() ? 'coturn is not installed (/usr/bin/turnserver)'
  : !turnutilsAvailable() ? "coturn's turnutils_uclient / turnutils_peer are not installed" : '';
if (skipWhy) console.warn(`coturn.netns.test.ts skipped: ${skipWhy}`);

type Turn = Extract<ServerMessage, { type: 'turn' }>;
type Err = Extract<ServerMessage, { type: 'error' }>;
async function askTurn(c: TestClient): Promise<Turn | Err> {
  c.send({ type: 'turn' });
  return c.nextOf(['turn', 'error']);
}

describe.skipIf(skipWhy !== '')('coturn relays only for enrolled families', () => {
  const secret = 'coturn-test-secret-' + randomBytes(8).toString('hex');
  let coturn: Coturn;
  let peer: TurnPeer;
  let server: TestServer;
  let open: TestServer;
  let dir: string;
  let admin: FileEnrolmentStore;

  beforeAll(async () => {
    coturn = await startCoturn({ secret });
    peer = await startTurnPeer();
    dir = mkdtempSync(join(tmpdir(), 'fv-coturn-enrol-'));
    const file = join(dir, 'enrolment.json');
    const turn = { secret, urls: coturn.urls, ttlSec: 600 };
    server = await startTestServer({ turn, enrolment: { file } });
    // The same server with --allow-unenrolled-signaling: a stranger may join, and still gets no TURN.
    open = await startTestServer({ turn, enrolment: { file, allowUnenrolledSignaling: true } });
    admin = new FileEnrolmentStore(file);
  }, 20_000);
  afterAll(async () => {
    await server?.close();
    await open?.close();
    await peer?.stop();
    await coturn?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("an enrolled member's credentials relay messages to a peer through coturn (turnutils_uclient)", async () => {
    const room = makeRoom();
    const member = await joinWith(server, room, { enrol: await admin.mint(Date.now() + 60_000, Date.now()) });
    expect('joinedMsg' in member && member.joinedMsg.enrolled).toBe(true);
    const t = await askTurn(member);
    if (t.type !== 'turn') throw new Error(`no credentials: ${JSON.stringify(t)}`);
    const ice = t.iceServers[0]!;
    expect(ice.urls).toEqual(coturn.urls);
    expect(t.expiresAt - Date.now()).toBeLessThanOrEqual(600_000);
    const r = await uclient({ turnPort: coturn.port, peerPort: peer.port, username: ice.username!, password: ice.credential! });
    expect(r, `${r.output}\n${coturn.output()}`).toMatchObject({ relayed: true, sent: 5, received: 5 });
    // A second device of the family needs no code, and its credentials relay too.
    const sibling = track(await joined(server, room));
    const t2 = await askTurn(sibling);
    if (t2.type !== 'turn') throw new Error(`no credentials: ${JSON.stringify(t2)}`);
    const r2 = await uclient({ turnPort: coturn.port, peerPort: peer.port, username: t2.iceServers[0]!.username!, password: t2.iceServers[0]!.credential! });
    expect(r2.relayed, r2.output).toBe(true);
    member.close();
  }, 40_000);

  it('a stranger gets no credentials at all, and a made-up credential is refused by coturn', async () => {
    const before = server.metrics();
    // Refused at the join: it never gets to ask.
    const stranger = await joinWith(server, makeRoom(), {});
    expect('refused' in stranger && stranger.refused.code).toBe(CloseCode.NotEnrolled);
    expect(stranger.received.some((m) => m.type === 'turn')).toBe(false);
    // Let in to signal (--allow-unenrolled-signaling), it asks and is told no.
    const signaller = track(await joined(open, makeRoom()));
    const answer = await askTurn(signaller);
    expect(answer).toMatchObject({ type: 'error', code: 'not-enrolled' });
    expect(open.metrics().turnRefused['not-enrolled']).toBe(1);
    expect(server.metrics().turnIssued).toBe(before.turnIssued);
    // What it could make up itself: a username in the right shape with a guessed credential.
    const madeUp = { username: `${Math.floor(Date.now() / 1000) + 600}:${signaller.peer}`, password: randomBytes(20).toString('base64') };
    const r = await uclient({ turnPort: coturn.port, peerPort: peer.port, ...madeUp });
    expect(r, r.output).toMatchObject({ relayed: false, received: 0, allocationRefused: true });
    const forged = makeTurnCredentials({ secret: 'not-the-secret', urls: coturn.urls, ttlSec: 600 }, signaller.peer, Date.now()).iceServers[0]!;
    const r2 = await uclient({ turnPort: coturn.port, peerPort: peer.port, username: forged.username!, password: forged.credential! });
    expect(r2, r2.output).toMatchObject({ relayed: false, allocationRefused: true });
  }, 40_000);

  it('refuses a tampered username and an expired credential', async () => {
    const good = makeTurnCredentials({ secret, urls: coturn.urls, ttlSec: 600 }, 'peerAAAAAAAA', Date.now()).iceServers[0]!;
    const tampered = await turnAllocate({ port: coturn.port, username: good.username!.replace('peerA', 'peerB'), password: good.credential! });
    expect(tampered).toMatchObject({ ok: false, code: 401 });
    const old = makeTurnCredentials({ secret, urls: coturn.urls, ttlSec: 60 }, 'peerAAAAAAAA', Date.now() - 3600_000).iceServers[0]!;
    const expired = await turnAllocate({ port: coturn.port, username: old.username!, password: old.credential! });
    expect(expired).toMatchObject({ ok: false, code: 401 });
  });

  it('an allocation outlives its credential: Refresh and CreatePermission still work after expiry; a new Allocate does not', async () => {
    // A credential with about 2 s left.
    const short = makeTurnCredentials({ secret, urls: coturn.urls, ttlSec: 60 }, 'peerBBBBBBBB', Date.now() - 58_000).iceServers[0]!;
    const s = await turnSession({ port: coturn.port, username: short.username!, password: short.credential! });
    if (!s.ok) throw new Error(`allocate refused: ${s.code} ${s.reason}`);
    try {
      await sleep(Number(short.username!.split(':')[0]) * 1000 - Date.now() + 1500);
      expect(await s.session.refresh(600)).toEqual({ ok: true });
      expect(await s.session.permit('127.0.0.1', peer.port)).toEqual({ ok: true });
      expect(await turnAllocate({ port: coturn.port, username: short.username!, password: short.credential! })).toMatchObject({ ok: false, code: 401 });
    } finally {
      s.session.close();
    }
  });

  const clients: TestClient[] = [];
  const track = <T extends TestClient>(c: T): T => (clients.push(c), c);
  afterAll(() => clients.forEach((c) => c.close()));
});
