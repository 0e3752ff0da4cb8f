/**
 * Command-line flags (and SIGNAL_* environment variables) → SignalServerOptions. Pure: takes
 * argv, env and a file reader, returns options, help text or an error message.
 * Every flag `--foo-bar` may also be given as `SIGNAL_FOO_BAR`; flags win.
 */
import { DEFAULT_LIMITS, type Limits } from './limits.ts';
import { normalizeOrigin } from './origin.ts';
import type { EnrolmentConfig, SignalServerOptions } from './server.ts';

type Kind = 'string' | 'int' | 'seconds' | 'bool';

interface Spec {
  flag: string;
  kind: Kind;
  arg?: string;
  help: string;
  limit?: keyof Limits;
  min?: number;
  max?: number;
}

/** TURN credentials live minutes, not hours: a leaked one is soon useless. */
export const DEFAULT_TURN_TTL_SEC = 600;

const S = (flag: string, kind: Kind, help: string, extra: Partial<Spec> = {}): Spec => ({ flag, kind, help, ...extra });

const SPECS: Spec[] = [
  S('host', 'string', 'address to listen on (default 127.0.0.1; use a TLS reverse proxy in front)', { arg: 'ADDR' }),
  S('port', 'int', 'port (default 8080; 0 = any free port)', { arg: 'N', min: 0, max: 65535 }),
  S('static', 'string', 'directory of the built PWA to serve (default web/dist if present)', { arg: 'DIR' }),
  S('no-static', 'bool', 'serve no static files'),
  S('turn-secret', 'string', "coturn's static-auth-secret (prefer --turn-secret-file or SIGNAL_TURN_SECRET: argv is visible to other users)", { arg: 'S' }),
  S('turn-secret-file', 'string', 'read the TURN secret from this file', { arg: 'FILE' }),
  S('turn-urls', 'string', 'comma-separated TURN URLs, e.g. turn:turn.example.org:3478?transport=udp', { arg: 'URLS' }),
  S('turn-ttl', 'int', `lifetime of TURN credentials in seconds (default ${DEFAULT_TURN_TTL_SEC}; clients fetch new ones as they near expiry)`, { arg: 'SEC', min: 60, max: 86400 }),
  S('enrol-file', 'string', 'enrolled rooms and unused enrolment codes (default $STATE_DIRECTORY/enrolment.json under systemd, else ~/.family-vault/signal-enrolment.json; with --redis: kept in Redis)', { arg: 'FILE' }),
  S('allow-unenrolled-signaling', 'bool', 'let rooms that are not enrolled signal too (they still get no TURN credentials); default: refused'),
  S('no-enrolment', 'bool', 'no enrolment at all: every room may signal AND gets TURN credentials, an open TURN relay (tests, closed networks)'),
  S('max-frame', 'int', `largest WebSocket frame in bytes (default ${DEFAULT_LIMITS.maxFrame})`, { arg: 'BYTES', limit: 'maxFrame', min: 1024, max: 16 * 1024 * 1024 }),
  S('max-signal-data', 'int', `largest signal payload in characters (default ${DEFAULT_LIMITS.maxSignalData})`, { arg: 'N', limit: 'maxSignalData', min: 256 }),
  S('max-msgs-per-sec', 'int', `messages per second per connection (default ${DEFAULT_LIMITS.maxMsgsPerSec})`, { arg: 'N', limit: 'maxMsgsPerSec', min: 1 }),
  S('max-relay-bytes-per-sec', 'int', `fallback-relay bytes per second per connection (default ${DEFAULT_LIMITS.maxRelayBytesPerSec})`, { arg: 'N', limit: 'maxRelayBytesPerSec', min: 1024 }),
  S('max-bytes-per-sec', 'int', `bytes of all frames per second per connection (default ${DEFAULT_LIMITS.maxBytesPerSec})`, { arg: 'N', limit: 'maxBytesPerSec', min: 1024 }),
  S('max-peers-per-room', 'int', `peers per room (default ${DEFAULT_LIMITS.maxPeersPerRoom})`, { arg: 'N', limit: 'maxPeersPerRoom', min: 2 }),
  S('max-rooms', 'int', `rooms on this server (default ${DEFAULT_LIMITS.maxRooms})`, { arg: 'N', limit: 'maxRooms', min: 1 }),
  S('max-connections', 'int', `open WebSockets, joined or not (default ${DEFAULT_LIMITS.maxConnections})`, { arg: 'N', limit: 'maxConnections', min: 1 }),
  S('max-connections-per-ip', 'int', `open WebSockets from one client address (default ${DEFAULT_LIMITS.maxConnectionsPerIp})`, { arg: 'N', limit: 'maxConnectionsPerIp', min: 1 }),
  S('max-rooms-per-ip', 'int', `rooms one client address may have created at a time (default ${DEFAULT_LIMITS.maxRoomsPerIp})`, { arg: 'N', limit: 'maxRoomsPerIp', min: 1 }),
  S('max-joins-per-ip-per-min', 'int', `join attempts per minute from one client address (default ${DEFAULT_LIMITS.maxJoinsPerIpPerMin})`, { arg: 'N', limit: 'maxJoinsPerIpPerMin', min: 1 }),
  S('idle-timeout', 'seconds', `close connections silent this long, pings unanswered (default ${DEFAULT_LIMITS.idleTimeoutMs / 1000})`, { arg: 'SEC', limit: 'idleTimeoutMs', min: 0.2, max: 86400 }),
  S('join-timeout', 'seconds', `close connections not joined after this long (default ${DEFAULT_LIMITS.joinTimeoutMs / 1000})`, { arg: 'SEC', limit: 'joinTimeoutMs', min: 0.2, max: 3600 }),
  S('max-backpressure', 'int', `bytes queued for a slow client before it is dropped (default ${DEFAULT_LIMITS.maxBackpressure})`, { arg: 'BYTES', limit: 'maxBackpressure', min: 1024 }),
  S('max-bad-messages', 'int', `malformed messages tolerated per connection (default ${DEFAULT_LIMITS.maxBadMessages})`, { arg: 'N', limit: 'maxBadMessages', min: 1 }),
  S('http-stall-timeout', 'seconds', `close HTTP connections whose response made no progress this long (default ${DEFAULT_LIMITS.httpStallTimeoutMs / 1000})`, { arg: 'SEC', limit: 'httpStallTimeoutMs', min: 1, max: 3600 }),
  S('allowed-origins', 'string', 'comma-separated origins (https://host[:port]) whose pages may open WebSockets, besides this host and loopback pages', { arg: 'ORIGINS' }),
  S('hsts', 'bool', 'send Strict-Transport-Security on every response (only when clients reach this server over TLS)'),
  S('health-port', 'int', 'also answer /healthz on this port over node:http, which speaks HTTP/1.0 (uWS drops HTTP/1.0 unanswered)', { arg: 'N', min: 0, max: 65535 }),
  S('redis', 'string', 'share rooms with other instances through this Redis (redis://host:port); see docs', { arg: 'URL' }),
  S('trust-proxy', 'bool', 'take the client IP (logs, per-IP limits) from the last X-Forwarded-For entry; only behind your own proxy. Without it, loopback peers are not limited per IP'),
  S('help', 'bool', 'show this help'),
];

