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
  /** A worker-api endpoint in this thread that counts the calls it answers, by method. */
  const endpoint = (counts: Map<string, number>, label: string) => {
    const { port1, port2 } = new MessageChannel();
    const counting = Object.fromEntries(Object.entries(workerApi).map(([k, fn]) => [k, (...args: unknown[]) => {
      counts.set(`${label}:${k}`, (counts.get(`${label}:${k}`) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown)(...args);
    }]));
    expose(counting, port1);
    return { port1, port2 };
  };

  it('sends stateless calls to the helpers while the main worker is backed up, and answers each right', async () => {
    const counts = new Map<string, number>();
    const n = (k: string) => counts.get(k) ?? 0;
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
      expect(n('main:verifyDetached')).toBe(5);
      // A batch of 200 at once, one of them forged (a restore's op batch): most go to the helpers.
      const forged = sig.slice();
      forged[0]! ^= 1;
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
        client.verifyDetached(key.publicKey, 'fv-test', data, i === 137 ? forged : sig)));
      expect(results.filter((r) => !r).length).toBe(1);
      expect(results[137]).toBe(false);
      expect(started).toBe(1);
      expect(n('helper-1:verifyDetached')).toBeGreaterThan(50);
      expect(n('helper-2:verifyDetached')).toBeGreaterThan(50);
      // Behind a backlog of bulk work on the main worker, a hash for the screen goes to a helper
      // and is answered right; a call with state (a sealer session) stays on the main worker.
      const bytes = new Uint8Array(5000).fill(9);
      const expected = await client.hashObject(bytes);
      const bulk = Array.from({ length: 40 }, () => client.hashObject(new Uint8Array(200_000)));
      const before = n('helper-1:hashObject') + n('helper-2:hashObject');
      expect(await client.hashObject(bytes)).toBe(expected);
      expect(n('helper-1:hashObject') + n('helper-2:hashObject')).toBeGreaterThan(before);
      await Promise.all(bulk);
      const fileKey = await client.newFileKey();
      const fileId = await client.newFileId();
      for await (const _ of client.encryptStream(fileKey, fileId, new Blob([bytes]), { dedupKey: new Uint8Array(32) })) { /* drain */ }
      expect(n('main:sealerOpen')).toBe(1);
      expect(n('helper-1:sealerOpen') + n('helper-2:sealerOpen')).toBe(0);
    } finally {
      client.close();
      main.port1.close();
    }
  });
});
