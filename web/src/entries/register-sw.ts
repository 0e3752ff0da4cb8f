import { Workbox } from 'workbox-window';

export interface SwHandle {
  /** Resolves once a service worker controls this page. */
  controlled: Promise<void>;
  /** Activate the waiting worker and reload into the new version. */
  applyUpdate(): void;
}

/**
 * Registers the service worker with workbox-window. `onUpdateReady` fires when a new version
 * has installed and waits; the page decides when to switch (never mid-upload).
 */
export function registerServiceWorker(url: string, onUpdateReady: () => void): SwHandle | undefined {
  if (!('serviceWorker' in navigator)) return undefined;
  const wb = new Workbox(url);
  wb.addEventListener('waiting', onUpdateReady);
  const controlled = new Promise<void>((resolve) => {
    if (navigator.serviceWorker.controller) resolve();
    else navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true });
  });
  wb.register().catch((e: unknown) => console.error('service worker registration failed', e));
  const applyUpdate = () => {
    // Reload only for an update the user accepted (not on the first install's claim).
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    wb.messageSkipWaiting();
  };
  return { controlled, applyUpdate };
}
