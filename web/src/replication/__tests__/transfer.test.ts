import { afterEach, describe, expect, it, vi } from 'vitest';
import { equalBytes } from '../../core/bytes.ts';
import { FRAME_CODES } from '../frames.ts';
import { DATA_CHUNK_BYTES } from '../limits.ts';
import { MemoryJobStore } from '../memory-ports.ts';
import { verifyOpSignature } from '../op-envelope.ts';
import type { TransferJob } from '../ports.ts';
import type { Session } from '../session.ts';
import {
  Directory, addObjects, closeAll, link, makeNode, makeObject, settle, waitFor, type TestNode,
} from './harness.ts';
import { blake3Hex } from './noble-crypto.ts';
import { Rng } from './rng.ts';

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

/** A job store whose saves stop completing after a point, as when the browser is killed. */
class DyingJobStore extends MemoryJobStore {
  #left = Infinity;
  dead = false;
  dieAfter(saves: number): void {
    this.#left = saves;
  }
  override async put(job: TransferJob): Promise<void> {
    if (this.#left-- <= 0) {
      this.dead = true;
      return new Promise(() => undefined); // never settles: nothing after it runs
    }
    return super.put(job);
  }
  /** What a restart finds: the saves that completed. */
  survivor(): MemoryJobStore {
    const s = new MemoryJobStore();
    for (const [id, j] of this.jobs) s.jobs.set(id, structuredClone(j));
    return s;
  }
}

/** Every stored object matches its address: nothing corrupt was ever stored. */
function expectIntact(n: TestNode): void {
  for (const [hash, bytes] of n.objects.objects) expect(blake3Hex(bytes), `object ${hash.slice(0, 8)} at ${n.name}`).toBe(hash);
}

const dataBytesIn = (s: Session): number => s.received.byType['obj-data'] ?? 0;

