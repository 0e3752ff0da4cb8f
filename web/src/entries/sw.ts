/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell (so the app opens offline), serves navigations
 * from the cached index.html, and takes the PWA share-target POST (files shared from the phone's
 * gallery): it seals each file for the member who unlocked last, into that vault's upload spool
 * (vault/share-inbox.ts), so nothing shared is kept in the clear; the app asks which album after
 * the next unlock.
 */
import { precacheAndRoute, cleanupOutdatedCaches, createHandlerBoundToURL } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { clientsClaim } from 'workbox-core';
import { MEDIA_PREFIX, type MediaHead, type MediaOpen, type MediaPiece } from '../vault/media/media-stream.ts';
import { directApi } from '../crypto/api.ts';
import { UploadSpool } from '../storage/upload-spool.ts';
import { sealShared, shareInbox } from '../vault/share-inbox.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

/** Where versions before the sealed share inbox kept shared files, in the clear: deleted on activation. */
const OLD_SHARE_CACHE = 'fv-share-target';
self.addEventListener('activate', (event) => event.waitUntil(caches.delete(OLD_SHARE_CACHE)));

// The first install takes the open page at once (so it works offline right away); updates wait
// for the user's yes (the update prompt sends SKIP_WAITING).
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
// Navigations go to the app shell, except the relay page and server endpoints.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/relay/, /^\/signal/, /^\/healthz/, /^\/metrics/, /^\/share-target/, /^\/__fv-media\//],
  }),
);

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method === 'POST' && url.origin === self.location.origin && url.pathname === '/share-target') {
    event.respondWith(takeShare(event.request));
  } else if (event.request.method === 'GET' && url.origin === self.location.origin && url.pathname.startsWith(MEDIA_PREFIX)) {
    event.respondWith(streamMedia(event, url));
  }
});

/** `bytes=S-E`, `bytes=S-` or `bytes=-N` against an unknown size: start and inclusive end (null: to the end). */
function parseRange(header: string | null): { start: number; end: number | null; suffix?: number } | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return undefined;
  if (m[1] === '' && m[2] !== '') return { start: 0, end: null, suffix: Number(m[2]) };
  return { start: Number(m[1] || 0), end: m[2] === '' ? null : Number(m[2]) };
}

/** Asks one window for the range; its first answer on the port says whether it has the token. */
function ask(client: Client, open: MediaOpen): Promise<{ head: MediaHead; port: MessagePort } | undefined> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { port1.close(); resolve(undefined); }, 10_000);
    port1.onmessage = (e: MessageEvent) => {
      clearTimeout(timer);
      port1.onmessage = null;
      resolve({ head: e.data as MediaHead, port: port1 });
    };
    client.postMessage(open, [port2]);
  });
}

/**
 * A video's bytes for the `<video>` of the page that opened it: the page decrypts the chunks the
 * range covers, one per pull (see vault/media/media-stream.ts). This worker holds no key and keeps
 * nothing: each piece passes through to the player and is gone.
 */
async function streamMedia(event: FetchEvent, url: URL): Promise<Response> {
  const token = url.pathname.slice(MEDIA_PREFIX.length);
  const range = parseRange(event.request.headers.get('range'));
  const owner = event.clientId ? await self.clients.get(event.clientId) : undefined;
  const candidates = owner ? [owner] : await self.clients.matchAll({ type: 'window' });
  let found: { head: MediaHead; port: MessagePort } | undefined;
  for (const c of candidates) {
    let open: MediaOpen = { type: 'fv-media-open', token, start: range?.start ?? 0, end: range?.end ?? null };
    if (range?.suffix !== undefined) {
      // A suffix range needs the size first: ask for the head, then for the last N bytes.
      const probe = await ask(c, { ...open, start: 0, end: 0 });
      probe?.port.postMessage({ cancel: true });
      if (!probe?.head.ok) continue;
      open = { ...open, start: Math.max(0, probe.head.size - range.suffix), end: null };
    }
    const r = await ask(c, open);
    if (r && (r.head.ok || r.head.status === 416)) { found = r; break; }
    r?.port.close();
  }
  if (!found) return new Response('This video is not open in any window.', { status: 404, headers: { 'content-type': 'text/plain' } });
  const { head, port } = found;
  if (!head.ok) return new Response(head.error, { status: head.status, headers: { 'content-type': 'text/plain' } });
  const body = new ReadableStream<Uint8Array>({
    pull: (controller) => new Promise<void>((resolve) => {
      port.onmessage = (e: MessageEvent) => {
        const piece = e.data as MediaPiece;
        if ('bytes' in piece) controller.enqueue(piece.bytes);
        else if ('done' in piece) { controller.close(); port.close(); }
        else { controller.error(new Error(piece.error)); port.close(); }
        resolve();
      };
      port.postMessage({ pull: true });
    }),
    cancel: () => { port.postMessage({ cancel: true }); port.close(); },
  }, { highWaterMark: 0 });
  const headers: Record<string, string> = {
    'content-type': head.mime,
    'content-length': String(head.end - head.start + 1),
    'accept-ranges': 'bytes',
    'cache-control': 'no-store',
  };
  if (url.searchParams.has('download')) headers['content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(head.name)}`;
  if (!range) return new Response(body, { status: 200, headers });
  headers['content-range'] = `bytes ${head.start}-${head.end}/${head.size}`;
  return new Response(body, { status: 206, headers });
}

/**
 * Seals each shared file for the vault unlocked last in this browser, into its upload spool, and
 * opens the app, which says how many wait for an album (or why none could be kept).
 */
async function takeShare(request: Request): Promise<Response> {
  const form = await request.formData();
  const files = form.getAll('photos').filter((v): v is File => typeof v !== 'string');
  const inbox = await shareInbox().catch(() => undefined);
  if (!inbox) return Response.redirect('/?shared=none', 303);
  let n = 0;
  try {
    const spool = await UploadSpool.open(inbox.vaultId);
    try {
      for (const file of files) {
        await sealShared(directApi, spool, inbox.box, file);
        n++;
      }
    } finally {
      spool.close();
    }
  } catch (e) {
    console.warn(`share: ${files.length - n} of ${files.length} shared file(s) not kept (${e instanceof Error ? e.message : String(e)})`);
    return Response.redirect(`/?shared=${n}&share-failed=${files.length - n}`, 303);
  }
  return Response.redirect(`/?shared=${n}`, 303);
}
