/**
 * coturn's own test tools (Debian's coturn package): `turnutils_peer`, a UDP echo peer, and
 * `turnutils_uclient`, a TURN client that allocates a relay, permits the peer and sends it
 * messages through the relay, counting the echoes. Used to show that the credentials a member
 * gets really relay traffic, with a client we did not write.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';

export const UCLIENT = process.env.TURNUTILS_UCLIENT ?? '/usr/bin/turnutils_uclient';
export const PEER = process.env.TURNUTILS_PEER ?? '/usr/bin/turnutils_peer';

export const turnutilsAvailable = (): boolean => existsSync(UCLIENT) && existsSync(PEER);

/** A free UDP port on 127.0.0.1 (bound, read, released). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves true once `port` echoes a datagram back. */
function echoes(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.close();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('message', () => done(true));
    s.on('error', () => done(false)); // ICMP port unreachable while it starts
    s.send(Buffer.from('ping'), port, '127.0.0.1');
  });
}

export interface TurnPeer {
  port: number;
  stop(): Promise<void>;
}

/** `turnutils_peer` on a free loopback UDP port, once it echoes. */
export async function startTurnPeer(): Promise<TurnPeer> {
  const port = await freeUdpPort();
  const proc = spawn(PEER, ['-L', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 5000;
  while (!(await echoes(port, 200))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`turnutils_peer did not start on 127.0.0.1:${port}`);
    }
  }
  return { port, stop };
}

export interface UclientResult {
  /** Every message sent through the relay came back from the peer. */
  relayed: boolean;
  sent: number;
  received: number;
  allocationRefused: boolean;
  output: string;
}

/** `turnutils_uclient` through coturn on 127.0.0.1:`turnPort` to the peer, with these credentials. */
export function uclient(o: { turnPort: number; peerPort: number; username: string; password: string; messages?: number }): Promise<UclientResult> {
  const n = o.messages ?? 5;
  // -c: no second (RTCP) allocation; -X: an IPv4 relay address.
  const args = ['-c', '-X', '-n', String(n), '-u', o.username, '-w', o.password, '-e', '127.0.0.1', '-r', String(o.peerPort), '-p', String(o.turnPort), '127.0.0.1'];
  return new Promise((resolve) => {
    execFile(UCLIENT, args, { timeout: 30_000 }, (_err, stdout, stderr) => {
      const output = stdout + stderr;
      const totals = [...output.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].at(-1);
      const sent = totals ? Number(totals[1]) : 0;
      const received = totals ? Number(totals[2]) : 0;
      resolve({ relayed: sent === n && received === n, sent, received, allocationRefused: /Cannot complete Allocation/.test(output), output });
    });
  });
}
