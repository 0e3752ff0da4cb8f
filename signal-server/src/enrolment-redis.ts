/**
 * Enrolment in Redis (with `--redis`), so every instance sharing rooms also shares which rooms
 * are enrolled, and a code minted on one is good on all. Each change is one Lua script, so two
 * instances cannot both use one code or overfill one family.
 *
 * Keys: `fv:enrol:rooms` (hash: room → JSON EnrolledRoom without `room`), `fv:enrol:family:<room>`
 * (set of a family's rooms), `fv:enrol:code:<sha-256 hex>` (a code waiting to be used, with
 * Redis's own expiry).
 */
import { Redis } from 'ioredis';
import { hashEnrolCode, newEnrolCode, normalizeEnrolCode } from './enrol-code.ts';
import { MAX_ROOMS_PER_FAMILY, type EnrolledRoom, type EnrolmentStore, type RedeemResult, type VouchResult } from './enrolment.ts';

const ROOMS = 'fv:enrol:rooms';
const FAMILY = 'fv:enrol:family:';
const CODE = 'fv:enrol:code:';

// KEYS: rooms, code. ARGV: room, record JSON, family key. 1 enrolled, 2 already, 0 bad code.
const REDEEM = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 2 end
if not redis.call('GETDEL', KEYS[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', ARGV[3], ARGV[1])
return 1`;

// KEYS: rooms. ARGV: voucher, room, now, cap, family-key prefix.
// 1 enrolled, 2 already, 0 voucher not enrolled, -1 family full.
const VOUCH = `
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then return 2 end
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local family = cjson.decode(v).family
local fk = ARGV[5] .. family
if redis.call('SCARD', fk) >= tonumber(ARGV[4]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode({at = tonumber(ARGV[3]), via = 'vouch', family = family, by = ARGV[1]}))
redis.call('SADD', fk, ARGV[2])
return 1`;

// KEYS: rooms. ARGV: room, family-key prefix. 1 removed, 0 not enrolled.
const REMOVE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', ARGV[2] .. cjson.decode(v).family, ARGV[1])
return 1`;

export class RedisEnrolmentStore implements EnrolmentStore {
  readonly where: string;

  private constructor(private readonly redis: Redis, url: string) {
    this.where = url.replace(/\/\/[^@/]*@/, '//…@');
  }

  /** Connects; fails with a clear message when Redis cannot be reached. */
  static async connect(url: string, onError: (e: unknown) => void = () => undefined): Promise<RedisEnrolmentStore> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true });
    redis.on('error', onError);
    try {
      await redis.connect();
      await redis.ping();
    } catch (e) {
      redis.disconnect();
      throw new Error(`cannot reach Redis at ${url.replace(/\/\/[^@/]*@/, '//…@')} for enrolment (${e instanceof Error ? e.message : String(e)})`);
    }
    return new RedisEnrolmentStore(redis, url);
  }

  async isEnrolled(room: string): Promise<boolean> {
    return (await this.redis.hexists(ROOMS, room)) === 1;
  }

  async redeem(code: string, room: string, now: number): Promise<RedeemResult> {
    const record = JSON.stringify({ at: now, via: 'code', family: room });
    const r = await this.redis.eval(REDEEM, 2, ROOMS, CODE + hashEnrolCode(code), room, record, FAMILY + room);
    return r === 1 ? 'enrolled' : r === 2 ? 'already' : 'bad-code';
  }

  async vouch(voucher: string, room: string, now: number): Promise<VouchResult> {
    const r = await this.redis.eval(VOUCH, 1, ROOMS, voucher, room, String(now), String(MAX_ROOMS_PER_FAMILY), FAMILY);
    return r === 1 ? 'enrolled' : r === 2 ? 'already' : r === -1 ? 'family-full' : 'voucher-not-enrolled';
  }

  async mint(expiresAt: number, now: number): Promise<string> {
    const code = newEnrolCode();
    await this.redis.set(CODE + hashEnrolCode(normalizeEnrolCode(code)!), JSON.stringify({ createdAt: now }), 'PXAT', expiresAt, 'NX');
    return code;
  }

  async list(): Promise<EnrolledRoom[]> {
    const all = await this.redis.hgetall(ROOMS);
    return Object.entries(all).map(([room, json]) => ({ room, ...(JSON.parse(json) as Omit<EnrolledRoom, 'room'>) }));
  }

  async pendingCodes(): Promise<number> {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${CODE}*`, 'COUNT', 1000);
      n += keys.length;
      cursor = next;
    } while (cursor !== '0');
    return n;
  }

  async remove(room: string): Promise<boolean> {
    return (await this.redis.eval(REMOVE, 1, ROOMS, room, FAMILY)) === 1;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
