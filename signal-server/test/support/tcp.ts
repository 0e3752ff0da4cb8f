/** The kernel's view of the server's TCP connections (Linux /proc/net/tcp), for tests only. */
import { existsSync, readFileSync } from 'node:fs';

export const hasProcNetTcp = existsSync('/proc/net/tcp');

/** TCP state names of /proc/net/tcp's `st` column that matter here. */
const STATES: Record<string, string> = { '01': 'ESTABLISHED', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '0A': 'LISTEN', '0B': 'CLOSING' };

/** State of the server-side socket serverPort ↔ clientPort on 127.0.0.1, or undefined if none. */
export function serverSocketState(serverPort: number, clientPort: number): string | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    if (f[1]!.endsWith(`:${hex(serverPort)}`) && f[2]!.endsWith(`:${hex(clientPort)}`)) return STATES[f[3]!] ?? f[3];
  }
  return undefined;
}
