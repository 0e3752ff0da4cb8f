import { afterEach, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../core/bytes.ts';
import {
  applyOps, emptyState, makeAdd, makeRemove, makeSet, materialize, parseCrdtBody, type CrdtOp, type CrdtState,
} from '../crdt.ts';
import { signOp } from '../op-envelope.ts';
import type { OpEnvelope } from '../ports.ts';
import { MemoryOpStore } from '../memory-ports.ts';
import { Directory, closeAll, link, makeNode, settle, waitFor, type Link, type TestNode } from './harness.ts';
import { NobleCrypto } from './noble-crypto.ts';
import { Rng } from './rng.ts';

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

const ALBUM = 'album-1';

/** What the vault layer does: decrypt (here: the body is plain JSON) and check the body. */
function decrypt(env: OpEnvelope): CrdtOp {
  const body = parseCrdtBody(JSON.parse(fromUtf8(env.ciphertext)));
  if (!body) throw new Error('bad body');
  return { author: env.author, seq: env.seq, lamport: env.lamport, body };
}

function stateOf(n: TestNode): CrdtState {
  return applyOps(emptyState(), n.ops.all().filter((o) => o.log === ALBUM).map(decrypt));
}

async function edit(n: TestNode, rng: Rng): Promise<void> {
  const s = stateOf(n);
  const seq = (await n.ops.vector()).get(ALBUM)?.get(n.crypto.publicKeyB64) ?? 0;
  const me = n.crypto.publicKeyB64;
  const k = rng.int(5);
  const op = k === 0 ? makeAdd(s, me, seq + 1, 'photos', `p${rng.int(8)}`)
    : k === 1 ? makeRemove(s, me, seq + 1, 'photos', `p${rng.int(8)}`)
      : k === 2 ? makeAdd(s, me, seq + 1, 'members', `m${rng.int(3)}`)
        : k === 3 ? makeRemove(s, me, seq + 1, 'members', `m${rng.int(3)}`)
          : makeSet(s, me, seq + 1, rng.pick(['name', 'caption:p1']), `${n.name}-${seq + 1}`);
  const env = await signOp(n.crypto, {
    log: ALBUM, author: me, seq: op.seq, lamport: op.lamport, ciphertext: utf8(JSON.stringify(op.body)),
  });
  const r = await n.engine.addLocalOps([env]);
  expect(r.accepted).toHaveLength(1);
}

describe('convergence over real sessions', () => {
  it('property: 3 peers editing offline, meeting in random pairs, sometimes cut mid-sync, converge', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const rng = new Rng(seed * 101);
      const dir = new Directory();
      const peers = ['alice', 'bob', 'carol'].map((name) => makeNode(name, { dir }));
      nodes = peers;
      for (let round = 0; round < 8; round++) {
        for (const p of peers) for (let i = rng.int(4); i > 0; i--) await edit(p, rng);
        const [x, y] = rng.shuffle([...peers]);
        const cut = rng.int(3) === 0;
        const l: Link = link(x!, y!);
        if (cut) l.pair.cutAt(200 + rng.int(3000));
        await waitFor(() => l.pair.a.closed || (l.a.ready && l.b.ready), 'sync or cut');
        await settle(peers);
        l.pair.cut('offline again');
        await waitFor(() => l.a.state === 'closed' && l.b.state === 'closed', 'closed');
      }
      // Finally everyone meets everyone.
      const links = [link(peers[0]!, peers[1]!), link(peers[1]!, peers[2]!), link(peers[0]!, peers[2]!)];
      await waitFor(() => links.every((l) => l.a.ready && l.b.ready), 'all ready');
      await settle(peers);
      const views = peers.map((p) => materialize(stateOf(p)));
      const opCounts = peers.map((p) => p.ops.all().length);
      expect(opCounts[1], `seed ${seed}`).toBe(opCounts[0]);
      expect(opCounts[2], `seed ${seed}`).toBe(opCounts[0]);
      expect(views[1], `seed ${seed}`).toEqual(views[0]);
      expect(views[2], `seed ${seed}`).toEqual(views[0]);
      for (const p of peers) expect(p.lines.filter((l) => l.startsWith('warn') && !l.includes('closed')), p.name).toEqual([]);
      await closeAll(peers);
    }
  });

  it('forwards ops through a relay that cannot read them, and rejects an author outside the album', async () => {
    const dir = new Directory();
    const alice = makeNode('alice', { dir });
    const relay = makeNode('relay', { dir, role: 'relay' });
    const bob = makeNode('bob', { dir });
    // Mallory is a vault device but not a writer of this album. Her store holds an op of hers
    // anyway (written under an older member list, say), which she will offer.
    const mc = new NobleCrypto('mallory');
    const ops = new MemoryOpStore();
    await ops.append(await signOp(mc, { log: ALBUM, author: mc.publicKeyB64, seq: 1, lamport: 1, ciphertext: utf8('{}') }));
    const mallory = makeNode('mallory', { dir, stores: { ops } });
    nodes = [alice, relay, bob, mallory];
    dir.writers.set(ALBUM, new Set([alice.crypto.publicKeyB64, bob.crypto.publicKeyB64]));
    await alice.write(ALBUM, { kind: 'add', set: 'photos', element: 'p1' });
    await expect(mallory.write(ALBUM, { kind: 'add', set: 'photos', element: 'evil' })).rejects.toThrow(/unauthorized/);
    const abuse: string[] = [];
    relay.engine.on('abuse', (e) => abuse.push(e.kind));
    const l1 = link(alice, relay);
    const l2 = link(relay, bob);
    const l3 = link(mallory, relay);
    await waitFor(() => [l1, l2, l3].every((l) => l.a.ready && l.b.ready), 'ready');
    await settle(nodes);
    expect(bob.ops.all().map((o) => o.author)).toEqual([alice.crypto.publicKeyB64]);
    expect(relay.ops.all()).toHaveLength(1);
    expect(abuse).toContain('unauthorized');
  });
});
