/**
 * OpIngest loads the version vector lazily. Two first callers at once (a session asking for the
 * local vector while another session's batch is being ingested, as when a relay opens sessions
 * to two peers at the same moment) must not leave a stale vector behind: a stale vector makes
 * the gate append an op the store already holds (StorageError "does not follow") and defer all
 * later ops of that stream as gaps, so the node stops taking that author's ops until restart.
 * Found by e2e/relay-e2e.spec.ts (a second relay joining a vault whose member and first relay
 * were both online).
 */
import { describe, expect, it } from 'vitest';
import { OpIngest } from '../op-ingest.ts';
import type { OpEnvelope, OpStore, ReplicationCrypto, ReplicationPolicy, VersionVector } from '../ports.ts';

const AUTHOR = 'A'.repeat(43);
const op = (seq: number): OpEnvelope => ({ log: 'vault', author: AUTHOR, seq, lamport: seq, ciphertext: new Uint8Array([seq]), signature: new Uint8Array(64).fill(seq) });

/** Like IdbReplicationStores: append refuses anything but held + 1; the first vector() read is slow. */
function store(): OpStore {
  const ops = new Map<number, OpEnvelope>();
  let reads = 0;
  return {
    async vector() {
      const snapshot: VersionVector = new Map([['vault', new Map([[AUTHOR, ops.size]])]]);
      if (reads++ === 0) await new Promise((r) => setTimeout(r, 30));
      return snapshot;
    },
    get: async (_l, _a, seq) => ops.get(seq),
    since: async (_l, _a, after, limit) => [...ops.values()].filter((o) => o.seq > after).slice(0, limit),
    async append(o) {
      if (o.seq !== ops.size + 1) throw new Error(`op ${o.log}#${o.seq} does not follow #${ops.size}`);
      ops.set(o.seq, o);
    },
  };
}

const crypto = { verify: async () => true } as unknown as ReplicationCrypto;
const policy = { isAuthorAllowed: () => true } as unknown as ReplicationPolicy;

describe('op ingest', () => {
  it('keeps one version vector when the first vector() and the first ingest race', async () => {
    const ingest = new OpIngest(store(), crypto, policy);
    const vector = ingest.vector(); // session 1 asks for our vector (slow first read)
    const first = await ingest.ingest([op(1), op(2)]); // session 2 delivers ops meanwhile
    expect(first.accepted).toHaveLength(2);
    await vector;
    // Session 1's peer sends the same ops, then the next one.
    const again = await ingest.ingest([op(1), op(2), op(3)]);
    expect(again.rejected.map((r) => r.reason)).toEqual(['duplicate', 'duplicate']);
    expect(again.accepted.map((o) => o.seq)).toEqual([3]);
    expect((await ingest.vector()).get('vault')?.get(AUTHOR)).toBe(3);
  });

  it('a store that fails midway: the ops stored before it are returned as accepted (announced and applied), the rest deferred', async () => {
    const base = store();
    let failNext = false;
    const flaky: OpStore = {
      ...base,
      async append(o) {
        if (failNext && o.seq === 2) throw new Error('QuotaExceededError');
        return base.append(o);
      },
    };
    const ingest = new OpIngest(flaky, crypto, policy);
    failNext = true;
    const r = await ingest.ingest([op(1), op(2), op(3)]);
    expect(r.accepted.map((o) => o.seq)).toEqual([1]);
    expect(r.rejected.map((x) => [x.op.seq, x.reason])).toEqual([[2, 'deferred'], [3, 'deferred']]);
    expect(String(r.error)).toMatch(/Quota/);
    // Space freed: the same batch again stores the rest, and the first is a duplicate, not a conflict.
    failNext = false;
    const again = await ingest.ingest([op(1), op(2), op(3)]);
    expect(again.rejected.map((x) => x.reason)).toEqual(['duplicate']);
    expect(again.accepted.map((o) => o.seq)).toEqual([2, 3]);
  });

  it('with appendMany: one write per batch; a repeat inside the batch is a duplicate; a failed write defers the whole batch', async () => {
    const base = store();
    const writes: number[][] = [];
    let fail = false;
    const batched: OpStore = {
      ...base,
      append: async () => { throw new Error('one by one is not used when appendMany exists'); },
      async appendMany(ops) {
        if (fail) throw new Error('QuotaExceededError');
        writes.push(ops.map((o) => o.seq));
        for (const o of ops) await base.append(o);
      },
    };
    let verified = 0;
    const counting = { verify: async () => (verified++, true) } as unknown as ReplicationCrypto;
    const ingest = new OpIngest(batched, counting, policy);
    const r = await ingest.ingest([op(1), op(2), op(2), op(3)]);
    expect(r.accepted.map((o) => o.seq)).toEqual([1, 2, 3]);
    expect(r.rejected.map((x) => [x.op.seq, x.reason])).toEqual([[2, 'duplicate']]);
    expect(writes).toEqual([[1, 2, 3]]);
    expect(verified).toBe(4);
    // A forged op under a seq of this same batch is not a duplicate.
    const forged = { ...op(5), signature: new Uint8Array(64).fill(9) };
    const bad = new OpIngest(batched, { verify: async (_k: unknown, _m: unknown, sig: Uint8Array) => sig[0] !== 9 } as unknown as ReplicationCrypto, policy);
    const r2 = await bad.ingest([op(4), op(5), forged]);
    expect(r2.rejected.map((x) => [x.op.seq, x.reason])).toEqual([[5, 'bad-signature']]);
    // The write fails: nothing is accepted, all deferred, and the vector is read again from the store.
    fail = true;
    const r3 = await bad.ingest([op(6), op(7)]);
    expect(r3.accepted).toEqual([]);
    expect(r3.rejected.map((x) => [x.op.seq, x.reason])).toEqual([[6, 'deferred'], [7, 'deferred']]);
    expect(String(r3.error)).toMatch(/Quota/);
    expect((await bad.vector()).get('vault')?.get(AUTHOR)).toBe(5);
    fail = false;
    expect((await bad.ingest([op(6), op(7)])).accepted.map((o) => o.seq)).toEqual([6, 7]);
  });
});
