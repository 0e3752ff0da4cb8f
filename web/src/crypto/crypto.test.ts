/**
 * Runs the crypto suite under vitest twice: against the in-thread API, and through the comlink
 * client over a MessageChannel (the worker protocol: structured clone, transfers, stream
 * sessions, error revival). Real Chromium runs the same suite through a real Worker.
 */
import { expose } from 'comlink';
import { afterAll, describe, it } from 'vitest';
import { directApi } from './api.ts';
import { createCryptoClient } from './client.ts';
import { makeCryptoSuite } from './crypto.suite.ts';
import { workerApi } from './worker-api.ts';

describe('crypto (in thread)', () => {
  for (const c of makeCryptoSuite(directApi)) it(c.name, c.run, 20_000);
});

describe('crypto (through the comlink client)', () => {
  const { port1, port2 } = new MessageChannel();
  expose(workerApi, port1);
  const client = createCryptoClient(port2);
  afterAll(() => {
    client.close();
    port1.close();
  });
  for (const c of makeCryptoSuite(client, { includeInThread: false })) it(c.name, c.run, 20_000);
});