describe('object transfers', () => {
  it('resumes after cuts at random byte offsets, never re-sends stored objects, never stores a corrupt one', async () => {
    const objs = [makeObject(10, 1_300_000), makeObject(11, 600_000), ...Array.from({ length: 12 }, (_, i) => makeObject(20 + i, 1 + i * 9000))];
    const total = objs.reduce((n, o) => n + o.bytes.length, 0);
    const frames = objs.reduce((n, o) => n + Math.ceil(o.bytes.length / DATA_CHUNK_BYTES), 0);
    for (let seed = 1; seed <= 12; seed++) {
      const rng = new Rng(seed);
      const dir = new Directory();
      const alice = makeNode('alice', { dir });
      const relay = makeNode('relay', { dir, role: 'relay' });
      nodes = [alice, relay];
      await addObjects(alice, objs);
      let delivered = 0;
      let cuts = 0;
      while (relay.objects.objects.size < objs.length) {
        expect(cuts, `seed ${seed}: too many reconnects`).toBeLessThan(60);
        const l = link(alice, relay);
        l.pair.cutAt(rng.int(total / 3), 'a->b');
        await waitFor(() => l.pair.a.closed || relay.objects.objects.size === objs.length, 'cut or done');
        await waitFor(() => l.b.state === 'closed' || relay.objects.objects.size === objs.length, 'settled');
        delivered += dataBytesIn(l.b);
        l.pair.cut('next round');
        await waitFor(() => l.b.state === 'closed', 'closed');
        cuts++;
        expectIntact(relay);
      }
      // Each delivered data frame was used once: payload ≈ the objects, plus headers.
      expect(delivered, `seed ${seed}`).toBeLessThanOrEqual(total + frames * 64);
      expect(relay.engine.jobs(), `seed ${seed}`).toEqual([]);
      for (const o of objs) expect(equalBytes(relay.objects.objects.get(o.hash)!, o.bytes)).toBe(true);
      expect(relay.partials.parts.size).toBe(0);
      await closeAll(nodes);
    }
  });

  it('many small objects travel in bundles: their wants, data and acks in far fewer messages than frames', async () => {
    const dir = new Directory();
    const alice = makeNode('alice', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [alice, relay];
    const objs = Array.from({ length: 300 }, (_, i) => makeObject(100 + i, 2_000 + i * 10));
    await addObjects(relay, objs);
    const l = link(alice, relay);
    await waitFor(() => alice.objects.objects.size === objs.length, 'every object on the phone');
    await settle(nodes);
    for (const o of objs) expect(equalBytes(alice.objects.objects.get(o.hash)!, o.bytes)).toBe(true);
    expectIntact(alice);
    // The relay read each wanted small object at once (its reads grouped), not one by one.
    expect(relay.objects.smallReads).toBe(objs.length);
    // The phone announced each stored object back; the relay, which had just served them, looked
    // none of them up again.
    await waitFor(async () => (await relay.acks.list(alice.peerId)).length === objs.length, 'the phone\'s announcements');
    expect(relay.objects.lookups).toBe(0);
    expect(l.a.received.frames).toBeGreaterThan(objs.length);
    expect(l.a.received.messages).toBeLessThan(l.a.received.frames / 4);
    expect(l.b.received.frames).toBeGreaterThan(2 * objs.length); // a want and an ack per object
    expect(l.b.received.messages).toBeLessThan(l.b.received.frames / 4);
  });

  it('resumes a partial large object after a restart of the receiving engine, from its offset', async () => {
    const dir = new Directory();
    const alice = makeNode('alice', { dir });
    let relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [alice, relay];
    const big = makeObject(5, 5 * DATA_CHUNK_BYTES + 1234);
    await addObjects(alice, [big]);
    const l1 = link(alice, relay);
    l1.pair.cutAt(3 * DATA_CHUNK_BYTES, 'a->b');
    await waitFor(() => l1.b.state === 'closed', 'cut');
    const have = await relay.partials.size(big.hash);
    expect(have).toBeGreaterThan(0);
    expect(have % DATA_CHUNK_BYTES).toBe(0);
    expect([...relay.jobs.jobs.values()].map((j) => j.state)).toEqual(['queued']);
    // The app restarts: a new engine over the same stores.
    await relay.engine.close();
    const { objects, ops, jobs, acks, kv, partials } = relay;
    relay = makeNode('relay', { dir, role: 'relay', stores: { objects, ops, jobs, acks, kv, partials } });
    nodes = [alice, relay];
    await relay.engine.start();
    expect(relay.engine.jobs().map((j) => j.hash)).toEqual([big.hash]);
    const l2 = link(alice, relay);
    await waitFor(() => relay.objects.objects.has(big.hash), 'resumed');
    expect(equalBytes(relay.objects.objects.get(big.hash)!, big.bytes)).toBe(true);
    expect(dataBytesIn(l2.b)).toBeLessThan(big.bytes.length - have + 6 * 64);
    expect(l2.b.outbox.sentFrames['obj-want']).toBe(1);
  });

  // A browser killed while it saves the pull jobs for objects it just learned of must learn of
  // them again after the restart: what it learned (acks, cursor) is recorded only after the jobs.
  for (const path of ['a first sync (bucket listings)', 'a later announcement (inventory entries)'] as const) {
    it(`loses no object when it dies while saving the jobs of ${path}`, async () => {
      const dir = new Directory();
      const alice = makeNode('alice', { dir });
      const jobs = new DyingJobStore();
      let relay = makeNode('relay', { dir, role: 'relay', stores: { jobs } });
      nodes = [alice, relay];
      const first = [makeObject(300, 20_000), makeObject(301, 20_000)];
      const later = Array.from({ length: 6 }, (_, i) => makeObject(310 + i, 20_000 + i));
      let l = link(alice, relay);
      if (path === 'a later announcement (inventory entries)') {
        await addObjects(alice, first);
        await waitFor(() => relay.objects.objects.size === first.length, 'the first objects');
        await settle(nodes);
      } else {
        later.unshift(...first);
      }
      jobs.dieAfter(2); // the third job save never completes: the browser is gone
      await addObjects(alice, later);
      await waitFor(() => jobs.dead, 'the crash');
      l.pair.cut('the relay browser was killed');
      await waitFor(() => l.b.state === 'closed', 'closed');
      await relay.engine.close();
      // The restart: a new engine over what reached the stores.
      const { objects, ops, acks, kv, partials } = relay;
      relay = makeNode('relay', { dir, role: 'relay', stores: { objects, ops, jobs: jobs.survivor(), acks, kv, partials } });
      nodes = [alice, relay];
      await relay.engine.start();
      l = link(alice, relay);
      const all = path === 'a later announcement (inventory entries)' ? [...first, ...later] : later;
      await waitFor(() => all.every((o) => relay.objects.objects.has(o.hash)), 'every object at the relay after the restart');
      expectIntact(relay);
    });
  }

  it('a full receiver refuses a pull before any byte moves, and fetches it once space is freed', async () => {
    const dir = new Directory();
    const alice = makeNode('alice', { dir });
    let full = true;
    const relay = makeNode('relay', { dir, role: 'relay', accept: (_h, size) => (full && size > 100_000 ? 'full' : undefined) });
    nodes = [alice, relay];
    const small = makeObject(400, 1_000);
    const large = makeObject(401, 500_000);
    await addObjects(alice, [small, large]);
    const l = link(alice, relay);
    await waitFor(() => relay.objects.objects.has(small.hash), 'the small object');
    await waitFor(() => relay.engine.jobs().some((j) => j.hash === large.hash && j.state === 'failed' && j.attempts >= 3), 'refusals with backoff');
    expect(relay.engine.jobs().find((j) => j.hash === large.hash)?.lastError).toBe('storage');
    expect(relay.objects.objects.has(large.hash)).toBe(false);
    expect(dataBytesIn(l.b)).toBeLessThan(10_000); // the small object only: the large one never moved
    full = false; // space was freed
    await waitFor(() => relay.objects.objects.has(large.hash), 'the large object after space was freed', 10_000);
    expectIntact(relay);
  });

  it('fetches from another peer when one serves a corrupt copy, and counts it', async () => {
    const dir = new Directory();
    const alice = makeNode('alice', { dir });
    const bob = makeNode('bob', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [alice, bob, relay];
    const obj = makeObject(7, 400_000);
    await addObjects(alice, [obj]);
    await addObjects(bob, [obj]);
    alice.objects.corrupt(obj.hash, 123_456); // bit rot on alice's disk
    const abuse: string[] = [];
    relay.engine.on('abuse', (e) => abuse.push(`${e.peerId}:${e.kind}`));
    const rotten: string[] = [];
    alice.engine.on('local-corrupt', (e) => rotten.push(e.hash));
    link(alice, relay);
    link(bob, relay, { latencyMs: 40 }); // bob's inventory arrives later: the job goes to alice first
    await waitFor(() => relay.objects.objects.has(obj.hash), 'object fetched');
    expect(equalBytes(relay.objects.objects.get(obj.hash)!, obj.bytes)).toBe(true);
    expect(abuse).toContain(`${alice.peerId}:bad-hash`);
    // The relay's nack tells alice her copy rotted, so her vault layer can replace it.
    expect(rotten).toContain(obj.hash);
    expectIntact(relay);
    await settle(nodes);
    expect(relay.engine.jobs()).toEqual([]);
    expect((await relay.engine.backedUpOn(obj.hash)).peers.sort()).toEqual([alice.peerId, bob.peerId].sort());
  });

  it('detects object bytes tampered in transit and fetches again', async () => {
    const dir = new Directory();
    const alice = makeNode('alice', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [alice, relay];
    const obj = makeObject(8, 300_000);
    await addObjects(alice, [obj]);
    let tampered = 0;
    link(alice, relay, {
      tap: (f) => {
        if (f[0] !== FRAME_CODES['obj-data'] || tampered > 0) return f;
        tampered++;
        const out = f.slice();
        out[out.length - 10]! ^= 0x80;
        return out;
      },
    });
    await waitFor(() => relay.objects.objects.has(obj.hash), 'refetched');
    expect(tampered).toBe(1);
    expect(equalBytes(relay.objects.objects.get(obj.hash)!, obj.bytes)).toBe(true);
  });

  it('drops an op whose signature was tampered in transit, and gets it intact later', async () => {
    const dir = new Directory();
    const alice = makeNode('alice', { dir });
    const bob = makeNode('bob', { dir });
    nodes = [alice, bob];
    await alice.write('album', { kind: 'add', set: 'photos', element: 'p' });
    await alice.write('album', { kind: 'add', set: 'photos', element: 'q' });
    const abuse: string[] = [];
    bob.engine.on('abuse', (e) => abuse.push(e.kind));
    const l1 = link(alice, bob, {
      tap: (f) => {
        if (f[0] !== FRAME_CODES['op-batch']) return f;
        const out = f.slice();
        out[out.length - 1]! ^= 1; // last byte: the last op's signature
        return out;
      },
    });
    await waitFor(() => abuse.includes('bad-signature'), 'bad signature counted');
    await settle(nodes);
    expect(bob.ops.all()).toHaveLength(1); // the first op; the second (and nothing after it) was dropped
    l1.pair.cut();
    link(alice, bob);
    await waitFor(() => bob.ops.all().length === 2, 'op arrives intact');
    for (const op of bob.ops.all()) expect(await verifyOpSignature(bob.crypto, op)).toBe(true);
  });

  it('pushes by policy, and records acks as "backed up on N homes"', async () => {
    const dir = new Directory();
    const phone = makeNode('phone', { dir, push: (_h, _s, to) => to.role === 'relay' });
    const home1 = makeNode('home1', { dir, role: 'relay', want: () => false }); // only takes what is pushed
    const home2 = makeNode('home2', { dir, role: 'relay', want: () => false });
    nodes = [phone, home1, home2];
    const objs = [makeObject(1, 1000), makeObject(2, 300_000)];
    await addObjects(phone, objs);
    link(phone, home1);
    link(phone, home2);
    await waitFor(() => objs.every((o) => home1.objects.objects.has(o.hash) && home2.objects.objects.has(o.hash)), 'pushed');
    await settle(nodes);
    for (const o of objs) expect((await phone.engine.backedUpOn(o.hash)).relays.sort()).toEqual([home1.peerId, home2.peerId].sort());
    expect(phone.engine.jobs()).toEqual([]);
  });

  it('random bit flips in transit (any frame, any layer) never put a corrupt object or a bad op in a store', async () => {
    const dir = new Directory();
    const cfg = { transferStallMs: 300 };
    const alice = makeNode('alice', { dir, config: cfg });
    const relay = makeNode('relay', { dir, role: 'relay', config: cfg });
    nodes = [alice, relay];
    const objs = [makeObject(40, 700_000), ...Array.from({ length: 30 }, (_, i) => makeObject(50 + i, 100 + i * 500))];
    await addObjects(alice, objs);
    for (let i = 0; i < 20; i++) await alice.write(`album-${i % 3}`, { kind: 'add', set: 'photos', element: `p${i}` });
    const rng = new Rng(99);
    let flips = 0;
    for (let round = 0; round < 6; round++) {
      const l = link(alice, relay, {
        tap: (f) => {
          if (rng.int(20) !== 0) return f;
          flips++;
          const out = f.slice();
          out[rng.int(out.length)]! ^= 1 << rng.int(8);
          return out;
        },
      });
      await new Promise((r) => setTimeout(r, 150));
      l.pair.cut('round over');
      await waitFor(() => l.a.state === 'closed' && l.b.state === 'closed', 'closed');
      expectIntact(relay);
      for (const op of relay.ops.all()) expect(await verifyOpSignature(relay.crypto, op)).toBe(true);
    }
    expect(flips).toBeGreaterThan(5);
    const clean = link(alice, relay);
    await waitFor(() => relay.objects.objects.size === objs.length && relay.ops.all().length === 20, 'clean sync completes');
    expectIntact(relay);
    void clean;
  });
});

describe('an object whose bytes were handed over', () => {
  it('a session closing while a whole object is being hashed in a worker keeps no prefix of it and throws nothing', async () => {
    const dir = new Directory();
    const alice = makeNode('alice', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [alice, relay];
    const obj = makeObject(77, 3 * DATA_CHUNK_BYTES + 1000); // several frames: assembled in one buffer
    await addObjects(alice, [obj]);
    // As the app's crypto client: the buffer moves to the hashing worker (detached here) and back.
    let handedOver!: () => void;
    const handed = new Promise<void>((r) => (handedOver = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const crypto = relay.crypto as typeof relay.crypto & { hashHandedOver?: (b: Uint8Array) => Promise<{ hash: string; bytes: Uint8Array }> };
    crypto.hashHandedOver = async (bytes) => {
      const moved = structuredClone(bytes.buffer, { transfer: [bytes.buffer as ArrayBuffer] });
      handedOver();
      await released;
      const back = new Uint8Array(moved);
      return { hash: blake3Hex(back), bytes: back };
    };
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    // The transport reports a close listener that threw on the console, and goes on.
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.map(String).join(' ')));
    try {
      const l = link(alice, relay);
      await handed;
      l.pair.cut('gone'); // the session closes with the object's buffer in the worker
      await new Promise((r) => setTimeout(r, 20));
      release();
      await new Promise((r) => setTimeout(r, 50));
      expect(errors).toEqual([]);
      expect(relay.lines.filter((x) => /detached|threw/.test(x))).toEqual([]);
      expect(relay.partials.parts.has(obj.hash)).toBe(false);
    } finally {
      spy.mockRestore();
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    }
  });
});
