/**
 * The signal server address as people paste it (`wss://vault.example.org/signal`,
 * `https://vault.example.org`, `ws://127.0.0.1:8080/signal`) → the WebSocket URL the page
 * connects to and the /healthz URL relay-node checks at start.
 */
export interface SignalUrls {
  wsUrl: string;
  healthUrl: string;
  /** true for ws:// or http:// to a host other than loopback. */
  insecure: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function normalizeSignalUrl(input: string): SignalUrls | { error: string } {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    return { error: `--signal "${input.slice(0, 200)}" is not a URL (example: wss://vault.example.org/signal)` };
  }
  const secure = u.protocol === 'wss:' || u.protocol === 'https:';
  if (!secure && u.protocol !== 'ws:' && u.protocol !== 'http:') {
    return { error: `--signal must be a ws://, wss://, http:// or https:// URL, not ${u.protocol}` };
  }
  if (u.username || u.password) return { error: '--signal must not carry a user name or password' };
  u.search = '';
  u.hash = '';
  // Base path of the server: everything before a trailing /signal.
  let base = u.pathname.replace(/\/+$/, '');
  if (base.endsWith('/signal')) base = base.slice(0, -'/signal'.length);
  const host = u.host;
  const ws = `${secure ? 'wss' : 'ws'}://${host}${base}/signal`;
  const http = `${secure ? 'https' : 'http'}://${host}${base}/healthz`;
  return { wsUrl: ws, healthUrl: http, insecure: !secure && !LOOPBACK.has(u.hostname) };
}
