import { describe, expect, it } from 'vitest';
import type { ObjectHash, PeerId } from '../../core/ids.ts';
import { JobQueue, SMALL_JOB_BYTES } from '../job-queue.ts';
import { MemoryJobStore } from '../memory-ports.ts';
import type { Clock, TransferJob } from '../ports.ts';
import {
  Directory, addObjects, closeAll, link, makeNode, makeObject, settle, waitFor,
} from './harness.ts';

const P = 'peer-one-0000' as PeerId;
const Q = 'peer-two-0000' as PeerId;
const H = 'ab'.repeat(32) as ObjectHash;
const H2 = 'cd'.repeat(32) as ObjectHash;

function fakeClock(): Clock & { t: number } {
  return { t: 1000, now() { return this.t; }, setTimeout: () => 0, clearTimeout: () => undefined };
}

const quiet = { info: () => undefined, warn: () => undefined };

describe('job queue', () => {
  it('moves queued → sending → done, retries failures with exponential backoff, and persists', async () => {
    const clock = fakeClock();
    const store = new MemoryJobStore();
    const events: string[] = [];
    const q = new JobQueue(store, clock, () => 0.5, { baseMs: 100, maxMs: 1000 }, quiet, (j) => events.push(j.state));
    const job = await q.enqueue('pull', P, H, 10);
    expect(await q.enqueue('pull', Q, H, 10)).toBe(job); // one pull job per object
    expect(q.next(P, 'pull', 5)).toEqual([job]);
    await q.start(job);
    expect(q.next(P, 'pull', 5)).toEqual([]);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await q.fail(job, 'stalled', P);
      delays.push(job.nextAttemptAt - clock.t);
      expect(q.next(P, 'pull', 5)).toEqual([]); // not before its time
      clock.t = job.nextAttemptAt;
      expect(q.next(P, 'pull', 5)).toEqual([job]);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(job.attempts).toBe(6);
    expect(job.failedPeers).toEqual([P]);
    expect(store.jobs.get(job.id)?.state).toBe('failed');
    expect(q.stats(P)).toEqual({ queued: 0, sending: 0, failed: 1 });
    await q.reassign(job, Q);
    expect(q.next(Q, 'pull', 5)).toEqual([job]);
    expect(q.forPeer(P)).toEqual([]);
    await q.done(job);
    expect(store.jobs.size).toBe(0);
    expect(events.at(-1)).toBe('done');
  });

  it('small objects go first (thumbnails, bundles), each kind in arrival order, also after a restart', async () => {
    const store = new MemoryJobStore();
    const q = new JobQueue(store, fakeClock(), () => 0.5, { baseMs: 100, maxMs: 1000 }, quiet, () => undefined);
    const h = (i: number) => i.toString(16).padStart(64, '0') as ObjectHash;
    const sizes = [2 ** 20, 40_000, 2 ** 20, SMALL_JOB_BYTES, SMALL_JOB_BYTES + 1, 900];
    for (const [i, size] of sizes.entries()) await q.enqueue('pull', P, h(i), size);
    const order = (queue: JobQueue) => queue.next(P, 'pull', 10).map((j) => parseInt(j.hash, 16));
    expect(order(q)).toEqual([1, 3, 5, 0, 2, 4]);
    expect(q.next(P, 'pull', 2).map((j) => j.size)).toEqual([40_000, SMALL_JOB_BYTES]);
    const again = new JobQueue(store, fakeClock(), () => 0.5, { baseMs: 100, maxMs: 1000 }, quiet, () => undefined);
    await again.load();
    expect(order(again)).toEqual([1, 3, 5, 0, 2, 4]);
  });

  it('a prioritized job (someone waits for it) goes ahead of every other job of its peer, also after a reassign, until done', async () => {
    const q = new JobQueue(new MemoryJobStore(), fakeClock(), () => 0.5, { baseMs: 100, maxMs: 1000 }, quiet, () => undefined);
    const h = (i: number) => i.toString(16).padStart(64, '0') as ObjectHash;
    // A large library's thumbnails, then a key bundle (small too) and an original, queued last.
    for (let i = 0; i < 1000; i++) await q.enqueue('pull', P, h(i), 7000);
    const bundle = await q.enqueue('pull', P, h(1000), 3000);
    const original = await q.enqueue('pull', P, h(1001), 2 ** 20);
    expect(q.next(P, 'pull', 1)[0]!.hash).toBe(h(0));
    q.prioritize(bundle);
    q.prioritize(original);
    q.prioritize(bundle); // twice: no change
    expect(q.next(P, 'pull', 3).map((j) => j.hash)).toEqual([h(1000), h(1001), h(0)]);
    // Before the peer's listing is in, only those: the thousand others are not walked past.
    const looked: string[] = [];
    expect(q.next(P, 'pull', 5, (j) => (looked.push(j.hash), false), true).map((j) => j.hash)).toEqual([h(1000), h(1001)]);
    expect(looked).toEqual([h(1000), h(1001)]);
    await q.reassign(original, Q);
    expect(q.next(Q, 'pull', 5)).toEqual([original]);
    await q.done(bundle);
    expect(q.next(P, 'pull', 1)[0]!.hash).toBe(h(0));
    // Done means done: the same object queued again later is not urgent by itself.
    const again = await q.enqueue('pull', P, h(1000), 3000);
    expect(q.next(P, 'pull', 1)[0]).not.toBe(again);
  });

  it('after a restart, a job that was sending is queued again; jitter stays within ±25 %', async () => {
    const clock = fakeClock();
    const store = new MemoryJobStore();
    const sending: TransferJob = {
      id: `push:${P}:${H2}`, dir: 'push', peer: P, hash: H2, size: 5, state: 'sending', attempts: 1,
      nextAttemptAt: 0, failedPeers: [], bytesDone: 3, createdAt: 0, updatedAt: 0,
    };
    await store.put(sending);
    await store.put({ ...sending, id: 'done-one', state: 'done' });
    const q = new JobQueue(store, clock, () => 0.999, { baseMs: 1000, maxMs: 60_000 }, quiet, () => undefined);
    await q.load();
    expect(q.list().map((j) => [j.id, j.state])).toEqual([[sending.id, 'queued']]);
    expect(store.jobs.has('done-one')).toBe(false);
    const [job] = q.next(P, 'push', 1);
    await q.fail(job!, 'busy');
    expect(job!.nextAttemptAt - clock.t).toBeLessThanOrEqual(2 * 1000 * 1.25);
    expect(job!.nextAttemptAt - clock.t).toBeGreaterThanOrEqual(2 * 1000 * 0.75);
    expect(q.nextWake()).toBe(job!.nextAttemptAt);
  });

  it('is visible to the UI through job events: queued → sending → done', async () => {
    const dir = new Directory();
    const a = makeNode('alice', { dir });
    const b = makeNode('bob', { dir });
    try {
      const seen: string[] = [];
      b.engine.on('job', (j) => seen.push(`${j.dir}:${j.state}`));
      await addObjects(a, [makeObject(1, 600_000)]);
      link(a, b);
      await waitFor(() => seen.includes('pull:done'), 'job done');
      await settle([a, b]);
      expect(seen[0]).toBe('pull:queued');
      expect(seen).toContain('pull:sending');
      expect(seen.at(-1)).toBe('pull:done');
      expect(b.engine.peers()[0]?.jobs).toEqual({ queued: 0, sending: 0, failed: 0 });
    } finally {
      await closeAll([a, b]);
    }
  });
});
