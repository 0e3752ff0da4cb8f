/**
 * Several signal-server instances sharing rooms through Redis pub/sub (docs/signal-server.md,
 * "Several instances"). Redis is the engine; this file only maps the hub's events onto it:
 *
 * - membership: a sorted set per room, `fv:room:<id>:peers`, member = peer id, score = the time
 *   the entry expires. Each instance re-adds its own peers every REFRESH_MS, so the peers of an
 *   instance that died vanish within TTL_MS; readers ignore expired entries.
 * - events: one channel per room, `fv:room:<id>`, subscribed while this instance has a peer in
 *   the room. Messages: J (joined), L (left), F (a frame for one peer), B (a frame for every
 *   peer but the sender); each carries the sending instance's id, and an instance ignores its own.
 *
 * Redis sees what one instance sees (room ids, peer ids, sealed payloads), never more.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const TTL_MS = 60_000;
const REFRESH_MS = 20_000;
const SEP = '\u0001'; // never in a room id, a peer id or a JSON frame (JSON escapes control characters)

/** What the hub hears from the other instances. */
export interface BusListener {
  remoteJoined(room: string, peer: string): void;
  remoteLeft(room: string, peer: string): void;
  /** `to` undefined: every local peer of the room except `from`. */
  remoteFrame(room: string, to: string | undefined, from: string, frame: string): void;
}

/** The hub's side: what it tells the other instances. Synchronous; Redis work runs behind it. */
export interface RoomBus {
  /** Subscribes (once per room) and registers the peer; resolves with the OTHER instances' peers. */
  join(room: string, peer: string): Promise<string[]>;
  /** The peer left this instance (not replaced elsewhere). */
  leave(room: string, peer: string): void;
  /** This instance has no peer left in `room`: stop listening to it. */
  forget(room: string): void;
  /** Peers of `room` on other instances, as far as this instance knows. */
  remotePeers(room: string): ReadonlySet<string>;
  send(room: string, to: string | undefined, from: string, frame: string): void;
  close(): Promise<void>;
}

const roomKey = (room: string): string => `fv:room:${room}:peers`;
const channel = (room: string): string => `fv:room:${room}`;

export class RedisRoomBus implements RoomBus {
  readonly instance = randomBytes(8).toString('base64url');
  private readonly remote = new Map<string, Set<string>>();
  /** Local peers per room, re-registered every REFRESH_MS. */
  private readonly local = new Map<string, Set<string>>();
  private readonly subscribing = new Map<string, Promise<void>>();
  private readonly refresher: NodeJS.Timeout;

  private constructor(
    private readonly cmd: Redis,
    private readonly sub: Redis,
    private readonly listener: BusListener,
    private readonly onError: (e: unknown) => void,
  ) {
    sub.on('message', (ch: string, msg: string) => {
      try {
        this.onMessage(ch, msg);
      } catch (e) {
        this.onError(e);
      }
    });
    this.refresher = setInterval(() => this.refresh(), REFRESH_MS);
    this.refresher.unref();
  }

