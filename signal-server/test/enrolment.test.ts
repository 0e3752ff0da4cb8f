/**
 * Enrolment at the real server (docs/signal-server.md "Enrolment"): a room the admin did not
 * enrol is refused (4010) and gets no TURN credentials; an enrolment code enrols one room once;
 * a vouch by an enrolled room's key enrols a family's next (or earlier) room; unenrolled rooms
 * may signal only with --allow-unenrolled-signaling, never get TURN, and cannot take the room
 * capacity that enrolled rooms need; /metrics counts every refusal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CloseCode, SIGNAL_PROTOCOL, type ServerMessage } from '../../web/src/core/signal-messages.ts';
import { FileEnrolmentStore } from '../src/enrolment-file.ts';
import { RedisEnrolmentStore } from '../src/enrolment-redis.ts';
import { MAX_ROOMS_PER_FAMILY } from '../src/enrolment.ts';
import type { SignalServerOptions } from '../src/server.ts';
import {
  connect, joined, joinWith, makePeerId, makeRoom, signJoin, startTestServer, vouchFor, type TestClient, type TestRoom, type TestServer,
} from './support/client.ts';
import { startRedis } from './support/redis.ts';

const turn = { secret: 'enrol-test-secret', urls: ['turn:127.0.0.1:3478?transport=udp'], ttlSec: 600 };
const dirs: string[] = [];
const servers: TestServer[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A server with enrolment in a fresh file, and a second store on that file (the admin's CLI). */
async function withEnrolment(extra: SignalServerOptions = {}, allowUnenrolledSignaling = false) {
  const dir = mkdtempSync(join(tmpdir(), 'fv-enrol-hub-'));
  dirs.push(dir);
  const file = join(dir, 'enrolment.json');
  const server = await startTestServer({ turn, enrolment: { file, allowUnenrolledSignaling }, ...extra });
  servers.push(server);
  const admin = new FileEnrolmentStore(file);
  const mint = (ttlMs = 86_400_000) => admin.mint(Date.now() + ttlMs, Date.now());
  return { server, admin, mint };
}

const track = <T extends TestClient>(c: T): T => (clients.push(c), c);
const tryJoin = async (...a: Parameters<typeof joinWith>) => track(await joinWith(...a));

type Turn = Extract<ServerMessage, { type: 'turn' }>;
type Err = Extract<ServerMessage, { type: 'error' }>;
async function turnAnswer(c: TestClient): Promise<{ turn: Turn } | { error: Err }> {
  c.send({ type: 'turn' });
  const m = await c.nextOf(['turn', 'error']);
  return m.type === 'turn' ? { turn: m } : { error: m };
}

describe('a room nobody enrolled', () => {
  it('is refused with 4010 not-enrolled and a reason a person can read; counted and logged', async () => {
    const { server } = await withEnrolment();
    const r = await tryJoin(server, makeRoom(), {});
    expect('refused' in r && r.refused).toEqual({ code: CloseCode.NotEnrolled, reason: "not-enrolled: this server's admin has not enrolled this family" });
    expect(server.metrics().refusals['not-enrolled']).toBe(1);
    expect(server.logs.some((l) => / refuse .*code=4010 reason=not-enrolled/.test(l))).toBe(true);
    expect((await fetch(`${server.url}/metrics`).then((x) => x.text()))).toContain('fv_signal_refusals_total{reason="not-enrolled"} 1');
  });
});

