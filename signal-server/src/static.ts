/**
 * Serves the built PWA (web/dist). The directory is indexed once at start: only regular files
 * found by that walk can ever be served, so no request path — `..`, encoded slashes, symlinks,
 * NUL bytes — can reach anything outside it. Small files are kept in memory; large ones are
 * streamed from disk a chunk at a time (http.ts). Source maps are not served. Rebuilding the PWA needs a server restart (hashed names change).
 *
 * Compression: the build writes `x.br` and `x.gz` next to each compressible file (scripts/precompress.ts).
 * They are never served under their own names; they are representations of `x`, chosen by the
 * request's Accept-Encoding (br, then gzip, else the file itself), each with its own ETag, and
 * every response for such a file says `Vary: Accept-Encoding` so caches keep them apart.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheControlOf, contentTypeOf, extensionOf } from './mime.ts';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' blob: data:",
  // Video posters and playback read decrypted bytes from blob: URLs (default-src would block them).
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The app needs none of these browser features but the camera, and that only for its own pages
 * (scanning an invite's QR code); no page here can ask for the rest, no embedded frame for any.
 */
export const PERMISSIONS_POLICY = [
  'camera=(self)', 'microphone=()', 'geolocation=()', 'payment=()', 'usb=()', 'serial=()', 'hid=()',
  'bluetooth=()', 'midi=()', 'display-capture=()', 'browsing-topics=()',
].join(', ');

/** Sent on every HTTP response, not only static files. */
export const COMMON_HEADERS: readonly [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Permissions-Policy', PERMISSIONS_POLICY],
];

/** One stored form of a file: the file itself, or its precompressed .br / .gz sibling. */
interface Representation {
  abs: string;
  size: number;
  etag: string;
  /** In memory when small enough; otherwise read per request. */
  body: Buffer | undefined;
}

export type ContentCoding = 'br' | 'gzip';
const CODINGS: ReadonlyArray<[ContentCoding, string]> = [['br', 'br'], ['gzip', 'gz']];

interface Entry extends Representation {
  type: string;
  cacheControl: string;
  /** Precompressed forms found next to the file, by coding. */
  encoded: Map<ContentCoding, Representation>;
}

export interface StaticRequest {
  method: string; // lowercase
  path: string; // raw URL path, still percent-encoded, without the query
  accept: string;
  /** The request's Accept-Encoding ('' when absent: identity). */
  acceptEncoding?: string;
  secFetchMode: string;
  ifNoneMatch: string;
}

export interface StaticResponse {
  status: string;
  headers: [string, string][];
  /** The body, or a file to stream (large files), or nothing (304; errors use `text`). */
  body?: Buffer;
  file?: { path: string; size: number };
  text?: string;
  /** HEAD: the size a GET would send, with no body. */
  headSize?: number;
}

export interface StaticOptions {
  /** Files up to this size are held in memory (bytes). */
  maxCachedFile?: number;
  /** Total bytes held in memory. */
  cacheBudget?: number;
  /** Stop indexing after this many files (a misconfigured --static of `/` must not eat memory). */
  maxFiles?: number;
  /** Serve `*.map` source maps (default false: they publish the source, and production needs none). */
  sourceMaps?: boolean;
}

export class StaticSite {
  private readonly files = new Map<string, Entry>();

  constructor(readonly dir: string, opts: StaticOptions = {}) {
    const maxCached = opts.maxCachedFile ?? 2 * 1024 * 1024;
    let budget = opts.cacheBudget ?? 64 * 1024 * 1024;
    const maxFiles = opts.maxFiles ?? 20_000;
    const sourceMaps = opts.sourceMaps ?? false;
    const found = new Map<string, { abs: string; size: number; mtimeMs: number }>();
    const walk = (absDir: string, rel: string) => {
      for (const name of readdirSync(absDir).sort()) {
        if (name.startsWith('.') || found.size >= maxFiles) continue; // dotfiles are never public
        const abs = join(absDir, name);
        const relPath = rel ? `${rel}/${name}` : name;
        const st = lstatSync(abs); // lstat: symlinks are skipped, never followed
        if (st.isDirectory()) walk(abs, relPath);
        else if (st.isFile() && (sourceMaps || extensionOf(name) !== 'map')) found.set(relPath, { abs, size: st.size, mtimeMs: st.mtimeMs });
      }
    };
    walk(dir, '');
    const load = (f: { abs: string; size: number; mtimeMs: number }, tag: string): Representation => {
      const cache = f.size <= maxCached && f.size <= budget;
      const body = cache ? readFileSync(f.abs) : undefined;
      if (body) budget -= body.length;
      const etag = body
        ? `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}${tag}"`
        : `"${f.size.toString(36)}-${Math.floor(f.mtimeMs).toString(36)}${tag}"`;
      return { abs: f.abs, size: f.size, etag, body };
    };
    // A `.br`/`.gz` whose plain file exists is one of its representations, not a file of its own.
    const isVariant = (relPath: string) => CODINGS.some(([, ext]) => relPath.endsWith(`.${ext}`) && found.has(relPath.slice(0, -ext.length - 1)));
    for (const [relPath, f] of found) {
      if (isVariant(relPath)) continue;
      const encoded = new Map<ContentCoding, Representation>();
      for (const [coding, ext] of CODINGS) {
        const v = found.get(`${relPath}.${ext}`);
        // A copy older than its file is stale (the file was changed after the build, as a hot
        // fix or the PWA test's new sw.js): serve the file itself rather than the old bytes.
        if (v && v.mtimeMs >= f.mtimeMs) encoded.set(coding, load(v, `-${ext}`));
      }
      this.files.set(relPath, { ...load(f, ''), type: contentTypeOf(relPath), cacheControl: cacheControlOf(relPath), encoded });
    }
  }

