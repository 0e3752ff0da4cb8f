/**
 * Per-client-address limits, so one address cannot take every connection slot, every room
 * (`max-rooms`) or the join-verification CPU: open connections, rooms it created that still
 * exist, and join attempts per minute (a token bucket; burst = one minute's worth).
 *
 * An entry lives while the address has a connection or a room, and afterwards until its join
 * bucket has refilled (a minute at most), so reconnecting does not reset the join rate. Entries
 * need a connection to be created, so the table is bounded by the connection rate.
 */
import { TokenBucket } from './token-bucket.ts';

export interface IpLimitValues {
  maxConnectionsPerIp: number;
  maxRoomsPerIp: number;
  maxJoinsPerIpPerMin: number;
}

interface Entry {
  conns: number;
  rooms: number;
  joins: TokenBucket;
  lastJoin: number;
}

const MINUTE = 60_000;

export class IpLimits {
  private readonly table = new Map<string, Entry>();

  constructor(private readonly limits: IpLimitValues) {}

  get size(): number {
    return this.table.size;
  }

  /** Counts a new connection from `ip`, or returns false when it already has its maximum. */
  connect(ip: string, now: number): boolean {
    const e = this.entry(ip, now);
    if (e.conns >= this.limits.maxConnectionsPerIp) return false;
    e.conns++;
    return true;
  }

  disconnect(ip: string): void {
    const e = this.table.get(ip);
    if (e) e.conns = Math.max(0, e.conns - 1);
  }

  /** One join attempt (counted before its signature is checked). */
  join(ip: string, now: number): boolean {
    const e = this.entry(ip, now);
    e.lastJoin = now;
    return e.joins.take(1, now);
  }

  mayCreateRoom(ip: string): boolean {
    return (this.table.get(ip)?.rooms ?? 0) < this.limits.maxRoomsPerIp;
  }

  roomCreated(ip: string, now: number): void {
    this.entry(ip, now).rooms++;
  }

  roomGone(ip: string): void {
    const e = this.table.get(ip);
    if (e) e.rooms = Math.max(0, e.rooms - 1);
  }

  /** Forgets addresses with nothing open whose join bucket is full again. Called by the sweep. */
  prune(now: number): void {
    for (const [ip, e] of this.table) {
      if (e.conns === 0 && e.rooms === 0 && now - e.lastJoin >= MINUTE) this.table.delete(ip);
    }
  }

  private entry(ip: string, now: number): Entry {
    let e = this.table.get(ip);
    if (!e) {
      const perMin = this.limits.maxJoinsPerIpPerMin;
      e = { conns: 0, rooms: 0, joins: new TokenBucket(perMin / 60, perMin, now), lastJoin: -Infinity };
      this.table.set(ip, e);
    }
    return e;
  }
}