export function helpText(): string {
  const rows = SPECS.map((s) => [`  --${s.flag}${s.arg ? ` ${s.arg}` : ''}`, s.help] as const);
  const w = Math.max(...rows.map(([l]) => l.length)) + 2;
  return [
    'Family Vault signal server: signaling rooms, TURN credentials, /healthz, /metrics, and the PWA.',
    '',
    'Usage: npm run signal -- [flags]      (or: node --import tsx signal-server/src/cli.ts [flags])',
    '       npm run signal -- enroll [--days N] [--enrol-file FILE | --redis URL]',
    '       npm run signal -- enrolled | unenroll ROOM [--enrol-file FILE | --redis URL]',
    '',
    'Commands (for the admin; they change the store the running server reads, no restart needed):',
    '  enroll            mint a one-time enrolment code for one family (valid --days, default 7)',
    '  enrolled          list the enrolled rooms and how many codes wait to be used',
    '  unenroll ROOM     unenrol a room (its id, or the first 8 or more characters the log shows)',
    '',
    ...rows.map(([l, h]) => l.padEnd(w) + h),
    '',
    'Every flag can also be set as an environment variable: --max-rooms 50 ≡ SIGNAL_MAX_ROOMS=50.',
    'Docs: docs/signal-server.md',
  ].join('\n');
}

export type EnrolCommand =
  | { command: 'enroll'; days: number }
  | { command: 'enrolled' }
  | { command: 'unenroll'; room: string };

export type ParsedArgs =
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; options: SignalServerOptions }
  | { kind: 'enrol'; run: EnrolCommand; store: { file: string } | { redis: string } };

