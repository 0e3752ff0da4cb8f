import { afterEach, describe, expect, it } from 'vitest';
import { equalBytes, fromUtf8 } from '../../core/bytes.ts';
import {
  Directory, addObjects, bothOpen, bothReady, closeAll, link, makeNode, makeObject, settle, waitFor, type TestNode,
} from './harness.ts';
import { MemoryOpStore } from '../memory-ports.ts';
import type { OpEnvelope } from '../ports.ts';

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

describe('replication between two peers', () => {
  it('authenticates, then syncs ops and objects both ways', async () => {
    const dir = new Directory();
    const a = makeNode('alice', { dir });
    const b = makeNode('relay1', { dir, role: 'relay' });
    nodes = [a, b];
    await a.write('album1', { kind: 'add', set: 'photos', element: 'p1' });
    await b.write('album1', { kind: 'set', register: 'name', value: 'Summer' });
    const small = makeObject(1, 1000);
    const large = makeObject(2, 700_000); // three frames
    await addObjects(a, [small, large]);
    const l = link(a, b);
    await waitFor(() => bothOpen(l), 'open');
    await waitFor(() => bothReady(l), 'inventories exchanged');
    await settle(nodes);
    expect(equalBytes(b.objects.objects.get(large.hash)!, large.bytes)).toBe(true);
    expect(equalBytes(b.objects.objects.get(small.hash)!, small.bytes)).toBe(true);
    expect(a.ops.all().map((o) => fromUtf8(o.ciphertext)).sort()).toEqual(b.ops.all().map((o) => fromUtf8(o.ciphertext)).sort());
    expect(a.ops.all()).toHaveLength(2);
    expect(await a.engine.backedUpOn(large.hash)).toEqual({ peers: [b.peerId], relays: [b.peerId] });
    // The whole-library view: the relay with what it holds; the member (a, seen from b) is no home.
    expect(await a.engine.relayHoldings()).toEqual(new Map([[b.peerId, new Set([small.hash, large.hash])]]));
    expect(await b.engine.relayHoldings()).toEqual(new Map());
    expect(a.engine.jobs()).toHaveLength(0);
    expect(b.engine.jobs()).toHaveLength(0);
  });

  it('sends live ops and new objects to a connected peer', async () => {
    const dir = new Directory();
    const a = makeNode('alice', { dir });
    const b = makeNode('bob', { dir });
    nodes = [a, b];
    const l = link(a, b);
    await waitFor(() => bothReady(l), 'ready');
    await a.write('album1', { kind: 'add', set: 'photos', element: 'p1' });
    const obj = makeObject(3, 5000);
    await addObjects(a, [obj]);
    await waitFor(() => b.objects.objects.has(obj.hash) && b.ops.all().length === 1, 'live sync');
  });

  it('learns evictions, and notices a wiped peer store and refills it', async () => {
    const dir = new Directory();
    const a = makeNode('alice', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [a, relay];
    const objs = Array.from({ length: 20 }, (_, i) => makeObject(100 + i, 500 + i));
    await addObjects(a, objs);
    const l1 = link(a, relay);
    await waitFor(() => relay.objects.objects.size === 20, 'relay has all');
    await settle(nodes);
    a.objects.evict(objs[0]!.hash); // "save space": alice drops a copy the relay holds
    a.engine.objectsChanged();
    await waitFor(async () => !(await relay.acks.has(a.peerId, objs[0]!.hash)), 'eviction learned');
    l1.pair.cut();
    await waitFor(() => l1.b.state === 'closed', 'closed');

    a.objects.wipe(); // the browser lost alice's storage: a new, empty inventory
    const l2 = link(a, relay);
    await waitFor(() => a.objects.objects.size === 20, 'alice refilled from the relay');
    await settle(nodes);
    expect(l2.b.received.byType['inv-buckets']).toBeGreaterThan(0); // the relay noticed via the digest path
    expect((await relay.acks.list(a.peerId)).length).toBe(20);
    for (const o of objs) expect(equalBytes(a.objects.objects.get(o.hash)!, o.bytes)).toBe(true);
  });

  it('fetches an evicted original on demand from a peer that holds it', async () => {
    const dir = new Directory();
    const phone = makeNode('phone', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [phone, relay];
    const original = makeObject(9, 900_000);
    await addObjects(phone, [original]);
    link(phone, relay);
    await waitFor(async () => (await phone.engine.backedUpOn(original.hash)).relays.length === 1, 'backed up');
    phone.objects.evict(original.hash); // "save space": acked by a relay, so it may go
    phone.engine.objectsChanged();
    expect(await phone.engine.fetch(makeObject(10, 5).hash)).toBe('unavailable');
    expect(await phone.engine.fetch(original.hash, original.bytes.length)).toBe('queued');
    await waitFor(() => phone.objects.objects.has(original.hash), 'fetched again');
    expect(equalBytes(phone.objects.objects.get(original.hash)!, original.bytes)).toBe(true);
    expect(await phone.engine.fetch(original.hash)).toBe('present');
  });

  it('asks a connected relay for an object its listing has not announced yet (askConnected)', async () => {
    const dir = new Directory();
    const phone = makeNode('phone', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [phone, relay];
    const l = link(phone, relay);
    await waitFor(() => bothReady(l), 'ready');
    await settle(nodes);
    // The relay holds it, but has not listed it (no objectsChanged): like a key bundle in a
    // bucket a 20,000-object listing has not reached.
    const bundle = makeObject(11, 3000);
    await relay.objects.put(bundle.hash, bundle.bytes);
    expect(await phone.engine.fetch(bundle.hash)).toBe('unavailable');
    expect(await phone.engine.fetch(bundle.hash, undefined, { askConnected: true })).toBe('queued');
    await waitFor(() => phone.objects.objects.has(bundle.hash), 'fetched before any listing');
    expect(equalBytes(phone.objects.objects.get(bundle.hash)!, bundle.bytes)).toBe(true);
    // Asked for something nobody holds: the relay says so and the job fails, nothing else.
    const none = makeObject(12, 10);
    expect(await phone.engine.fetch(none.hash, undefined, { askConnected: true })).toBe('queued');
    await waitFor(() => phone.engine.jobs().some((j) => j.hash === none.hash && j.state === 'failed'), 'refused as not found');
    expect(phone.objects.objects.has(none.hash)).toBe(false);
  });

  it('a probe that lists no inventories takes ops and what it fetches, nothing else; the session after it lists everything', async () => {
    // A restoring phone's keyless probe: it needs the vault log and one key bundle. Pulling the
    // library then would spend the relay's bytes on transfers the probe's close cuts, and move
    // the inventory cursor so the real session (same stores) would never list what it skipped.
    const dir = new Directory();
    const relay = makeNode('relay', { dir, role: 'relay' });
    for (let i = 0; i < 5; i++) await relay.write('album-1', { i });
    const bundle = makeObject(14, 3000);
    const library = Array.from({ length: 12 }, (_, i) => makeObject(200 + i, 400_000));
    await addObjects(relay, [bundle, ...library]);
    const probe = makeNode('phone', { dir, config: { listInventories: false } });
    nodes = [probe, relay];
    const l = link(probe, relay);
    await waitFor(() => probe.ops.all().length === 5, 'the vault log, without a listing');
    expect(await probe.engine.fetch(bundle.hash, undefined, { askConnected: true })).toBe('queued');
    await waitFor(() => probe.objects.objects.has(bundle.hash), 'the bundle it waited for');
    await settle(nodes);
    expect([...probe.objects.objects.keys()]).toEqual([bundle.hash]);
    expect(l.b.received.byType['inv-since'] ?? 0).toBe(0);
    expect(await probe.kv.get(`inv-cursor/${relay.peerId}`)).toBeUndefined();
    expect(l.a.ready).toBe(false);
    l.pair.cut();
    await waitFor(() => l.b.state === 'closed', 'probe gone');
    await probe.engine.close();

    const phone = makeNode('phone', { dir, stores: { objects: probe.objects, ops: probe.ops, jobs: probe.jobs, acks: probe.acks, kv: probe.kv, partials: probe.partials } });
    nodes = [phone, relay];
    const l2 = link(phone, relay);
    await waitFor(() => bothReady(l2), 'ready');
    await waitFor(() => phone.objects.objects.size === 13, 'the whole library');
    for (const o of library) expect(equalBytes(phone.objects.objects.get(o.hash)!, o.bytes)).toBe(true);
  });

  it('a waited-for object arrives while a long op batch is still being stored, before the listing is over', async () => {
    // A restoring phone: its key bundle must not wait behind the library's ops (verified and
    // stored in the session's frame order) nor behind the relay's listing.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    class GatedOps extends MemoryOpStore {
      override async appendMany(ops: OpEnvelope[]): Promise<void> {
        await gate;
        return super.appendMany(ops);
      }
    }
    const dir = new Directory();
    const phone = makeNode('phone', { dir, stores: { ops: new GatedOps() } });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [phone, relay];
    for (let i = 0; i < 40; i++) await relay.write('album-1', { i });
    const bundle = makeObject(13, 3000);
    await addObjects(relay, [bundle, ...Array.from({ length: 30 }, (_, i) => makeObject(100 + i, 500))]);
    const l = link(phone, relay);
    await waitFor(() => (l.a.received.byType['op-batch'] ?? 0) > 0, 'the op batch reached the phone');
    expect(await phone.engine.fetch(bundle.hash, undefined, { askConnected: true })).toBe('queued');
    await waitFor(() => phone.objects.objects.has(bundle.hash), 'the bundle, ahead of the ops and the listing');
    expect(l.a.ready).toBe(false);
    expect(phone.ops.all()).toHaveLength(0);
    expect(phone.objects.objects.size).toBe(1); // only what was waited for moved before the listing
    release();
    await waitFor(() => bothReady(l), 'ready');
    await settle(nodes);
    expect(phone.ops.all()).toHaveLength(40);
    expect(phone.objects.objects.size).toBe(31);
  });
});

describe('what a pull costs the receiving store', () => {
  it('an object found missing in a peer listing is not looked up again before it is asked for', async () => {
    const dir = new Directory();
    const device = makeNode('new-phone', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    nodes = [device, relay];
    const objs = Array.from({ length: 40 }, (_, i) => makeObject(300 + i, 800 + i));
    await addObjects(relay, objs);
    const looked = new Map<string, number>();
    const has = device.objects.has.bind(device.objects);
    device.objects.has = (h) => {
      looked.set(h, (looked.get(h) ?? 0) + 1);
      return has(h);
    };
    const l = link(device, relay);
    await waitFor(() => bothReady(l), 'ready');
    await settle(nodes);
    for (const o of objs) expect(device.objects.objects.has(o.hash), `${o.hash.slice(0, 8)} restored`).toBe(true);
    // Once, when the relay's listing came in: the pull that followed trusted it.
    expect(objs.map((o) => looked.get(o.hash) ?? 0)).toEqual(objs.map(() => 1));
  });
});
