/**
 * A roster change on a device that is still receiving a large library must not make its peer
 * start the op stream over. A restoring device admits the vault log's statements early (its
 * roster changes), and the engine asked every peer again for what it lacked: the relay, still
 * streaming, began again from the vector of that moment, and 8,339 of a 10,000-photo library's
 * ops arrived twice (each a store read and a comparison on the device). Only a peer whose ops we
 * could not take is asked again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryOpStore } from '../memory-ports.ts';
import type { OpEnvelope } from '../ports.ts';
import { closeAll, link, makeNode, waitFor, type TestNode } from './harness.ts';

/** An op store whose batch writes take a while (as IndexedDB's do under load), counting duplicate checks. */
class SlowOpStore extends MemoryOpStore {
  reads = 0;
  override async get(log: string, author: string, seq: number): Promise<OpEnvelope | undefined> {
    this.reads++;
    return super.get(log, author, seq);
  }
  override async appendMany(ops: OpEnvelope[]): Promise<void> {
    await new Promise((r) => setTimeout(r, 60));
    return super.appendMany(ops);
  }
}

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

/** A relay with a 150-op library, linked to a device whose op store writes slowly. */
async function libraryStreaming() {
  const relay = makeNode('relay', { role: 'relay' });
  const ops = new SlowOpStore();
  const device = makeNode('device', { dir: relay.dir, stores: { ops } });
  nodes = [relay, device];
  // ~20 KB ops: a frame carries a dozen, so the library takes many slow batch writes to arrive.
  for (let i = 0; i < 150; i++) await relay.write('album', { i, pad: 'x'.repeat(20_000) });
  return { device, ops, l: link(relay, device) };
}

describe('op resync on a roster change', () => {
  it('a roster change while the library streams in does not make the peer send it again', async () => {
    const { device, ops } = await libraryStreaming();
    const t0 = Date.now();
    while (ops.all().length === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
    expect(ops.all().length).toBeGreaterThan(0);
    expect(ops.all().length).toBeLessThan(150); // still streaming
    device.engine.policyChanged(); // the vault log's statements were admitted meanwhile
    await waitFor(() => ops.all().length === 150, 'the whole library');
    // Past the 250 ms a roster change waits, and long enough for a second stream to arrive.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(ops.reads).toBe(0); // no op arrived twice
  });

  it('a roster change asks again a peer whose ops had to wait, and they are taken', async () => {
    let admitted = false; // the member-add that admits the author has not been applied yet
    const relay = makeNode('relay', { role: 'relay' });
    const device = makeNode('device', { dir: relay.dir, admit: (log) => log !== 'album-b' || admitted || 'later' });
    nodes = [relay, device];
    for (let i = 0; i < 3; i++) await relay.write('album-a', { i });
    for (let i = 0; i < 4; i++) await relay.write('album-b', { i });
    const l = link(relay, device);
    await waitFor(() => device.ops.all().length === 3, 'what could be taken');
    // The relay's re-asked round made no progress: the device stopped asking on its own.
    const vectors = () => l.b.outbox.sentFrames['op-vector'] ?? 0;
    await waitFor(() => vectors() >= 2, 'the one re-ask after op-end');
    await new Promise((r) => setTimeout(r, 300));
    const asked = vectors();
    expect(device.ops.all()).toHaveLength(3);
    admitted = true;
    device.engine.policyChanged();
    await waitFor(() => device.ops.all().length === 7, 'the waiting ops, taken after the roster change');
    expect(vectors()).toBe(asked + 1);
  });

  it('closing the engine waits for the op batches it received to be stored', async () => {
    // A restore's probe session stops mid-stream and the real session reads the op vector
    // next, from the same store: a batch committed after that is neither in the vector it read
    // nor emitted to it.
    const { device, ops, l } = await libraryStreaming();
    await waitFor(() => (l.b.received.byType['op-batch'] ?? 0) > 0, 'a batch on its way to the store');
    await device.engine.close();
    const atClose = ops.all().length;
    expect(atClose).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(ops.all().length).toBe(atClose); // nothing landed after close resolved
  });
});