describe('enrolment codes', () => {
  it('enrol the room that brings one: joined says so, TURN works, later devices need no code', async () => {
    const { server, admin, mint } = await withEnrolment();
    const room = makeRoom();
    const code = await mint();
    const a = await tryJoin(server, room, { enrol: code });
    expect('joinedMsg' in a && a.joinedMsg).toMatchObject({ enrolled: true, enrolledBy: 'code' });
    expect(await admin.isEnrolled(room.id)).toBe(true);
    const t = await turnAnswer(a);
    expect('turn' in t && t.turn.iceServers[0]!.username).toMatch(new RegExp(`^\\d+:${a.peer}$`));
    const b = track(await joined(server, room));
    expect(b.joinedMsg).toMatchObject({ enrolled: true });
    expect(b.joinedMsg.enrolledBy).toBeUndefined();
    expect(server.metrics()).toMatchObject({ enrolments: { code: 1, vouch: 0 }, turnIssued: 1 });
    expect(server.logs.some((l) => / enrol .*via=code/.test(l))).toBe(true);
  });

  it('work once: a second room with the same code is refused bad-enrol-code', async () => {
    const { server, mint } = await withEnrolment();
    const code = await mint();
    expect('joinedMsg' in (await tryJoin(server, makeRoom(), { enrol: code }))).toBe(true);
    const r = await tryJoin(server, makeRoom(), { enrol: code });
    expect('refused' in r && r.refused).toEqual({ code: 4010, reason: 'bad-enrol-code: this enrolment code is unknown, used or expired' });
    expect(server.metrics().refusals['bad-enrol-code']).toBe(1);
  });

  it('are read as people type them (lower case, no dashes)', async () => {
    const { server, mint } = await withEnrolment();
    const code = (await mint()).replace(/-/g, '').toLowerCase();
    const r = await tryJoin(server, makeRoom(), { enrol: ` ${code} ` });
    expect('joinedMsg' in r && r.joinedMsg.enrolledBy).toBe('code');
  });

  it('expire: an old code enrols nothing', async () => {
    const { server, admin, mint } = await withEnrolment();
    const code = await mint(100);
    await new Promise((r) => setTimeout(r, 250));
    const room = makeRoom();
    const r = await tryJoin(server, room, { enrol: code });
    expect('refused' in r && r.refused.reason).toMatch(/^bad-enrol-code/);
    expect(await admin.isEnrolled(room.id)).toBe(false);
  });

  it('are not used up by a room that is enrolled already', async () => {
    const { server, admin, mint } = await withEnrolment();
    const room = makeRoom();
    await tryJoin(server, room, { enrol: await mint() });
    const spare = await mint();
    const r = await tryJoin(server, room, { enrol: spare });
    expect('joinedMsg' in r && r.joinedMsg).toMatchObject({ enrolled: true });
    expect(await admin.pendingCodes(Date.now())).toBe(1);
    expect('joinedMsg' in (await tryJoin(server, makeRoom(), { enrol: spare }))).toBe(true);
  });

  it('minted while the server runs are good at once (it reads the file it shares with the CLI)', async () => {
    const { server, mint } = await withEnrolment();
    for (let i = 0; i < 3; i++) {
      const r = await tryJoin(server, makeRoom(), { enrol: await mint() });
      expect('joinedMsg' in r && r.joinedMsg.enrolledBy).toBe('code');
    }
  });
});

