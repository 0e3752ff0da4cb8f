/**
 * Starts a real coturn (`/usr/bin/turnserver`) on loopback for tests, in `use-auth-secret` mode
 * (the signal server hands out REST credentials for it). Free ports, a temp dir for its
 * database and pid file, and it resolves only once coturn answers a STUN Binding request.
 *
 * Project rule: anything that starts coturn runs inside a loopback-only network namespace
 * (`unshare -n`, see TESTING.md), so this refuses to start unless FV_NETNS=1 (or
 * FV_ALLOW_HOST_NETWORK=1 for someone who knows what they are doing).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

export interface CoturnOptions {
  /** coturn's static-auth-secret; give the signal server the same one. */
  secret: string;
  /** UDP+TCP listening port; default: a free one. */
  port?: number;
  realm?: string;
  timeoutMs?: number;
}

export interface Coturn {
  port: number;
  realm: string;
  /** turn: URLs for UDP and TCP on 127.0.0.1. */
  urls: string[];
  /** Everything coturn printed so far. */
  output: () => string;
  stop: () => Promise<void>;
}

export function coturnAvailable(): boolean {
  return existsSync(TURNSERVER);
}

export async function startCoturn(opts: CoturnOptions): Promise<Coturn> {
  if (process.env.FV_NETNS !== '1' && process.env.FV_ALLOW_HOST_NETWORK !== '1') {
    throw new Error('startCoturn: run inside a loopback-only network namespace (FV_NETNS=1, see TESTING.md)');
  }
  if (!coturnAvailable()) throw new Error(`startCoturn: ${TURNSERVER} not found (apt-get install coturn)`);
  const port = opts.port ?? (await freePort());
  const realm = opts.realm ?? 'vault.test';
  // Relay ports: a random window of 100 above the listening port's range of ephemeral ports.
  const minPort = 50_000 + Math.floor(Math.random() * 150) * 100;
  const dir = mkdtempSync(join(tmpdir(), 'fv-coturn-'));
  const args = [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${minPort}`, `--max-port=${minPort + 99}`, '--allow-loopback-peers', `--realm=${realm}`, '--fingerprint',
    '--use-auth-secret', `--static-auth-secret=${opts.secret}`, `--userdb=${join(dir, 'turndb.sqlite')}`,
    '--no-cli', '--no-tls', '--no-dtls', '--no-multicast-peers', '--no-software-attribute',
    `--pidfile=${join(dir, 'turnserver.pid')}`, '--log-file=stdout', '--simple-log',
  ];
  const proc = spawn(TURNSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => {
    exited = true;
    resolve();
  }));

  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  while (!(await stunBindingAnswered(port, 200))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`coturn did not start on 127.0.0.1:${port}:\n${out}`);
    }
  }
  return {
    port, realm,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    output: () => out,
    stop,
  };
}

/** A port free for both TCP and UDP on 127.0.0.1 (coturn listens on both). */
async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port for coturn');
}

/** Sends a STUN Binding request (RFC 5389) and reports whether any answer came back in time. */
function stunBindingAnswered(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const req = Buffer.alloc(20);
    req.writeUInt16BE(0x0001, 0); // Binding request, no attributes
    req.writeUInt32BE(0x2112a442, 4);
    randomBytes(12).copy(req, 8);
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.close();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('message', (m) => done(m.length >= 20 && m.subarray(8, 20).equals(req.subarray(8, 20))));
    s.on('error', () => done(false)); // e.g. ICMP port unreachable while coturn is starting
    s.send(req, port, '127.0.0.1');
  });
}
