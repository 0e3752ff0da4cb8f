/**
 * The client's address, for logs and per-IP limits.
 *
 * Behind our own proxy (`--trust-proxy`) it is the last X-Forwarded-For entry, the one that
 * proxy appended; earlier entries are whatever the client sent and are never used. Without a
 * trusted forwarded address, a loopback peer is the local proxy (or a local process): every
 * client would share its address, so per-IP limits do not apply to it (a per-IP limit on the
 * proxy would be a global limit). See docs/signal-server.md, "Per-IP limits".
 */
export interface ClientAddress {
  ip: string;
  /** Whether per-IP limits apply (ip-limits.ts). */
  limited: boolean;
}

/** Longer values are not addresses; they are cut so a header cannot grow the per-IP table's keys. */
const MAX_IP_LENGTH = 64;

export function clientAddress(remote: string, forwardedFor: string, trustProxy: boolean): ClientAddress {
  const forwarded = trustProxy ? forwardedFor.slice(forwardedFor.lastIndexOf(',') + 1).trim().slice(0, MAX_IP_LENGTH) : '';
  if (forwarded) return { ip: forwarded, limited: true };
  return { ip: remote, limited: !isLoopback(remote) };
}

export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)) return true;
  return ip === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(ip);
}
