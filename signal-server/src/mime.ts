/** Content types and cache policy for the built PWA's files. */

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  webmanifest: 'application/manifest+json; charset=utf-8',
  wasm: 'application/wasm',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  txt: 'text/plain; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  woff: 'font/woff',
  woff2: 'font/woff2',
};

export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Unknown types go out as octet-stream; with `nosniff` the browser will not guess. */
export function contentTypeOf(path: string): string {
  return TYPES[extensionOf(path)] ?? 'application/octet-stream';
}

/** Vite names built assets `name-<hash>.ext`; the hash is 8+ base64url-ish characters. */
const HASHED = /^assets\/(?:.*\/)?[^/]*[-.][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * Hashed assets never change under their name: cache for a year. Everything else (index.html,
 * relay.html, sw.js, the manifest, icons) must be revalidated so an update reaches users.
 */
export function cacheControlOf(relPath: string): string {
  return HASHED.test(relPath) ? 'public, max-age=31536000, immutable' : 'no-cache';
}