export interface ArgsEnv {
  env: Record<string, string | undefined>;
  /** Used when neither --static nor --no-static is given, if that directory exists. */
  defaultStaticDir?: string;
  /** The enrolment file when --enrol-file is not given (and not --redis). */
  defaultEnrolFile?: string;
  isDirectory: (path: string) => boolean;
  readFile: (path: string) => string;
}

const COMMANDS = new Set(['enroll', 'enrol', 'enrolled', 'unenroll', 'unenrol']);

export function parseArgs(argv: readonly string[], ctx: ArgsEnv): ParsedArgs {
  if (argv[0] !== undefined && COMMANDS.has(argv[0])) return parseCommand(argv[0], argv.slice(1), ctx);
  const raw = new Map<string, string>();
  for (const s of SPECS) {
    const v = ctx.env[`SIGNAL_${s.flag.toUpperCase().replace(/-/g, '_')}`];
    if (v !== undefined && v !== '' && s.flag !== 'help') raw.set(s.flag, v);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h') return { kind: 'help', text: helpText() };
    if (!a.startsWith('--')) return { kind: 'error', message: `unexpected argument "${a}" (see --help)` };
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = SPECS.find((s) => s.flag === name);
    if (!spec) return { kind: 'error', message: `unknown flag --${name} (see --help)` };
    if (spec.kind === 'bool') {
      raw.set(name, eq < 0 ? 'true' : a.slice(eq + 1));
      continue;
    }
    const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (v === undefined) return { kind: 'error', message: `--${name} needs a value` };
    raw.set(name, v);
  }
  if (raw.get('help') === 'true') return { kind: 'help', text: helpText() };

  const options: SignalServerOptions = {};
  const limits: Partial<Limits> = {};
  for (const s of SPECS) {
    const v = raw.get(s.flag);
    if (v === undefined) continue;
    const value = parseValue(s, v);
    if (typeof value === 'object') return { kind: 'error', message: value.error };
    if (s.kind === 'bool') raw.set(s.flag, value ? 'true' : 'false'); // `1`/`0` from SIGNAL_* count too
    if (s.limit) limits[s.limit] = s.kind === 'seconds' ? Math.round((value as number) * 1000) : (value as number);
  }
  options.limits = limits;
  if (raw.has('host')) options.host = raw.get('host')!;
  if (raw.has('port')) options.port = Number(raw.get('port'));
  if (raw.get('trust-proxy') === 'true') options.trustProxy = true;
  if (raw.get('hsts') === 'true') options.hsts = true;
  if (raw.has('health-port')) options.healthPort = Number(raw.get('health-port'));
  const origins = raw.get('allowed-origins');
  if (origins !== undefined) {
    options.allowedOrigins = [];
    for (const o of origins.split(',').map((x) => x.trim()).filter(Boolean)) {
      const n = normalizeOrigin(o);
      if (!n) return { kind: 'error', message: `--allowed-origins: "${o}" is not an origin like https://app.example.org` };
      options.allowedOrigins.push(n);
    }
  }
  const redis = raw.get('redis');
  if (redis !== undefined) {
    if (!/^rediss?:\/\/[^\s]+$/.test(redis)) return { kind: 'error', message: `--redis: expected a redis:// or rediss:// URL, got "${redis}"` };
    options.redisUrl = redis;
  }

  // Static directory.
  const staticDir = raw.get('static');
  if (raw.get('no-static') === 'true') {
    if (staticDir) return { kind: 'error', message: '--static and --no-static contradict each other' };
  } else if (staticDir) {
    if (!ctx.isDirectory(staticDir)) return { kind: 'error', message: `--static ${staticDir}: not a directory` };
    options.staticDir = staticDir;
  } else if (ctx.defaultStaticDir && ctx.isDirectory(ctx.defaultStaticDir)) {
    options.staticDir = ctx.defaultStaticDir;
  }

  // TURN: all or nothing.
  let secret = raw.get('turn-secret');
  const secretFile = raw.get('turn-secret-file');
  if (secret && secretFile) return { kind: 'error', message: 'give --turn-secret or --turn-secret-file, not both' };
  if (secretFile) {
    try {
      secret = ctx.readFile(secretFile).trim();
    } catch (e) {
      return { kind: 'error', message: `--turn-secret-file ${secretFile}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (!secret) return { kind: 'error', message: `--turn-secret-file ${secretFile} is empty` };
  }
  const urls = (raw.get('turn-urls') ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (secret && urls.length === 0) return { kind: 'error', message: '--turn-secret needs --turn-urls' };
  if (!secret && urls.length > 0) return { kind: 'error', message: '--turn-urls needs --turn-secret (or --turn-secret-file)' };
  const badUrl = urls.find((u) => !/^(turns?|stun):[^\s]+$/.test(u));
  if (badUrl) return { kind: 'error', message: `--turn-urls: "${badUrl}" is not a turn:, turns: or stun: URL` };
  if (secret) options.turn = { secret, urls, ttlSec: Number(raw.get('turn-ttl') ?? DEFAULT_TURN_TTL_SEC) };

  // Enrolment: on unless --no-enrolment; in a file, or in Redis with --redis.
  const enrolFile = raw.get('enrol-file');
  const allowUnenrolled = raw.get('allow-unenrolled-signaling') === 'true';
  if (raw.get('no-enrolment') === 'true') {
    if (enrolFile || allowUnenrolled) return { kind: 'error', message: '--no-enrolment contradicts --enrol-file and --allow-unenrolled-signaling' };
    options.enrolment = 'off';
  } else {
    const where = enrolFile ? { file: enrolFile } : options.redisUrl ? { redis: options.redisUrl } : ctx.defaultEnrolFile ? { file: ctx.defaultEnrolFile } : undefined;
    if (!where) return { kind: 'error', message: 'give --enrol-file FILE (or --no-enrolment)' };
    const enrolment: EnrolmentConfig = { ...where, ...(allowUnenrolled ? { allowUnenrolledSignaling: true } : {}) };
    options.enrolment = enrolment;
  }
  return { kind: 'ok', options };
}

/** `enroll`, `enrolled`, `unenroll ROOM`: flags --enrol-file, --redis (and their SIGNAL_* variables), --days. */
function parseCommand(name: string, argv: readonly string[], ctx: ArgsEnv): ParsedArgs {
  const command = name === 'enrol' ? 'enroll' : name === 'unenrol' ? 'unenroll' : (name as EnrolCommand['command']);
  let file = ctx.env.SIGNAL_ENROL_FILE || undefined;
  let redis = ctx.env.SIGNAL_REDIS || undefined;
  let days = 7;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return { kind: 'help', text: helpText() };
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = a.slice(2, eq < 0 ? undefined : eq);
    const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (v === undefined) return { kind: 'error', message: `--${flag} needs a value` };
    if (flag === 'enrol-file') file = v;
    else if (flag === 'redis') redis = v;
    else if (flag === 'days' && command === 'enroll') {
      days = Number(v);
      if (!Number.isInteger(days) || days < 1 || days > 365) return { kind: 'error', message: `--days: expected a whole number of days from 1 to 365, got "${v}"` };
    } else return { kind: 'error', message: `${command}: unknown flag --${flag} (see --help)` };
  }
  if (redis !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redis)) return { kind: 'error', message: `--redis: expected a redis:// or rediss:// URL, got "${redis}"` };
  const store = file ? { file } : redis ? { redis } : ctx.defaultEnrolFile ? { file: ctx.defaultEnrolFile } : undefined;
  if (!store) return { kind: 'error', message: `${command}: give --enrol-file FILE or --redis URL (the store the server uses)` };
  if (command === 'unenroll') {
    if (positional.length !== 1) return { kind: 'error', message: 'unenroll: give exactly one room id (or its first 8 or more characters)' };
    return { kind: 'enrol', run: { command, room: positional[0]! }, store };
  }
  if (positional.length) return { kind: 'error', message: `${command}: unexpected argument "${positional[0]!.slice(0, 40)}"` };
  return { kind: 'enrol', run: command === 'enroll' ? { command, days } : { command }, store };
}

function parseValue(s: Spec, v: string): number | string | boolean | { error: string } {
  switch (s.kind) {
    case 'string':
      return v;
    case 'bool':
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      return { error: `--${s.flag}: expected true or false, got "${v}"` };
    case 'int':
    case 'seconds': {
      const n = Number(v);
      const ok = v.trim() !== '' && Number.isFinite(n) && (s.kind === 'seconds' || Number.isInteger(n));
      const min = s.min ?? 1;
      const max = s.max ?? Number.MAX_SAFE_INTEGER;
      if (!ok || n < min || n > max) return { error: `--${s.flag}: expected ${s.kind === 'int' ? 'an integer' : 'a number'} from ${min} to ${max}, got "${v}"` };
      return n;
    }
  }
}
