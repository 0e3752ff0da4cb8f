/** Opening a vault's storage does not wait for the browser's persistent-storage prompt. */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashObject } from '../../crypto/stream.ts';
import type { CryptoApi } from '../../crypto/api-types.ts';
import { persistence } from '../../storage/quota.ts';
import { openStorage } from '../vault-setup.ts';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('openStorage', () => {
  it('opens while the persistence prompt is unanswered, and the answer is recorded later', async () => {
    let answer: (g: boolean) => void = () => {};
    vi.stubGlobal('navigator', {
      storage: { persisted: () => Promise.resolve(false), persist: () => new Promise<boolean>((r) => (answer = r)) },
    });
    const crypto = { hashObject } as unknown as CryptoApi;
    const opened = openStorage({ crypto }, 'open-storage-1');
    const timeout = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 2000));
    const r = await Promise.race([opened, timeout]);
    expect(r).not.toBe('hung');
    expect(persistence.state).toBe('asking');
    answer(true);
    await vi.waitFor(() => expect(persistence.state).toBe('granted'));
    if (r !== 'hung') {
      await r.store.close();
      r.index.close();
    }
  });
});
