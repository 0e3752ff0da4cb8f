/** The crypto worker: no logic here, it only exposes worker-api.ts (see client.ts for the caller side). */
import { expose } from 'comlink';
import { workerApi } from './worker-api.ts';

expose(workerApi);
