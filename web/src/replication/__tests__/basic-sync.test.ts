import { afterEach, describe, expect, it } from 'vitest';
import { equalBytes, fromUtf8 } from '../../core/bytes.ts';
import {
  Directory, addObjects, bothOpen, bothReady, closeAll, link, makeNode, makeObject, settle, waitFor, type TestNode,
} from './harness.ts';

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
});
