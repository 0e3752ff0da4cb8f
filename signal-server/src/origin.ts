/**
 * Which pages may open a WebSocket here. Browsers always send `Origin` on a WebSocket upgrade
 * and a page cannot forge it, so checking it stops other websites from using their visitors'
 * browsers against this server. Programs (a relay node's own client, tests) may omit it; they
 * could forge it anyway, so a missing Origin is allowed.
 *
 * Allowed: the page's host is the one the request was sent to (the Host header: the app served
 * by this server or its proxy), an origin on the `--allowed-origins` list, or a loopback page
 * (`localhost`, 127.0.0.0/8, [::1]), which only software on the visitor's own machine can serve,
 * such as a relay node's page.
 */
export function originAllowed(origin: string, host: string, allowed: readonly string[]): boolean {
  if (origin === '') return true;
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, file:) and other non-URLs
  }
  if (page.protocol !== 'http:' && page.protocol !== 'https:') return false;
  if (allowed.includes(page.origin)) return true;
  if (isLoopbackHostname(page.hostname)) return true;
  try {
    return host !== '' && new URL(`${page.protocol}//${host}`).host === page.host;
  } catch {
    return false; // a Host header that is not a host
  }
}

/** `https://Example.org:443/` → `https://example.org`; undefined for anything not an http(s) origin. */
export function normalizeOrigin(text: string): string | undefined {
  try {
    const u = new URL(text);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.pathname !== '/' || u.search || u.hash || u.username) return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

function isLoopbackHostname(h: string): boolean {
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
