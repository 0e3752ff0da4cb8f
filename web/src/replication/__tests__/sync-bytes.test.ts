import { afterEach, describe, expect, it } from 'vitest';
import {
  Directory, addObjects, closeAll, link, makeNode, makeObject, settle, waitFor, type Link, type TestNode,
} from './harness.ts';

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

const SYNCED = 10_000;
const NEW = 10;
const BUDGET = 64 * 1024;

function traffic(l: Link): { total: number; data: number; byType: Record<string, number> } {
  const byType: Record<string, number> = {};
  for (const s of [l.a, l.b]) {
    for (const [t, n] of Object.entries(s.outbox.sentBytes)) byType[t] = (byType[t] ?? 0) + n;
  }
  const total = l.pair.stats.bytes['a->b'] + l.pair.stats.bytes['b->a'];
  return { total, data: byType['obj-data'] ?? 0, byType };
}

describe('sync traffic grows with the difference, not the library', () => {
  it(`${SYNCED} objects in sync + ${NEW} new: reconnect costs under 64 KiB`, async () => {
    const dir = new Directory();
    const cfg = { maxConcurrentPulls: 64 };
    const phone = makeNode('phone', { dir, config: cfg });
    const relay = makeNode('relay', { dir, role: 'relay', config: cfg });
    nodes = [phone, relay];
    // A realistic op history too: a few albums with some ops each.
    for (let i = 0; i < 30; i++) await phone.write(`album-${i % 5}`, { kind: 'add', set: 'photos', element: `p${i}` });
    await addObjects(phone, Array.from({ length: SYNCED }, (_, i) => makeObject(1_000_000 + i, 64)));

    const first = link(phone, relay);
    await waitFor(() => relay.objects.objects.size === SYNCED, 'initial sync', 60_000);
    await settle(nodes);
    const initial = traffic(first);
    first.pair.cut('phone goes offline');
    await waitFor(() => first.a.state === 'closed' && first.b.state === 'closed', 'closed');

    // Offline, the phone takes 10 photos' worth of new objects.
    await addObjects(phone, Array.from({ length: NEW }, (_, i) => makeObject(2_000_000 + i, 64)));
    const again = link(phone, relay);
    await waitFor(() => relay.objects.objects.size === SYNCED + NEW, 'reconnect sync');
    await settle(nodes);
    const t = traffic(again);
    console.info(`sync bytes: initial ${initial.total} B; reconnect with ${NEW} new: ${t.total} B total, ${t.total - t.data} B without object data`, t.byType);
    expect(t.total).toBeLessThan(BUDGET);
    expect(again.pair.stats.bytes['a->b'] + again.pair.stats.bytes['b->a']).toBe(t.total);
    again.pair.cut('offline');
    await waitFor(() => again.a.state === 'closed' && again.b.state === 'closed', 'closed');

    // The relay loses its cursor for the phone (say, its small-state store was reset):
    // the digest path (256 bucket digests + listings of the buckets that differ) still fits.
    await addObjects(phone, Array.from({ length: NEW }, (_, i) => makeObject(3_000_000 + i, 64)));
    relay.kv.data.delete(`inv-cursor/${phone.peerId}`);
    const lost = link(phone, relay);
    await waitFor(() => relay.objects.objects.size === SYNCED + 2 * NEW, 'sync without a cursor');
    await settle(nodes);
    const t2 = traffic(lost);
    console.info(`sync bytes without a cursor: ${t2.total} B`, t2.byType);
    expect(t2.total).toBeLessThan(BUDGET);
    expect(t2.byType['inv-buckets']).toBeGreaterThan(0);
  }, 60_000);
});
