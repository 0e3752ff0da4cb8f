import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/ids.ts';
import { Directory, addObjects, bothReady, closeAll, link, makeNode, makeObject, settle, waitFor, type TestNode } from './harness.ts';
import { RawPeer, rawPeerId } from './raw-peer.ts';

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

describe('a home proves it holds an object before anyone relies on it', () => {
  it('an honest home passes a fresh challenge; one that dropped the bytes fails and loses its claim', async () => {
    const dir = new Directory();
    const phone = makeNode('phone', { dir });
    const home = makeNode('home', { dir, role: 'relay' });
    nodes = [phone, home];
    const a = makeObject(11, 300_000);
    const b = makeObject(12, 5_000);
    await addObjects(phone, [a, b]);
    const l = link(phone, home);
    await waitFor(() => bothReady(l), 'ready');
    await settle(nodes);
    expect((await phone.engine.backedUpOn(a.hash)).relays).toEqual([home.peerId]);
    expect(await phone.engine.challenge(home.peerId, a.hash)).toBe('passed');
    // The home quietly loses b (its inventory still claims it): the claim is not proof.
    home.objects.objects.delete(b.hash);
    expect((await phone.engine.backedUpOn(b.hash)).relays).toEqual([home.peerId]);
    expect(await phone.engine.challenge(home.peerId, b.hash)).toBe('failed');
    expect((await phone.engine.backedUpOn(b.hash)).relays).toEqual([]);
    // Its inventory still claims b at the next resync: the failed proof keeps it from counting.
    await home.objects.put(makeObject(14, 100).hash, makeObject(14, 100).bytes);
    home.engine.objectsChanged();
    await phone.acks.add(home.peerId, [b.hash]);
    expect((await phone.engine.backedUpOn(b.hash)).relays).toEqual([]);
    expect(phone.lines.some((x) => x.includes('failed a storage challenge'))).toBe(true);
    expect(await phone.engine.challenge('peer-nobody-0000' as PeerId, a.hash)).toBe('not-connected');
  });

  it('an ack nobody asked for and an offer do not make a peer a holder', async () => {
    const phone = makeNode('phone');
    nodes = [phone];
    const a = makeObject(13, 4_000);
    await addObjects(phone, [a]);
    const raw = new RawPeer(phone, 'liar');
    await raw.open(phone);
    raw.send({ type: 'obj-ack', hash: a.hash });
    raw.send({ type: 'obj-offer', hash: a.hash, size: 4_000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(await phone.acks.peersWith(a.hash)).not.toContain(rawPeerId);
    // Its proof must come from the bytes: a guess fails.
    const result = phone.engine.challenge(rawPeerId, a.hash);
    await waitFor(() => raw.got.some((f) => f.type === 'obj-challenge'), 'challenge sent');
    const ch = raw.got.find((f) => f.type === 'obj-challenge');
    if (ch?.type !== 'obj-challenge') throw new Error('no challenge');
    raw.send({ type: 'obj-proof', hash: a.hash, nonce: ch.nonce, proof: new Uint8Array(32).fill(1) });
    expect(await result).toBe('failed');
  });
});
