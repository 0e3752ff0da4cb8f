/** Composition root of the family app: workers, the controller, the service worker. */
import '../ui/fv-app.ts';
import { startCryptoWorker } from '../crypto/client.ts';
import { AppController } from '../vault/app-controller.ts';
import { MediaClient } from '../vault/media/media-client.ts';
import { registerServiceWorker } from './register-sw.ts';
import { takeServerCodeFromUrl } from '../vault/server-code.ts';

// `#enrol=CODE` (the address npm start prints): the signal server's enrolment code, kept for the vault's first join.
takeServerCodeFromUrl();

const app = document.querySelector('fv-app');
const signalUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signal`;
if (app) app.app = new AppController(startCryptoWorker(), new MediaClient(), signalUrl);

const sw = import.meta.env.PROD
  ? registerServiceWorker('/sw.js', () => {
      if (app) app.updateReady = true;
    })
  : undefined;
app?.addEventListener('update-accepted', () => sw?.applyUpdate());
// Lets tests and the status page know the app shell is under the service worker's control.
void sw?.controlled.then(() => document.documentElement.setAttribute('data-sw', 'controlled'));