  /** Connects both Redis connections; fails (clear message) when Redis cannot be reached. */
  static async connect(url: string, listener: BusListener, onError: (e: unknown) => void): Promise<RedisRoomBus> {
    const open = (): Redis => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true });
    const cmd = open();
    const sub = open();
    for (const c of [cmd, sub]) c.on('error', onError);
    try {
      await Promise.all([cmd.connect(), sub.connect()]);
      await cmd.ping();
    } catch (e) {
      cmd.disconnect();
      sub.disconnect();
      throw new Error(`cannot reach Redis at ${url} (${e instanceof Error ? e.message : String(e)})`);
    }
    return new RedisRoomBus(cmd, sub, listener, onError);
  }

  async join(room: string, peer: string): Promise<string[]> {
    let peers = this.local.get(room);
    if (!peers) this.local.set(room, (peers = new Set()));
    peers.add(peer);
    await this.subscribe(room);
    if (!this.local.get(room)?.has(peer)) return []; // it left meanwhile: announce nothing
    await this.cmd.zadd(roomKey(room), Date.now() + TTL_MS, peer);
    await this.cmd.publish(channel(room), ['J', this.instance, peer].join(SEP));
    return [...(this.remote.get(room) ?? [])].filter((p) => p !== peer && !this.local.get(room)?.has(p));
  }

  leave(room: string, peer: string): void {
    this.local.get(room)?.delete(peer);
    void this.cmd.zrem(roomKey(room), peer)
      .then(() => this.cmd.publish(channel(room), ['L', this.instance, peer].join(SEP)))
      .catch(this.onError);
  }

  forget(room: string): void {
    if (this.local.get(room)?.size) return;
    this.local.delete(room);
    this.remote.delete(room);
    const pending = this.subscribing.get(room);
    this.subscribing.delete(room);
    void (pending ?? Promise.resolve()).then(() => {
      if (!this.local.has(room)) return this.sub.unsubscribe(channel(room));
    }).catch(this.onError);
  }

  remotePeers(room: string): ReadonlySet<string> {
    return this.remote.get(room) ?? EMPTY;
  }

  send(room: string, to: string | undefined, from: string, frame: string): void {
    const msg = to === undefined ? ['B', this.instance, from, frame] : ['F', this.instance, to, from, frame];
    void this.cmd.publish(channel(room), msg.join(SEP)).catch(this.onError);
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    // Our peers leave the shared rooms now rather than at expiry.
    const batch = this.cmd.multi();
    for (const [room, peers] of this.local) {
      for (const p of peers) {
        batch.zrem(roomKey(room), p);
        batch.publish(channel(room), ['L', this.instance, p].join(SEP));
      }
    }
    await batch.exec().catch(this.onError);
    this.local.clear();
    await Promise.allSettled([this.sub.quit(), this.cmd.quit()]);
  }

  /** Listens to the room first, then reads who is there: no join can fall in between. */
  private subscribe(room: string): Promise<void> {
    let p = this.subscribing.get(room);
    if (!p) {
      p = (async () => {
        await this.sub.subscribe(channel(room));
        const now = Date.now();
        const present = await this.cmd.zrangebyscore(roomKey(room), now, '+inf');
        const set = this.remote.get(room) ?? new Set();
        for (const peer of present) if (!this.local.get(room)?.has(peer)) set.add(peer);
        this.remote.set(room, set);
        void this.cmd.zremrangebyscore(roomKey(room), '-inf', now).catch(this.onError); // tidy expired entries
      })();
      p.catch(() => this.subscribing.delete(room));
      this.subscribing.set(room, p);
    }
    return p;
  }

  /**
   * Keeps our entries alive, and drops remote peers whose entries expired: an instance that died
   * never said they left.
   */
  private refresh(): void {
    const now = Date.now();
    const batch = this.cmd.multi();
    for (const [room, peers] of this.local) for (const p of peers) batch.zadd(roomKey(room), now + TTL_MS, p);
    void batch.exec().then(async () => {
      for (const room of [...this.remote.keys()]) {
        const alive = new Set(await this.cmd.zrangebyscore(roomKey(room), now, '+inf'));
        for (const p of [...(this.remote.get(room) ?? [])]) {
          if (alive.has(p)) continue;
          this.remote.get(room)?.delete(p);
          this.listener.remoteLeft(room, p);
        }
      }
    }).catch(this.onError);
  }

  private onMessage(ch: string, msg: string): void {
    if (!ch.startsWith('fv:room:')) return;
    const room = ch.slice('fv:room:'.length);
    const parts = msg.split(SEP);
    if (parts[1] === this.instance || !this.local.has(room)) return;
    const [kind, , a, b, frame] = parts;
    switch (kind) {
      case 'J': {
        let set = this.remote.get(room);
        if (!set) this.remote.set(room, (set = new Set()));
        set.add(a!);
        this.listener.remoteJoined(room, a!);
        return;
      }
      case 'L':
        if (this.remote.get(room)?.delete(a!)) this.listener.remoteLeft(room, a!);
        return;
      case 'F':
        this.listener.remoteFrame(room, a, b!, frame!);
        return;
      case 'B':
        this.listener.remoteFrame(room, undefined, a!, b!);
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();