describe('vouches: a family keeps its enrolment across rotations', () => {
  async function family() {
    const env = await withEnrolment();
    const gen0 = makeRoom();
    await tryJoin(env.server, gen0, { enrol: await env.mint() });
    return { ...env, gen0 };
  }

  it("the next generation's room, vouched for by the enrolled one, is enrolled and gets TURN", async () => {
    const { server, admin, gen0 } = await family();
    const gen1 = makeRoom();
    const r = await tryJoin(server, gen1, { vouch: vouchFor(gen0, gen1.id) });
    expect('joinedMsg' in r && r.joinedMsg).toMatchObject({ enrolled: true, enrolledBy: 'vouch' });
    expect('turn' in (await turnAnswer(r))).toBe(true);
    const gen2 = makeRoom();
    expect('joinedMsg' in (await tryJoin(server, gen2, { vouch: vouchFor(gen1, gen2.id) }))).toBe(true);
    expect((await admin.list()).map((x) => x.family)).toEqual([gen0.id, gen0.id, gen0.id]);
    expect(server.metrics().enrolments).toEqual({ code: 1, vouch: 2 });
  });

  it('an earlier room, vouched for by the newest (a family enrolled after rotations), is enrolled too', async () => {
    const { server, gen0 } = await family();
    const older = makeRoom();
    const r = await tryJoin(server, older, { vouch: vouchFor(gen0, older.id) });
    expect('joinedMsg' in r && r.joinedMsg.enrolledBy).toBe('vouch');
  });

  it('refuses a vouch by a room nobody enrolled, a signature over another room, and a forged one', async () => {
    const { server, gen0 } = await family();
    const stranger = makeRoom();
    const target = makeRoom();
    const cases: Array<[string, { room: string; sig: string }]> = [
      ['stranger', vouchFor(stranger, target.id)],
      ['other room', vouchFor(gen0, makeRoom().id)],
      ['forged', { room: gen0.id, sig: vouchFor(stranger, target.id).sig }],
      ['self', vouchFor(target, target.id)],
    ];
    for (const [what, vouch] of cases) {
      const r = await tryJoin(server, target, { vouch });
      expect('refused' in r && r.refused.code, what).toBe(4010);
      expect('refused' in r && r.refused.reason, what).toMatch(/^bad-vouch: /);
    }
    expect(server.metrics().refusals['bad-vouch']).toBe(4);
  });

  it('a failed vouch still lets a code enrol the room; a good vouch leaves the code unused', async () => {
    const { server, admin, mint, gen0 } = await family();
    const a = makeRoom();
    const r = await tryJoin(server, a, { vouch: vouchFor(makeRoom(), a.id), enrol: await mint() });
    expect('joinedMsg' in r && r.joinedMsg.enrolledBy).toBe('code');
    const b = makeRoom();
    const r2 = await tryJoin(server, b, { vouch: vouchFor(gen0, b.id), enrol: await mint() });
    expect('joinedMsg' in r2 && r2.joinedMsg.enrolledBy).toBe('vouch');
    expect(await admin.pendingCodes(Date.now())).toBe(1);
  });

  it('the largest join (64-character peer id, a 40-character code field, a vouch) fits the 512 bytes allowed before a join', async () => {
    const { server, mint, gen0 } = await family();
    const room = makeRoom();
    const peer = 'p'.repeat(64);
    const enrol = ` ${(await mint()).toLowerCase()} `.padEnd(40, ' ');
    const c = track(await connect(server));
    const join = { type: 'join', room: room.id, peer, sig: signJoin(room, c.nonce, peer), protocol: SIGNAL_PROTOCOL, enrol, vouch: vouchFor(gen0, room.id) };
    expect(JSON.stringify(join).length).toBeLessThanOrEqual(512);
    c.send(join);
    expect((await c.next('joined')).enrolledBy).toBe('vouch');
  });

  it(`a family holds at most ${MAX_ROOMS_PER_FAMILY} rooms: an old key cannot enrol rooms without end`, async () => {
    const { server, gen0 } = await family();
    for (let i = 1; i < MAX_ROOMS_PER_FAMILY; i++) {
      const room: TestRoom = makeRoom();
      const r = await tryJoin(server, room, { vouch: vouchFor(gen0, room.id) });
      expect('joinedMsg' in r, `room ${i}`).toBe(true);
      r.close();
    }
    const last = makeRoom();
    const r = await tryJoin(server, last, { vouch: vouchFor(gen0, last.id) });
    expect('refused' in r && r.refused.reason).toMatch(/^bad-vouch: this family already has 32 rooms/);
  }, 30_000);
});

describe('--allow-unenrolled-signaling', () => {
  it('lets rooms nobody enrolled signal, says they are not enrolled, and gives them no TURN', async () => {
    const { server } = await withEnrolment({}, true);
    const room = makeRoom();
    const a = await tryJoin(server, room, {});
    expect('joinedMsg' in a && a.joinedMsg).toMatchObject({ enrolled: false });
    const b = track(await joined(server, room));
    b.send({ type: 'signal', to: a.peer, data: 'hello' });
    expect((await a.next('signal')).data).toBe('hello');
    const t = await turnAnswer(a);
    expect('error' in t && t.error).toEqual({ type: 'error', code: 'not-enrolled', message: "this server's admin has not enrolled this family: no TURN credentials" });
    expect(a.isOpen).toBe(true);
    const m = server.metrics();
    expect(m).toMatchObject({ unenrolledJoins: 2, turnIssued: 0, turnRefused: { 'not-enrolled': 1 } });
    const text = await fetch(`${server.url}/metrics`).then((x) => x.text());
    expect(text).toContain('fv_signal_turn_refusals_total{reason="not-enrolled"} 1');
    expect(text).toContain('fv_signal_unenrolled_joins_total 2');
  });

  it('still refuses a bad code (the family would otherwise think it is enrolled)', async () => {
    const { server } = await withEnrolment({}, true);
    const r = await tryJoin(server, makeRoom(), { enrol: '0000-0000-0000' });
    expect('refused' in r && r.refused.reason).toMatch(/^bad-enrol-code/);
  });

  it('a room let in unenrolled that a later join enrols gets TURN from then on', async () => {
    const { server, mint } = await withEnrolment({}, true);
    const room = makeRoom();
    const a = await tryJoin(server, room, {});
    expect('error' in (await turnAnswer(a))).toBe(true);
    await tryJoin(server, room, { enrol: await mint() });
    expect('turn' in (await turnAnswer(a))).toBe(true);
  });
});

