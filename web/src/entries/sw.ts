/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell (so the app opens offline), serves navigations
 * from the cached index.html, and takes the PWA share-target POST (files shared from the phone's
 * gallery) into a cache the app picks up after the redirect.
 */
import { precacheAndRoute, cleanupOutdatedCaches, createHandlerBoundToURL } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { clientsClaim } from 'workbox-core';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

export const SHARE_CACHE = 'fv-share-target';

// The first install takes the open page at once (so it works offline right away); updates wait
// for the user's yes (the update prompt sends SKIP_WAITING).
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
// Navigations go to the app shell, except the relay page and server endpoints.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/relay/, /^\/signal/, /^\/healthz/, /^\/metrics/, /^\/share-target/],
  }),
);

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method === 'POST' && url.origin === self.location.origin && url.pathname === '/share-target') {
    event.respondWith(takeShare(event.request));
  }
});

/** Keeps shared files in a cache (the app ingests and then deletes them) and opens the app. */
async function takeShare(request: Request): Promise<Response> {
  const form = await request.formData();
  const cache = await caches.open(SHARE_CACHE);
  let n = 0;
  for (const value of form.getAll('photos')) {
    if (typeof value === 'string') continue;
    const key = `/__shared/${Date.now()}-${n++}`;
    await cache.put(key, new Response(value, {
      headers: { 'content-type': value.type || 'application/octet-stream', 'x-file-name': encodeURIComponent(value.name) },
    }));
  }
  return Response.redirect(`/?shared=${n}`, 303);
}
