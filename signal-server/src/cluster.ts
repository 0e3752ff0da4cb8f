/**
 * Several signal-server instances sharing rooms through Redis pub/sub (docs/signal-server.md,
 * "Several instances"). Redis is the engine; this file only maps the hub's events onto it:
 *
 * - membership: a sorted set per room, `fv:room:<id>:peers`, member = `<peer>␁<instance>`,
 *   score = the time the entry expires. Each instance re-adds its own peers every 20 s, so
 *   the peers of an instance that died vanish within the TTL (60 s); readers ignore expired entries.
 * - events: one channel per room, `fv:room:<id>`, subscribed while this instance has a peer in
 *   the room: J (joined), L (left), B (a frame for every peer but the sender), each carrying
 *   the sending instance's id (an instance ignores its own). A frame for one peer (F) goes to
 *   the channel of that peer's instance only, `fv:inst:<id>`. Frames published in one event-loop
 *   turn go out as one PUBLISH per channel (as the WebSocket sends are corked): under load this
 *   cut the server + Redis CPU per relayed message from about 30 µs to 13 µs (bench/signal-cluster.ts).
 *
 * Redis sees what one instance sees (room ids, peer ids, sealed payloads), never more.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** How long a peer entry lives without refresh, and how often an instance refreshes its own. */
export interface BusTiming {
  ttlMs: number;
  refreshMs: number;
}
const DEFAULT_TIMING: BusTiming = { ttlMs: 60_000, refreshMs: 20_000 };
const SEP = '\u0001'; // never in a room id, a peer id or a JSON frame (JSON escapes control characters)
/** Separates the messages of one batch: frames published in one event-loop turn travel together. */
const RS = '\u0002';

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
  /** The peer left this instance; `replacedElsewhere`: it joined on another one, so no 'left'. */
  leave(room: string, peer: string, replacedElsewhere?: boolean): void;
  /** This instance has no peer left in `room`: stop listening to it. */
  forget(room: string): void;
  /** Peers of `room` on other instances, as far as this instance knows. */
  remotePeers(room: string): { readonly size: number; has(peer: string): boolean };
  send(room: string, to: string | undefined, from: string, frame: string): void;
  close(): Promise<void>;
}

const roomKey = (room: string): string => `fv:room:${room}:peers`;
const channel = (room: string): string => `fv:room:${room}`;

export class RedisRoomBus implements RoomBus {
  readonly instance = randomBytes(8).toString('base64url');
  /** Per room: peer → the instance it is on. */
  private readonly remote = new Map<string, Map<string, string>>();
  /** Local peers per room, re-registered every REFRESH_MS. */
  private readonly local = new Map<string, Set<string>>();
  private readonly subscribing = new Map<string, Promise<void>>();
  /** Frames waiting for the end of this event-loop turn, per channel (order kept). */
  private outbox = new Map<string, string[]>();
  private flushQueued = false;
  private readonly refresher: NodeJS.Timeout;

  private constructor(
    private readonly cmd: Redis,
    private readonly sub: Redis,
    private readonly listener: BusListener,
    private readonly onError: (e: unknown) => void,
    private readonly timing: BusTiming,
  ) {
    void sub.subscribe(`fv:inst:${this.instance}`).catch(onError);
    sub.on('message', (ch: string, msg: string) => {
      try {
        this.onMessage(ch, msg);
      } catch (e) {
        this.onError(e);
      }
    });
    this.refresher = setInterval(() => this.refresh(), timing.refreshMs);
    this.refresher.unref();
  }

