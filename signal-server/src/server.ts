/**
 * startSignalServer: wires the protocol hub (hub.ts) and the HTTP routes (http.ts) onto a
 * native uWebSockets.js app. WebSockets live at `/signal`. See docs/signal-server.md.
 */
import type { HttpRequest, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { clientAddress } from './client-ip.ts';
import type { Conn } from './conn.ts';
import { CorkedSender, type CorkedSocket } from './corked-sender.ts';
import { registerHttp } from './http.ts';
import { RedisRoomBus } from './cluster.ts';
import { Hub, type HubEnrolment } from './hub.ts';
import type { EnrolmentStore } from './enrolment.ts';
import { FileEnrolmentStore } from './enrolment-file.ts';
import { RedisEnrolmentStore } from './enrolment-redis.ts';
import { resolveLimits, type Limits } from './limits.ts';
import { makeLogger, type LogSink } from './log.ts';
import { Metrics, type MetricsSnapshot } from './metrics.ts';
import { StaticSite } from './static.ts';
import type { TurnConfig } from './turn.ts';
import { loadUws } from './uws.ts';
import { startHealthServer } from './health-server.ts';
import { originAllowed } from './origin.ts';
import { healthBody } from './build-info.ts';

/** The last comma-separated entry of a header (the one our own proxy added). */
function lastEntry(header: string): string {
  return header.slice(header.lastIndexOf(',') + 1).trim().toLowerCase();
}

export interface SignalServerOptions {
  /** Default 127.0.0.1: put a TLS reverse proxy in front rather than exposing this directly. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Directory of the built PWA; nothing is served when absent. */
  staticDir?: string;
  turn?: TurnConfig;
  limits?: Partial<Limits>;
  /** Take the client IP (logs, per-IP limits) from the last X-Forwarded-For entry, set by our own proxy. */
  trustProxy?: boolean;
  /** Where log lines go (default stdout); `false` silences them. */
  log?: LogSink | false;
  /** Share rooms with the other instances on this Redis (redis://host:port); see cluster.ts. */
  redisUrl?: string;
  /** Send Strict-Transport-Security on every response (we are behind TLS, whatever headers say). */
  hsts?: boolean;
  /** Origins besides this host's and loopback pages that may open WebSockets (origin.ts). */
  allowedOrigins?: string[];
  /** Also answer /healthz over node:http on this port (HTTP/1.0 health checkers; health-server.ts). */
  healthPort?: number;
  /**
   * Which rooms get TURN and may signal (enrolment.ts): enrolled ones, kept in a file, in Redis,
   * or in a store of the caller's. Default 'off': every room, as if enrolled (tests; the CLI
   * defaults to a file and needs --no-enrolment for this).
   */
  enrolment?: 'off' | EnrolmentConfig;
}

export type EnrolmentConfig = ({ file: string } | { redis: string } | { store: EnrolmentStore }) & {
  /** Rooms not enrolled may signal (never TURN); default: refused with 4010. */
  allowUnenrolledSignaling?: boolean;
};

/** The enrolment store a config names (the caller closes it). */
export async function openEnrolmentStore(cfg: EnrolmentConfig, onError: (e: unknown) => void): Promise<EnrolmentStore> {
  if ('store' in cfg) return cfg.store;
  if ('redis' in cfg) return RedisEnrolmentStore.connect(cfg.redis, onError);
  const store = new FileEnrolmentStore(cfg.file);
  await store.isEnrolled(''); // reads the file now: a broken one stops the start, not a join
  return store;
}

export interface SignalServer {
  port: number;
  /** The --health-port listener's port, when there is one. */
  healthPort?: number;
  /** http://host:port */
  url: string;
  close(): Promise<void>;
  metrics(): MetricsSnapshot;
}

interface UserData {
  conn: Conn;
  socket?: CorkedSocket;
}

export async function startSignalServer(options: SignalServerOptions = {}): Promise<SignalServer> {
  const uWS = loadUws();
  const limits = resolveLimits(options.limits);
  const metrics = new Metrics();
  const log = makeLogger(options.log === false ? () => undefined : options.log);
  const site = options.staticDir ? new StaticSite(options.staticDir) : undefined;
  const enrolCfg = options.enrolment === undefined || options.enrolment === 'off' ? undefined : options.enrolment;
  const enrolStore = enrolCfg ? await openEnrolmentStore(enrolCfg, (e) => log('error', { where: 'redis-enrolment', error: e instanceof Error ? e.message : String(e) })) : undefined;
  const ownStore = enrolCfg !== undefined && !('store' in enrolCfg);
  const enrolment: HubEnrolment | undefined = enrolStore
    ? { store: enrolStore, allowUnenrolledSignaling: enrolCfg?.allowUnenrolledSignaling === true }
    : undefined;
  const hub = new Hub({ limits, turn: options.turn, metrics, log, ...(enrolment ? { enrolment } : {}) });
  const bus = options.redisUrl
    ? await RedisRoomBus.connect(options.redisUrl, hub, (e) => log('error', { where: 'redis', error: e instanceof Error ? e.message : String(e) })).catch(async (e: unknown) => {
      if (ownStore) await enrolStore?.close();
      throw e;
    })
    : undefined;
  if (bus) hub.attachBus(bus);
  const host = options.host ?? '127.0.0.1';
  const trustProxy = options.trustProxy ?? false;
  const allowedOrigins = options.allowedOrigins ?? [];
  // HSTS only when TLS is known: the operator says so, or our own proxy says this request used https.
  const viaTls = (req: HttpRequest) => options.hsts === true || (trustProxy && lastEntry(req.getHeader('x-forwarded-proto')) === 'https');

  const sender = new CorkedSender(limits.maxBackpressure, (e) => log('error', { where: 'send', error: String(e) }));
  const app = uWS.App();
  app.ws<UserData>('/signal', {
    compression: uWS.DISABLED, // payloads are ciphertext: compression would only cost memory
    maxPayloadLength: limits.maxFrame,
    // CorkedSender enforces maxBackpressure before queuing; uWS gets headroom for the batch in flight.
    maxBackpressure: limits.maxBackpressure + 2 * limits.maxFrame,
    closeOnBackpressureLimit: 0, // the hub closes slow consumers itself, with code 4009
    // The hub enforces the exact idle timeout with its own pings; uWS's timer (8–960 s,
    // 4 s granularity) is the backstop for TCP connections that vanished silently.
    idleTimeout: Math.min(960, Math.max(8, Math.ceil((limits.idleTimeoutMs / 1000) * 1.5))),
    sendPingsAutomatically: true,
    maxLifetime: 0,
    upgrade: (res, req, context) => {
      let conn: Conn | undefined;
      try {
        // Headers are readable only here, synchronously.
        const key = req.getHeader('sec-websocket-key');
        const protocol = req.getHeader('sec-websocket-protocol');
        const extensions = req.getHeader('sec-websocket-extensions');
        const client = clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for'), trustProxy);
        const origin = req.getHeader('origin');
        if (!originAllowed(origin, req.getHeader('host'), allowedOrigins)) {
          metrics.refused('bad-origin');
          log('refuse', { ip: client.ip, code: 403, reason: 'bad-origin', origin });
          res.writeStatus('403 Forbidden').end('this page may not connect here\n');
          return;
        }
        const admitted = hub.admitOrRefuse(client.ip, client.limited);
        if (admitted === 'max-connections') {
          res.writeStatus('503 Service Unavailable').writeHeader('Retry-After', '10').end('server full\n');
          return;
        }
        if (admitted === 'ip-connections') {
          res.writeStatus('429 Too Many Requests').writeHeader('Retry-After', '10').end('too many connections from your address\n');
          return;
        }
        conn = admitted;
        res.upgrade<UserData>({ conn }, key, protocol, extensions, context);
      } catch (e) {
        // Returning without answering would make uWS abort the process.
        log('error', { where: 'upgrade', error: e instanceof Error ? e.message : String(e) });
        if (conn) hub.closed(conn, 'upgrade failed');
        res.writeStatus('500 Internal Server Error').end();
      }
    },
    open: (ws) => {
      const data = ws.getUserData();
      data.socket = sender.socket(ws, () => hub.slowConsumer(data.conn));
      hub.open(data.conn, data.socket);
    },
    message: (ws, message, isBinary) => {
      // toString() copies out of uWS's buffer, which is only valid during this callback.
      hub.message(ws.getUserData().conn, isBinary ? undefined : Buffer.from(message).toString('utf8'), message.byteLength);
    },
    pong: (ws) => hub.pong(ws.getUserData().conn),
    close: (ws, code, message) => {
      const data = ws.getUserData();
      data.socket?.closed();
      hub.closed(data.conn, Buffer.from(message).toString('utf8'), code);
    },
  });
  registerHttp(app, { site, health: healthBody(options.staticDir), metricsText: () => metrics.render(hub.gauges()), log, viaTls, stallMs: limits.httpStallTimeoutMs });

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(host, options.port ?? 8080, (ls) => {
      if (ls) resolve(ls);
      else reject(new Error(`cannot listen on ${host}:${options.port ?? 8080} (in use, or not a local address?)`));
    });
  });
  const port = uWS.us_socket_local_port(listenSocket);
  const health = options.healthPort !== undefined ? await startHealthServer(host, options.healthPort, healthBody(options.staticDir)) : undefined;

  // Join/idle checks a few times per timeout, so they fire within ~25 % of the configured value.
  const sweepMs = Math.max(50, Math.min(limits.joinTimeoutMs, limits.idleTimeoutMs) / 4);
  const sweeper = setInterval(() => hub.sweep(), sweepMs);
  sweeper.unref();

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log('listen', { url, health: health ? health.port : undefined, static: site?.dir ?? 'none', files: site?.fileCount, turn: options.turn ? 'on' : 'off',
    enrolment: enrolStore ? `${enrolStore.where}${enrolment?.allowUnenrolledSignaling ? ' (unenrolled rooms may signal)' : ''}` : 'off (every room gets TURN)', rooms: bus ? `shared via Redis (instance ${bus.instance})` : 'this instance' });

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    healthPort: health?.port,
    metrics: () => metrics.snapshot(hub.gauges()),
    close: () => {
      closing ??= (async () => {
        uWS.us_listen_socket_close(listenSocket); // stop accepting first
        await health?.close();
        clearInterval(sweeper);
        hub.shutdown(); // 1001 to every WebSocket
        await bus?.close(); // our peers leave the shared rooms now
        if (ownStore) await enrolStore?.close();
        await new Promise((r) => setTimeout(r, 100)); // let close frames reach clients
        // Drops whatever is left (keep-alive HTTP, unanswered closes). Present in uWS ≥ 20.16
        // but missing from this package's typings.
        (app as TemplatedApp & { close(): void }).close();
      })();
      return closing;
    },
  };
}
