/** CLI flags and SIGNAL_* environment variables. */
import { describe, expect, it } from 'vitest';
import { parseArgs, type ArgsEnv } from '../src/args.ts';

const ctx = (over: Partial<ArgsEnv> = {}): ArgsEnv => ({
  env: {},
  defaultEnrolFile: '/state/enrolment.json',
  isDirectory: (p) => p === '/site' || p === '/default-dist',
  readFile: (p) => {
    if (p === '/secret') return 'file-secret\n';
    throw new Error('ENOENT');
  },
  ...over,
});

const ok = (argv: string[], c = ctx()) => {
  const r = parseArgs(argv, c);
  if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
  return r.options;
};
const err = (argv: string[], c = ctx()) => {
  const r = parseArgs(argv, c);
  if (r.kind !== 'error') throw new Error(`expected an error for ${argv.join(' ')}`);
  return r.message;
};

describe('parseArgs', () => {
  it('has defaults, and uses web/dist only if it exists', () => {
    expect(ok([])).toEqual({ limits: {}, enrolment: { file: '/state/enrolment.json' } });
    expect(ok([], ctx({ defaultStaticDir: '/default-dist' })).staticDir).toBe('/default-dist');
    expect(ok([], ctx({ defaultStaticDir: '/nope' })).staticDir).toBeUndefined();
    expect(ok(['--no-static'], ctx({ defaultStaticDir: '/default-dist' })).staticDir).toBeUndefined();
  });

  it('prints help', () => {
    for (const a of [['--help'], ['-h'], ['--port', '1', '--help']]) {
      const r = parseArgs(a, ctx());
      expect(r.kind).toBe('help');
      if (r.kind === 'help') expect(r.text).toContain('--max-peers-per-room');
    }
  });

  it('reads host, port (0 allowed), static, trust-proxy, in both --k v and --k=v forms', () => {
    const o = ok(['--host', '0.0.0.0', '--port=0', '--static', '/site', '--trust-proxy']);
    expect(o).toMatchObject({ host: '0.0.0.0', port: 0, staticDir: '/site', trustProxy: true });
  });

  it('maps limits, seconds to milliseconds', () => {
    const o = ok(['--max-frame', '65536', '--max-msgs-per-sec', '20', '--max-peers-per-room', '8', '--max-rooms', '10',
      '--idle-timeout', '1.5', '--join-timeout', '5', '--max-connections', '100', '--max-backpressure', '4096',
      '--max-bad-messages', '3', '--max-relay-bytes-per-sec', '10000', '--max-signal-data', '1000', '--max-bytes-per-sec', '20000']);
    expect(o.limits).toEqual({
      maxFrame: 65536, maxMsgsPerSec: 20, maxPeersPerRoom: 8, maxRooms: 10, idleTimeoutMs: 1500, joinTimeoutMs: 5000,
      maxConnections: 100, maxBackpressure: 4096, maxBadMessages: 3, maxRelayBytesPerSec: 10000, maxSignalData: 1000,
      maxBytesPerSec: 20000,
    });
  });

  it('reads SIGNAL_* environment variables; flags win', () => {
    const c = ctx({ env: { SIGNAL_PORT: '9000', SIGNAL_MAX_ROOMS: '7', SIGNAL_HOST: '::1' } });
    expect(ok([], c)).toMatchObject({ port: 9000, host: '::1', limits: { maxRooms: 7 } });
    expect(ok(['--port', '9001'], c).port).toBe(9001);
  });

  it('configures TURN only with both a secret and URLs', () => {
    const o = ok(['--turn-secret', 's3', '--turn-urls', 'turn:127.0.0.1:3478?transport=udp, turns:t.example:5349?transport=tcp', '--turn-ttl', '600']);
    expect(o.turn).toEqual({ secret: 's3', urls: ['turn:127.0.0.1:3478?transport=udp', 'turns:t.example:5349?transport=tcp'], ttlSec: 600 });
    expect(ok(['--turn-secret-file', '/secret', '--turn-urls', 'turn:h:1']).turn?.secret).toBe('file-secret');
    expect(ok(['--turn-urls', 'turn:h:1'], ctx({ env: { SIGNAL_TURN_SECRET: 'env' } })).turn?.secret).toBe('env');
    expect(ok(['--turn-urls', 'turn:h:1', '--turn-secret', 'x']).turn?.ttlSec).toBe(600);
    expect(err(['--turn-urls', 'turn:h:1', '--turn-secret', 'x', '--turn-ttl', '30'])).toMatch(/--turn-ttl: expected an integer from 60/);
    expect(err(['--turn-secret', 's'])).toMatch(/needs --turn-urls/);
    expect(err(['--turn-urls', 'turn:h:1'])).toMatch(/needs --turn-secret/);
    expect(err(['--turn-secret', 's', '--turn-urls', 'http://x'])).toMatch(/not a turn:/);
    expect(err(['--turn-secret-file', '/missing', '--turn-urls', 'turn:h:1'])).toMatch(/ENOENT/);
  });

  it('rejects bad input with a message naming the flag', () => {
    expect(err(['--port', '70000'])).toMatch(/--port/);
    expect(err(['--port', 'abc'])).toMatch(/--port/);
    expect(err(['--port'])).toMatch(/needs a value/);
    expect(err(['--max-rooms', '0'])).toMatch(/--max-rooms/);
    expect(err(['--max-rooms', '1.5'])).toMatch(/--max-rooms/);
    expect(err(['--idle-timeout', '0'])).toMatch(/--idle-timeout/);
    expect(err(['--static', '/nope'])).toMatch(/not a directory/);
    expect(err(['--bogus'])).toMatch(/unknown flag --bogus/);
    expect(err(['stray'])).toMatch(/unexpected argument/);
    expect(err(['--static', '/site', '--no-static'])).toMatch(/contradict/);
    expect(err(['--redis', 'localhost:6379'])).toMatch(/--redis: expected a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('reads per-IP limits, HTTP hardening flags and allowed origins', () => {
    const o = ok(['--max-connections-per-ip', '8', '--max-rooms-per-ip', '2', '--max-joins-per-ip-per-min', '30',
      '--http-stall-timeout', '5', '--hsts', '--health-port', '8081', '--allowed-origins', 'https://App.example.org, http://10.0.0.5:8080']);
    expect(o.limits).toEqual({ maxConnectionsPerIp: 8, maxRoomsPerIp: 2, maxJoinsPerIpPerMin: 30, httpStallTimeoutMs: 5000 });
    expect(o).toMatchObject({ hsts: true, healthPort: 8081, allowedOrigins: ['https://app.example.org', 'http://10.0.0.5:8080'] });
    expect(ok([]).hsts).toBeUndefined();
    expect(err(['--allowed-origins', 'app.example.org'])).toMatch(/--allowed-origins/);
    expect(err(['--allowed-origins', 'https://app.example.org/path'])).toMatch(/--allowed-origins/);
    const help = parseArgs(['--help'], ctx());
    if (help.kind !== 'help') throw new Error('no help');
    for (const f of ['--max-connections-per-ip', '--max-rooms-per-ip', '--max-joins-per-ip-per-min', '--max-bytes-per-sec', '--trust-proxy', '--hsts', '--allowed-origins', '--health-port', '--http-stall-timeout']) {
      expect(help.text).toContain(f);
    }
  });

  it('shares rooms through Redis only when asked', () => {
    expect(ok([]).redisUrl).toBeUndefined();
    expect(ok(['--redis', 'redis://10.0.0.5:6379']).redisUrl).toBe('redis://10.0.0.5:6379');
    expect(ok([], ctx({ env: { SIGNAL_REDIS: 'rediss://cache.example:6380' } })).redisUrl).toBe('rediss://cache.example:6380');
  });

  it('enrols rooms by default (a file, or Redis with --redis); --no-enrolment turns it off', () => {
    expect(ok([]).enrolment).toEqual({ file: '/state/enrolment.json' });
    expect(ok(['--enrol-file', '/srv/e.json', '--allow-unenrolled-signaling']).enrolment).toEqual({ file: '/srv/e.json', allowUnenrolledSignaling: true });
    expect(ok(['--redis', 'redis://10.0.0.5:6379']).enrolment).toEqual({ redis: 'redis://10.0.0.5:6379' });
    expect(ok(['--redis', 'redis://10.0.0.5:6379', '--enrol-file', '/srv/e.json']).enrolment).toEqual({ file: '/srv/e.json' });
    expect(ok([], ctx({ env: { SIGNAL_ENROL_FILE: '/env/e.json' } })).enrolment).toEqual({ file: '/env/e.json' });
    expect(ok(['--no-enrolment']).enrolment).toBe('off');
    expect(ok([], ctx({ env: { SIGNAL_NO_ENROLMENT: '1' } })).enrolment).toBe('off');
    expect(err(['--no-enrolment', '--enrol-file', '/x'])).toMatch(/contradicts/);
    expect(err(['--no-enrolment', '--allow-unenrolled-signaling'])).toMatch(/contradicts/);
    expect(err([], ctx({ defaultEnrolFile: undefined }))).toMatch(/give --enrol-file/);
  });

  it('parses the enrolment commands', () => {
    const cmd = (argv: string[], c = ctx()) => {
      const r = parseArgs(argv, c);
      if (r.kind !== 'enrol') throw new Error(JSON.stringify(r));
      return { run: r.run, store: r.store };
    };
    expect(cmd(['enroll'])).toEqual({ run: { command: 'enroll', days: 7 }, store: { file: '/state/enrolment.json' } });
    expect(cmd(['enrol', '--days', '30', '--enrol-file=/srv/e.json'])).toEqual({ run: { command: 'enroll', days: 30 }, store: { file: '/srv/e.json' } });
    expect(cmd(['enroll', '--redis', 'redis://h:6379'])).toEqual({ run: { command: 'enroll', days: 7 }, store: { redis: 'redis://h:6379' } });
    expect(cmd(['enroll'], ctx({ env: { SIGNAL_REDIS: 'redis://h:6379' } })).store).toEqual({ redis: 'redis://h:6379' });
    expect(cmd(['enrolled'])).toEqual({ run: { command: 'enrolled' }, store: { file: '/state/enrolment.json' } });
    expect(cmd(['unenroll', 'Jx3kQ9aB'])).toEqual({ run: { command: 'unenroll', room: 'Jx3kQ9aB' }, store: { file: '/state/enrolment.json' } });
    expect(err(['enroll', '--days', '0'])).toMatch(/--days/);
    expect(err(['enroll', '--port', '1'])).toMatch(/unknown flag --port/);
    expect(err(['enrolled', '--days', '3'])).toMatch(/unknown flag --days/);
    expect(err(['unenroll'])).toMatch(/exactly one room/);
    expect(err(['enroll', 'extra'])).toMatch(/unexpected argument/);
    expect(err(['enroll', '--redis', 'h:1'])).toMatch(/--redis/);
    expect(parseArgs(['enroll', '--help'], ctx()).kind).toBe('help');
  });
});
