/**
 * A refused connection keeps counting until its socket is gone: slow consumers are dropped at
 * once (their buffers freed), gracefully closed ones stay counted while uWS may still hold them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_LINGER_MS, Hub } from '../src/hub.ts';
import { SendResult, type Conn, type PeerSocket } from '../src/conn.ts';
import { resolveLimits } from '../src/limits.ts';
import { Metrics } from '../src/metrics.ts';
import { joined, makeRoom, sleep, startTestServer, type TestClient, type TestServer } from './support/client.ts';
import { hasProcNetTcp, serverSocketState } from './support/tcp.ts';

let servers: TestServer[] = [];
let clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});
const track = <T extends TestClient>(c: T): T => (clients.push(c), c);

describe('slow consumers', () => {
  it.runIf(hasProcNetTcp)('are dropped at once: the server-side socket is gone within a second, not ~15 s later', async () => {
    const s = await startTestServer({ limits: { maxBackpressure: 256 * 1024, maxMsgsPerSec: 10_000, maxRelayBytesPerSec: 1e9, maxBytesPerSec: 1e9 } });
    servers.push(s);
    const room = makeRoom();
    const sender = track(await joined(s, room));
    const slow = track(await joined(s, room));
    await sender.next('peer-joined');
    const sock = (slow.ws as unknown as { _socket: { pause(): void; localPort: number } })._socket;
    const clientPort = sock.localPort;
    expect(serverSocketState(s.port, clientPort)).toBe('ESTABLISHED');
    sock.pause(); // never reads again
    const chunk = 'z'.repeat(200_000);
    for (let sent = 0; !sender.received.some((m) => m.type === 'peer-left') && sent < 400; sent++) {
      sender.send({ type: 'relay', to: slow.peer, data: chunk });
      await sleep(sent % 10 === 0 ? 20 : 0);
    }
    await sender.next('peer-left', 5000);
    expect(s.metrics().refusals['slow-consumer']).toBe(1);
    await sleep(1000);
    // Closed by the server (FIN_WAIT1 holds only the kernel's send buffer, not uWS's), or gone.
    expect(serverSocketState(s.port, clientPort)).not.toBe('ESTABLISHED');
    expect(s.metrics()).toMatchObject({ connections: 1, closing: 0 });
  }, 30_000);
});

/** A PeerSocket that, like uWS, runs the close handler inside end() and terminate(). */
function fakeSocket(hub: Hub, conn: Conn, ended: string[]): PeerSocket {
  return {
    send: () => SendResult.Sent,
    end: (code, reason) => {
      ended.push(`${code} ${reason}`);
      hub.closed(conn, reason, code);
    },
    terminate: () => {
      ended.push('terminated');
      hub.closed(conn, '', 1006);
    },
    ping: () => undefined,
  };
}

describe('graceful refusals', () => {
  it(`count towards max-connections for ${CLOSE_LINGER_MS / 1000} s after the close frame (uWS may hold the socket), then not`, () => {
    let now = 0;
    const hub = new Hub({ limits: resolveLimits({ maxConnections: 1, joinTimeoutMs: 1000 }), turn: undefined, metrics: new Metrics(), log: () => undefined, now: () => now });
    const ended: string[] = [];
    const a = hub.admit('203.0.113.1', true)!;
    hub.open(a, fakeSocket(hub, a, ended));
    now = 1500;
    hub.sweep(); // join timeout: 4007 with a close frame
    expect(ended).toEqual(['4007 join-timeout']);
    expect(hub.gauges()).toMatchObject({ connections: 0, closing: 1 });
    expect(hub.admitOrRefuse('203.0.113.2', true)).toBe('max-connections');
    now += CLOSE_LINGER_MS + 1;
    hub.sweep();
    expect(hub.gauges()).toMatchObject({ connections: 0, closing: 0 });
    expect(typeof hub.admitOrRefuse('203.0.113.2', true)).toBe('object');
  });

  it('a socket that really closes (the client answered) stops counting at once', () => {
    const hub = new Hub({ limits: resolveLimits({ maxConnections: 1 }), turn: undefined, metrics: new Metrics(), log: () => undefined });
    const a = hub.admit('203.0.113.1', true)!;
    hub.open(a, { send: () => SendResult.Sent, end: () => undefined, ping: () => undefined });
    hub.closed(a, '', 1000); // the client closed
    expect(hub.gauges()).toMatchObject({ connections: 0, closing: 0 });
    expect(hub.admit('203.0.113.1', true)).toBeDefined();
  });
});