  get fileCount(): number {
    return this.files.size;
  }

  resolve(req: StaticRequest): StaticResponse {
    const headers: [string, string][] = [];
    if (req.method !== 'get' && req.method !== 'head') {
      return { status: '405 Method Not Allowed', headers: [['Allow', 'GET, HEAD']], text: 'method not allowed\n' };
    }
    const rel = normalizePath(req.path);
    if (rel === undefined) return { status: '400 Bad Request', headers, text: 'bad path\n' };
    let entry = this.files.get(rel === '' ? 'index.html' : rel) ?? this.files.get(rel ? `${rel}/index.html` : 'index.html');
    if (!entry && isNavigation(req, rel)) entry = this.files.get('index.html'); // SPA fallback
    if (!entry) return { status: '404 Not Found', headers, text: 'not found\n' };

    const coding = entry.encoded.size ? chooseCoding(req.acceptEncoding ?? '', entry.encoded) : undefined;
    const rep: Representation = coding ? entry.encoded.get(coding)! : entry;
    headers.push(['Content-Type', entry.type], ['Cache-Control', entry.cacheControl], ['ETag', rep.etag]);
    if (entry.encoded.size) headers.push(['Vary', 'Accept-Encoding']);
    if (coding) headers.push(['Content-Encoding', coding]);
    if (entry.type.startsWith('text/html')) headers.push(['Content-Security-Policy', CONTENT_SECURITY_POLICY]);
    if (etagMatches(req.ifNoneMatch, rep.etag)) return { status: '304 Not Modified', headers };
    if (req.method === 'head') return { status: '200 OK', headers, headSize: rep.size };
    return rep.body ? { status: '200 OK', headers, body: rep.body } : { status: '200 OK', headers, file: { path: rep.abs, size: rep.size } };
  }
}

/**
 * The coding to send (RFC 9110 §12.5.3): the best-weighted of those we hold, br before gzip at
 * equal weight; undefined (identity) when none is acceptable. `*` stands for codings not named.
 */
export function chooseCoding(header: string, have: ReadonlyMap<ContentCoding, unknown>): ContentCoding | undefined {
  if (!header) return undefined;
  const q = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((t) => t.trim());
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name === 'x-gzip' ? 'gzip' : name, Number.isFinite(weight) ? weight : 0);
  }
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const [coding] of CODINGS) {
    if (!have.has(coding)) continue;
    const w = q.get(coding) ?? q.get('*') ?? 0;
    if (w > bestQ) {
      best = coding;
      bestQ = w;
    }
  }
  return best;
}

/** Percent-decoded path relative to the root, or undefined if it could name anything odd. */
export function normalizePath(raw: string): string | undefined {
  let p: string;
  try {
    p = decodeURIComponent(raw);
  } catch {
    return undefined; // malformed %-escape: answered with 400
  }
  if (p.includes('\0') || p.includes('\\')) return undefined;
  const parts = p.split('/').filter((s) => s !== '');
  if (parts.some((s) => s === '.' || s === '..')) return undefined;
  return parts.join('/');
}

/** Only page loads fall back to index.html; a missing script or image stays a 404. */
function isNavigation(req: StaticRequest, rel: string): boolean {
  if (req.method !== 'get' && req.method !== 'head') return false;
  if (extensionOf(rel) !== '' || rel.startsWith('assets/')) return false;
  return req.secFetchMode === 'navigate' || req.accept.includes('text/html');
}

function etagMatches(header: string, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === etag || v === `W/${etag}`;
  });
}