describe('enrolled rooms keep their capacity', () => {
  it('unenrolled rooms filling max-rooms do not lock an enrolled family out', async () => {
    const { server, mint } = await withEnrolment({ limits: { maxRooms: 2 } }, true);
    await tryJoin(server, makeRoom(), {});
    await tryJoin(server, makeRoom(), {});
    const third = await tryJoin(server, makeRoom(), {});
    expect('refused' in third && third.refused).toEqual({ code: CloseCode.ServerFull, reason: 'max-rooms' });
    const family = await tryJoin(server, makeRoom(), { enrol: await mint() });
    expect('joinedMsg' in family && family.joinedMsg.enrolled).toBe(true);
  });

  it('an address that used up its rooms (max-rooms-per-ip) can still bring an enrolled family in', async () => {
    const { server, mint } = await withEnrolment({ trustProxy: true, limits: { maxRoomsPerIp: 1 } }, true);
    const ip = { headers: { 'x-forwarded-for': '203.0.113.9' } };
    const join = async (claim: Parameters<typeof joinWith>[2]) => {
      const c = track(await connect(server, ip));
      const room = makeRoom();
      const peer = makePeerId();
      c.send({ type: 'join', room: room.id, peer, sig: signJoin(room, c.nonce, peer), protocol: SIGNAL_PROTOCOL, ...claim });
      return Promise.race([c.next('joined').then(() => 'joined'), c.closed.then((x) => x.reason)]);
    };
    expect(await join({})).toBe('joined');
    expect(await join({})).toBe('ip-rooms');
    expect(await join({ enrol: await mint() })).toBe('joined');
  });
});

describe('TURN follows the store', () => {
  it('a room the admin unenrols gets no more credentials, even on a connection that is still open', async () => {
    const { server, admin, mint } = await withEnrolment();
    const room = makeRoom();
    const a = await tryJoin(server, room, { enrol: await mint() });
    expect('turn' in (await turnAnswer(a))).toBe(true);
    expect(await admin.remove(room.id)).toBe(true);
    const t = await turnAnswer(a);
    expect('error' in t && t.error.code).toBe('not-enrolled');
    const again = await tryJoin(server, room, {});
    expect('refused' in again && again.refused.reason).toMatch(/^not-enrolled/);
  });
});

describe('enrolment shared through Redis', () => {
  it('a code minted once is good on either instance, once; the room is enrolled on both', async () => {
    const redis = await startRedis();
    try {
      const one = await startTestServer({ turn, redisUrl: redis.url, enrolment: { redis: redis.url } });
      const two = await startTestServer({ turn, redisUrl: redis.url, enrolment: { redis: redis.url } });
      servers.push(one, two);
      const admin = await RedisEnrolmentStore.connect(redis.url);
      const code = await admin.mint(Date.now() + 60_000, Date.now());
      await admin.close();
      const room = makeRoom();
      const a = await tryJoin(one, room, { enrol: code });
      expect('joinedMsg' in a && a.joinedMsg.enrolledBy).toBe('code');
      const b = await tryJoin(two, room, {});
      expect('joinedMsg' in b && b.joinedMsg.enrolled).toBe(true);
      expect('turn' in (await turnAnswer(b))).toBe(true);
      const c = await tryJoin(two, makeRoom(), { enrol: code });
      expect('refused' in c && c.refused.reason).toMatch(/^bad-enrol-code/);
      for (const x of clients.splice(0)) x.close();
      for (const s of servers.splice(0)) await s.close();
    } finally {
      await redis.stop();
    }
  });
});
