/** Composition root of the family app. */
import '../ui/fv-app.ts';
import { registerServiceWorker } from './register-sw.ts';

const app = document.querySelector('fv-app');
const sw = import.meta.env.PROD
  ? registerServiceWorker('/sw.js', () => {
      if (app) app.updateReady = true;
    })
  : undefined;
app?.addEventListener('update-accepted', () => sw?.applyUpdate());
// Lets tests and the status page know the app shell is under the service worker's control.
void sw?.controlled.then(() => document.documentElement.setAttribute('data-sw', 'controlled'));
