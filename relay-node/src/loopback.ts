/** Listening on loopback only, and refusing requests that name another host (DNS rebinding). */
import type { Server } from 'node:http';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True if a Host header names this machine's loopback (any port). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOOPBACK_HOSTS.has(name.toLowerCase());
}

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/** Listens on 127.0.0.1:port; resolves with the bound port (port 0 = any free one). */
export function listenLoopback(server: Server, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      if (e.code === 'EADDRINUSE') {
        reject(new PortInUseError(`port ${port} on 127.0.0.1 (the ${what}) is already in use: another relay-node running, or another program?`));
      } else {
        reject(new Error(`cannot listen on 127.0.0.1:${port} for the ${what}: ${e.message}`));
      }
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}
