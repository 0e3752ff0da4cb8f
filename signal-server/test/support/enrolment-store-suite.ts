/**
 * The acceptance suite every EnrolmentStore runs against its real implementation (a file on disk,
 * a real redis-server): codes are single-use and expire, a vouch joins the voucher's family, a
 * family is capped, an enrolled room keeps the code unused, and a second store on the same
 * backing (the CLI beside the server) sees every change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeEnrolCode } from '../../src/enrol-code.ts';
import { MAX_ROOMS_PER_FAMILY, type EnrolmentStore } from '../../src/enrolment.ts';
import { makeRoom } from './client.ts';

export interface StoreFixture {
  /** A store on fresh, empty backing. */
  fresh(): Promise<EnrolmentStore>;
  /** A second store on the same backing as `s` (another process would see the same). */
  twin(s: EnrolmentStore): Promise<EnrolmentStore>;
}

const code = (c: string) => normalizeEnrolCode(c)!;
const DAY = 86_400_000;

export function runEnrolmentStoreTests(name: string, fx: StoreFixture): void {
  describe(`EnrolmentStore: ${name}`, () => {
    const open: EnrolmentStore[] = [];
    const fresh = async () => {
      const s = await fx.fresh();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('a code enrols one room, once; the code itself is not stored', async () => {
      const s = await fresh();
      const now = Date.now();
      const c = await s.mint(now + DAY, now);
      expect(c).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(await s.pendingCodes(now)).toBe(1);
      const a = makeRoom().id;
      const b = makeRoom().id;
      expect(await s.isEnrolled(a)).toBe(false);
      expect(await s.redeem(code(c), a, now)).toBe('enrolled');
      expect(await s.isEnrolled(a)).toBe(true);
      expect(await s.redeem(code(c), b, now)).toBe('bad-code');
      expect(await s.isEnrolled(b)).toBe(false);
      expect(await s.pendingCodes(now)).toBe(0);
      expect(await s.list()).toEqual([{ room: a, at: now, via: 'code', family: a }]);
    });

    it('an expired code and an unknown one enrol nothing', async () => {
      const s = await fresh();
      const now = Date.now();
      const c = await s.mint(now + 150, now);
      await new Promise((r) => setTimeout(r, 300));
      const a = makeRoom().id;
      expect(await s.redeem(code(c), a, Date.now())).toBe('bad-code');
      expect(await s.redeem(code('0000-0000-0000'), a, Date.now())).toBe('bad-code');
      expect(await s.isEnrolled(a)).toBe(false);
    });

    it('a room already enrolled leaves the code unused', async () => {
      const s = await fresh();
      const now = Date.now();
      const a = makeRoom().id;
      expect(await s.redeem(code(await s.mint(now + DAY, now)), a, now)).toBe('enrolled');
      const c2 = await s.mint(now + DAY, now);
      expect(await s.redeem(code(c2), a, now)).toBe('already');
      expect(await s.pendingCodes(now)).toBe(1);
      expect(await s.redeem(code(c2), makeRoom().id, now)).toBe('enrolled');
    });

    it('a vouch by an enrolled room enrols into its family; by any other room it does not', async () => {
      const s = await fresh();
      const now = Date.now();
      const [a, b, c, stranger] = [makeRoom().id, makeRoom().id, makeRoom().id, makeRoom().id];
      await s.redeem(code(await s.mint(now + DAY, now)), a, now);
      expect(await s.vouch(a, b, now)).toBe('enrolled');
      expect(await s.vouch(b, c, now)).toBe('enrolled'); // the next generation, vouched by the last
      expect(await s.vouch(a, c, now)).toBe('already');
      expect(await s.vouch(stranger, makeRoom().id, now)).toBe('voucher-not-enrolled');
      const rooms = await s.list();
      expect(rooms.find((r) => r.room === c)).toEqual({ room: c, at: now, via: 'vouch', family: a, by: b });
      expect(rooms.every((r) => r.family === a)).toBe(true);
    });

    it(`a family holds at most ${MAX_ROOMS_PER_FAMILY} rooms; another family is not affected`, async () => {
      const s = await fresh();
      const now = Date.now();
      const root = makeRoom().id;
      await s.redeem(code(await s.mint(now + DAY, now)), root, now);
      for (let i = 1; i < MAX_ROOMS_PER_FAMILY; i++) expect(await s.vouch(root, makeRoom().id, now)).toBe('enrolled');
      expect(await s.vouch(root, makeRoom().id, now)).toBe('family-full');
      const other = makeRoom().id;
      await s.redeem(code(await s.mint(now + DAY, now)), other, now);
      expect(await s.vouch(other, makeRoom().id, now)).toBe('enrolled');
    });

    it('unenrolling a room frees its family slot and stops it counting as enrolled', async () => {
      const s = await fresh();
      const now = Date.now();
      const a = makeRoom().id;
      await s.redeem(code(await s.mint(now + DAY, now)), a, now);
      expect(await s.remove(a)).toBe(true);
      expect(await s.remove(a)).toBe(false);
      expect(await s.isEnrolled(a)).toBe(false);
      expect(await s.vouch(a, makeRoom().id, now)).toBe('voucher-not-enrolled');
    });

    it('a second store on the same backing sees codes and enrolments at once (the CLI and the server)', async () => {
      const server = await fresh();
      const cli = await fx.twin(server);
      open.push(cli);
      const now = Date.now();
      const a = makeRoom().id;
      expect(await server.isEnrolled(a)).toBe(false);
      const c = await cli.mint(now + DAY, now);
      expect(await server.redeem(code(c), a, now)).toBe('enrolled');
      expect(await cli.isEnrolled(a)).toBe(true);
      expect(await cli.redeem(code(c), makeRoom().id, now)).toBe('bad-code');
      expect(await cli.remove(a)).toBe(true);
      expect(await server.isEnrolled(a)).toBe(false);
    });
  });
}
