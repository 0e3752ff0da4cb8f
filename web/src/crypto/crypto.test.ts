/**
 * Runs the crypto suite under vitest twice: against the in-thread API, and through the comlink
 * client over a MessageChannel (the worker protocol: structured clone, transfers, stream
 * sessions, error revival). Real Chromium runs the same suite through a real Worker.
 */
import { expose } from 'comlink';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('crypto client routing', () => {
  /** A worker-api endpoint in this thread that counts the signature checks it does. */
  const endpoint = (counts: Map<string, number>, label: string) => {
    const { port1, port2 } = new MessageChannel();
    expose({
      ...workerApi,
      verifyDetached: (...args: Parameters<typeof workerApi.verifyDetached>) => {
        counts.set(label, (counts.get(label) ?? 0) + 1);
        return workerApi.verifyDetached(...args);
      },
    }, port1);
    return { port1, port2 };
  };

  it('checks a backlog of signatures on the helpers, one at a time on the main worker, and answers each right', async () => {
    const counts = new Map<string, number>();
    const main = endpoint(counts, 'main');
    const helperPorts = [endpoint(counts, 'helper-1'), endpoint(counts, 'helper-2')];
    let started = 0;
    const client = createCryptoClient(main.port2, undefined, () => {
      started++;
      return helperPorts.map((h) => ({ endpoint: h.port2, close: () => h.port1.close() }));
    });
    try {
      const key = await client.newSigningKey();
      const data = new TextEncoder().encode('an op');
      const sig = await client.signDetached(key.secretKey, 'fv-test', data);
      // One at a time (an unlock's vault log): the main worker, no helper started.
      for (let i = 0; i < 5; i++) expect(await client.verifyDetached(key.publicKey, 'fv-test', data, sig)).toBe(true);
      expect(started).toBe(0);
      expect(counts.get('main')).toBe(5);
      // A batch of 200 at once, one of them forged (a restore's op batch): spread over the helpers.
      const forged = sig.slice();
      forged[0]! ^= 1;
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
        client.verifyDetached(key.publicKey, 'fv-test', data, i === 137 ? forged : sig)));
      expect(results.filter((r) => !r).length).toBe(1);
      expect(results[137]).toBe(false);
      expect(started).toBe(1);
      expect((counts.get('helper-1') ?? 0) + (counts.get('helper-2') ?? 0)).toBeGreaterThan(150);
      expect(counts.get('helper-1')).toBeGreaterThan(50);
      expect(counts.get('helper-2')).toBeGreaterThan(50);
    } finally {
      client.close();
      main.port1.close();
    }
  });
});
