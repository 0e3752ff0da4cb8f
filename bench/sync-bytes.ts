/**
 * sync-bytes: bytes of sync traffic when a phone reconnects to its relay with 10,000 objects
 * already in sync and 10 new ones. In Node: two ReplicationEngines with in-memory ports and real
 * (noble) crypto over the in-memory transport pair, set up as the replication suite's
 * sync-bytes test does (web/src/replication/__tests__/sync-bytes.test.ts).
 *
 * Counted: every replication frame both ways on the reconnect's link (the memory pair's byte
 * stats: handshake, op vectors, inventory sync, wants, acks, obj-data frame headers) until both
 * sides settle, MINUS the payload bytes of the 10 new objects. Not counted: the DTLS/SCTP/UDP
 * overhead a data channel adds under each frame. figure = that number; ratio = figure (the rule
 * for this bench), baseline 1.
 */
import { CHUNK_ENVELOPE_LENGTH } from '../web/src/crypto/chunk.ts';
import {
  Directory, addObjects, closeAll, link, makeNode, makeObject, settle, waitFor, type Link, type TestNode,
} from '../web/src/replication/__tests__/harness.ts';
import { writeResult } from './support/harness.ts';

const SYNCED = Number(process.env.FV_BENCH_OBJECTS ?? 10_000);
const NEW = 10;
/** In-sync objects are small (their size does not change sync traffic); new ones are chunk-sized. */
const SYNCED_BYTES = 64;
const NEW_BYTES = CHUNK_ENVELOPE_LENGTH;

function traffic(l: Link) {
  const byType: Record<string, number> = {};
  const frames: Record<string, number> = {};
  for (const s of [l.a, l.b]) {
    for (const [t, n] of Object.entries(s.outbox.sentBytes)) byType[t] = (byType[t] ?? 0) + n;
    for (const [t, n] of Object.entries(s.outbox.sentFrames)) frames[t] = (frames[t] ?? 0) + n;
  }
  const total = l.pair.stats.bytes['a->b'] + l.pair.stats.bytes['b->a'];
  return { total, byType, frames, framesTotal: l.pair.stats.frames['a->b'] + l.pair.stats.frames['b->a'] };
}

async function offline(l: Link): Promise<void> {
  l.pair.cut('phone goes offline');
  await waitFor(() => l.a.state === 'closed' && l.b.state === 'closed', 'closed');
}

let nodes: TestNode[] = [];
try {
  const dir = new Directory();
  const cfg = { maxConcurrentPulls: 64 }; // only speeds up the initial sync, which is not measured
  const phone = makeNode('phone', { dir, config: cfg });
  const relay = makeNode('relay', { dir, role: 'relay', config: cfg });
  nodes = [phone, relay];
  // Some op history: 5 albums, 30 ops.
  for (let i = 0; i < 30; i++) await phone.write(`album-${i % 5}`, { kind: 'add', set: 'photos', element: `p${i}` });
  await addObjects(phone, Array.from({ length: SYNCED }, (_, i) => makeObject(1_000_000 + i, SYNCED_BYTES)));

  let t = Date.now();
  const first = link(phone, relay);
  await waitFor(() => relay.objects.objects.size === SYNCED, 'initial sync', 120_000);
  await settle(nodes);
  const initial = traffic(first);
  console.error(`[sync-bytes] initial sync of ${SYNCED} objects: ${initial.total} B in ${Date.now() - t} ms`);
  await offline(first);

  // Offline, the phone gets 10 new objects; then it reconnects.
  await addObjects(phone, Array.from({ length: NEW }, (_, i) => makeObject(2_000_000 + i, NEW_BYTES)));
  t = Date.now();
  const again = link(phone, relay);
  await waitFor(() => relay.objects.objects.size === SYNCED + NEW, 'reconnect sync', 60_000);
  const reconnectMs = Date.now() - t;
  await settle(nodes);
  const r = traffic(again);
  const payload = NEW * NEW_BYTES;
  const figure = r.total - payload;
  await offline(again);

  // The relay lost its inventory cursor for the phone: the digest path (bucket digests +
  // listings of the differing buckets) runs instead.
  await addObjects(phone, Array.from({ length: NEW }, (_, i) => makeObject(3_000_000 + i, NEW_BYTES)));
  relay.kv.data.delete(`inv-cursor/${phone.peerId}`);
  const lost = link(phone, relay);
  await waitFor(() => relay.objects.objects.size === SYNCED + 2 * NEW, 'sync without a cursor', 60_000);
  await settle(nodes);
  const l = traffic(lost);

  writeResult({
    name: 'sync-bytes',
    figure,
    baseline: 1,
    ratio: figure,
    unit: 'bytes',
    goal: '< 65536',
    notes: {
      what: `reconnect of a phone to its relay with ${SYNCED} objects in sync and ${NEW} new objects of ${NEW_BYTES} B (and 30 ops in sync): ` +
        'all replication frame bytes both ways on the reconnect link (memory transport pair stats; handshake, op sync, inventory, wants, ' +
        'acks, obj-data headers) until both sides settle, minus the new objects\' payload bytes; DTLS/SCTP/UDP overhead not counted',
      totalWireBytes: r.total,
      newPayloadBytes: payload,
      frames: r.framesTotal,
      bytesByFrameType: r.byType,
      framesByFrameType: r.frames,
      reconnectMs,
      initialSyncBytes: initial.total,
      withoutCursor: { figure: l.total - payload, bytesByFrameType: l.byType },
      transport: 'in-memory pair in Node (web/src/transport/memory-transport.ts), noble crypto',
    },
  });
} finally {
  await closeAll(nodes);
}
process.exit(0);