  /** Connects both Redis connections; fails (clear message) when Redis cannot be reached. */
  static async connect(url: string, listener: BusListener, onError: (e: unknown) => void, timing = DEFAULT_TIMING): Promise<RedisRoomBus> {
    const open = (): Redis => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true, enableAutoPipelining: true });
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
    return new RedisRoomBus(cmd, sub, listener, onError, timing);
  }

  async join(room: string, peer: string): Promise<string[]> {
    let peers = this.local.get(room);
    if (!peers) this.local.set(room, (peers = new Set()));
    peers.add(peer);
    await this.subscribe(room);
    if (!this.local.get(room)?.has(peer)) return []; // it left meanwhile: announce nothing
    await this.cmd.zadd(roomKey(room), Date.now() + this.timing.ttlMs, this.member(peer));
    await this.cmd.publish(channel(room), ['J', this.instance, peer].join(SEP));
    return [...(this.remote.get(room)?.keys() ?? [])].filter((p) => p !== peer && !this.local.get(room)?.has(p));
  }

  leave(room: string, peer: string, replacedElsewhere = false): void {
    this.local.get(room)?.delete(peer);
    // Both queued now, in order: a close() right after still sends them before QUIT.
    void this.cmd.zrem(roomKey(room), this.member(peer)).catch(this.onError);
    if (!replacedElsewhere) void this.cmd.publish(channel(room), ['L', this.instance, peer].join(SEP)).catch(this.onError);
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

  remotePeers(room: string): { readonly size: number; has(peer: string): boolean } {
    return this.remote.get(room) ?? EMPTY;
  }

  send(room: string, to: string | undefined, from: string, frame: string): void {
    const where = to === undefined ? undefined : this.remote.get(room)?.get(to);
    if (where === undefined) this.queue(channel(room), ['B', this.instance, from, frame].join(SEP));
    else this.queue(`fv:inst:${where}`, ['F', this.instance, room, to!, from, frame].join(SEP));
  }

  /** One PUBLISH per channel and event-loop turn, like the corked WebSocket sends. */
  private queue(ch: string, msg: string): void {
    const list = this.outbox.get(ch);
    if (list) list.push(msg);
    else this.outbox.set(ch, [msg]);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      const out = this.outbox;
      this.outbox = new Map();
      for (const [c, msgs] of out) void this.cmd.publish(c, msgs.join(RS)).catch(this.onError);
    });
  }

  private member(peer: string): string {
    return `${peer}${SEP}${this.instance}`;
  }

  /** As if the process died: no goodbye, no refresh (tests). */
  crash(): void {
    clearInterval(this.refresher);
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    for (const [c, msgs] of this.outbox) void this.cmd.publish(c, msgs.join(RS)).catch(this.onError);
    this.outbox.clear();
    // Our peers leave the shared rooms now rather than at expiry.
    const batch = this.cmd.multi();
    for (const [room, peers] of this.local) {
      for (const p of peers) {
        batch.zrem(roomKey(room), this.member(p));
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
        if (!this.local.has(room)) return; // every local peer left meanwhile (forget ran)
        const map = this.remote.get(room) ?? new Map<string, string>();
        for (const m of present) {
          const [peer, instance] = m.split(SEP);
          if (peer && instance && instance !== this.instance && !this.local.get(room)?.has(peer)) map.set(peer, instance);
        }
        this.remote.set(room, map);
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
    for (const [room, peers] of this.local) for (const p of peers) batch.zadd(roomKey(room), now + this.timing.ttlMs, this.member(p));
    void batch.exec().then(async () => {
      for (const room of [...this.remote.keys()]) {
        const alive = new Set(await this.cmd.zrangebyscore(roomKey(room), now, '+inf'));
        for (const [p, instance] of [...(this.remote.get(room) ?? [])]) {
          if (alive.has(`${p}${SEP}${instance}`)) continue;
          this.remote.get(room)?.delete(p);
          this.listener.remoteLeft(room, p);
        }
      }
    }).catch(this.onError);
  }

  private onMessage(ch: string, batch: string): void {
    for (const msg of batch.split(RS)) this.onOne(ch, msg);
  }

  private onOne(ch: string, msg: string): void {
    const parts = msg.split(SEP);
    const [kind, from] = parts;
    if (from === this.instance) return;
    if (kind === 'F') {
      const [, , room, to, sender, frame] = parts;
      if (this.local.has(room!)) this.listener.remoteFrame(room!, to, sender!, frame!);
      return;
    }
    if (!ch.startsWith('fv:room:')) return;
    const room = ch.slice('fv:room:'.length);
    if (!this.local.has(room)) return;
    const [, , a, b] = parts;
    switch (kind) {
      case 'J': {
        let map = this.remote.get(room);
        if (!map) this.remote.set(room, (map = new Map()));
        map.set(a!, from!);
        this.listener.remoteJoined(room, a!);
        return;
      }
      case 'L':
        // Only the instance the peer is on may say it left (it may have moved on since).
        if (this.remote.get(room)?.get(a!) !== from) return;
        this.remote.get(room)!.delete(a!);
        this.listener.remoteLeft(room, a!);
        return;
      case 'B':
        this.listener.remoteFrame(room, undefined, a!, b!);
    }
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();
