import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryPair } from '../../transport/memory-transport.ts';
import { FRAME_CODES, type RefusalReason } from '../frames.ts';
import type { EngineEvents } from '../engine.ts';
import {
  Directory, VAULT_KEY, addObjects, bothOpen, closeAll, link, makeNode, makeObject, waitFor, type TestNode,
} from './harness.ts';
import { deriveKey } from './noble-crypto.ts';
import { RawPeer } from './raw-peer.ts';

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

type RefusedEvent = EngineEvents['peer-refused'];

function refusals(n: TestNode): RefusedEvent[] {
  const out: RefusedEvent[] = [];
  n.engine.on('peer-refused', (e) => out.push(e));
  return out;
}

/** Two nodes with something to share, so a test can check that a refused peer got nothing. */
async function pairWithData(opts: { bKey?: Uint8Array; register?: boolean; revoke?: boolean } = {}) {
  const dir = new Directory();
  const a = makeNode('alice', { dir });
  const b = makeNode('bob', { dir, register: opts.register ?? true, ...(opts.bKey ? { vaultKey: opts.bKey } : {}) });
  if (opts.revoke) dir.revoked.add(b.crypto.publicKeyB64);
  nodes = [a, b];
  await a.write('album1', { kind: 'add', set: 'photos', element: 'p1' });
  await addObjects(a, [makeObject(1, 100)]);
  return { a, b, ra: refusals(a), rb: refusals(b) };
}

async function expectRefused(a: TestNode, b: TestNode, ra: RefusedEvent[], rb: RefusedEvent[], reason: RefusalReason, pairOpts?: Parameters<typeof link>[2]) {
  const l = link(a, b, pairOpts);
  await waitFor(() => ra.length > 0 && rb.length > 0, 'both sides log a refusal');
  await waitFor(() => l.pair.a.closed && l.pair.b.closed, 'closed');
  const reasons = [...ra, ...rb].map((r) => r.reason);
  expect(reasons).toContain(reason);
  // Each side either refused for this reason or was told this reason by the other.
  expect([...ra, ...rb].filter((r) => r.by === 'local').map((r) => r.reason)).toContain(reason);
  expect(l.a.state).toBe('closed');
  expect(l.b.state).toBe('closed');
  // hello, auth, refuse at most: nobody answers a refusal with another.
  expect(l.pair.stats.frames['a->b']).toBeLessThanOrEqual(3);
  expect(l.pair.stats.frames['b->a']).toBeLessThanOrEqual(4);
  expect(b.ops.all()).toHaveLength(0);
  expect(b.objects.objects.size).toBe(0);
  for (const n of [a, b]) {
    expect(n.engine.peers()).toHaveLength(0);
    expect(n.lines.some((line) => line.includes(reason))).toBe(true);
  }
  return l;
}

describe('handshake', () => {
  it('opens with matching secrets, fingerprints and known devices', async () => {
    const { a, b } = await pairWithData();
    const l = link(a, b);
    await waitFor(() => bothOpen(l), 'open');
    expect(l.a.remote.peerId).toBe(b.peerId);
    expect(l.b.remote.role).toBe('member');
  });

  it('refuses a peer with the wrong vault secret (both sides log it)', async () => {
    const { a, b, ra, rb } = await pairWithData({ bKey: deriveKey('vault:other') });
    await expectRefused(a, b, ra, rb, 'wrong-vault-secret');
  });

  it('refuses when the DTLS fingerprints differ (signaling MITM)', async () => {
    const { a, b, ra, rb } = await pairWithData();
    await expectRefused(a, b, ra, rb, 'fingerprint-mismatch', { fingerprints: { b: { remote: 'sha-256 EVIL:MITM' } } });
  });

  it('refuses an unknown device and a revoked one', async () => {
    const p1 = await pairWithData({ register: false });
    await expectRefused(p1.a, p1.b, p1.ra, p1.rb, 'unknown-device');
    await closeAll(nodes);
    const p2 = await pairWithData({ revoke: true });
    await expectRefused(p2.a, p2.b, p2.ra, p2.rb, 'revoked-device');
  });

  it('refuses a protocol version it does not speak', async () => {
    const a = makeNode('alice');
    nodes = [a];
    const ra = refusals(a);
    const raw = new RawPeer(a, 'raw');
    raw.hello({ protocol: 99 });
    await waitFor(() => raw.types().includes('refuse'), 'refuse');
    expect(raw.got.find((f) => f.type === 'refuse')).toMatchObject({ reason: 'version-mismatch' });
    expect(ra[0]?.reason).toBe('version-mismatch');
    await waitFor(() => raw.pair.b.closed, 'closed');
  });

  it('refuses a tampered handshake: MAC, signature, hello nonce, claimed fingerprint', async () => {
    const authCode = FRAME_CODES.auth;
    const helloCode = FRAME_CODES.hello;
    const cases: Array<{ name: string; tap: (f: Uint8Array) => Uint8Array; reason: RefusalReason }> = [
      // auth = type | fp | fp | mac(32) | sig(64): the MAC ends 64 bytes before the end.
      { name: 'mac', tap: (f) => (f[0] === authCode ? flip(f, f.length - 70) : f), reason: 'wrong-vault-secret' },
      { name: 'signature', tap: (f) => (f[0] === authCode ? flip(f, f.length - 5) : f), reason: 'bad-signature' },
      { name: 'nonce', tap: (f) => (f[0] === helloCode ? flip(f, f.length - 3) : f), reason: 'wrong-vault-secret' },
      { name: 'fingerprint', tap: (f) => (f[0] === authCode ? flip(f, 5) : f), reason: 'wrong-vault-secret' },
    ];
    for (const c of cases) {
      const { a, b, ra, rb } = await pairWithData();
      const pair = createMemoryPair({ tap: (f, dir) => (dir === 'a->b' ? c.tap(f) : f) });
      a.engine.connect(pair.a);
      b.engine.connect(pair.b);
      await waitFor(() => rb.length > 0 && ra.length > 0, `refusal (${c.name})`);
      expect(rb.find((r) => r.by === 'local')?.reason, c.name).toBe(c.reason);
      await waitFor(() => pair.b.closed, 'closed');
      expect(b.ops.all(), c.name).toHaveLength(0);
      await closeAll(nodes);
    }
  });

  it('refuses itself, a peer id other than the expected one, and a silent peer', async () => {
    const a = makeNode('alice', { config: { handshakeTimeoutMs: 200 } });
    nodes = [a];
    const ra = refusals(a);
    const self = new RawPeer(a, 'raw1');
    self.hello({ peerId: a.peerId });
    await waitFor(() => ra.some((r) => r.reason === 'self'), 'self');

    const pair = createMemoryPair();
    a.engine.connect(pair.a, { expectedPeer: 'someone-else-0000' as never });
    const other = makeNode('bob', { dir: a.dir });
    nodes.push(other);
    other.engine.connect(pair.b);
    await waitFor(() => ra.some((r) => r.reason === 'peer-id-mismatch'), 'peer-id-mismatch');

    const silent = new RawPeer(a, 'raw2');
    await waitFor(() => ra.some((r) => r.reason === 'timeout'), 'timeout');
    await waitFor(() => silent.pair.b.closed, 'closed');
  });

  it('gives a peer that fails the handshake no op and no object, whatever it asks', async () => {
    const { a } = await pairWithData();
    const raw = new RawPeer(a, 'intruder');
    raw.hello();
    await raw.auth({ key: deriveKey('guess') });
    // Ask for everything at once, without waiting for an answer.
    raw.send({ type: 'op-vector', entries: [], last: true });
    raw.send({ type: 'inv-since', inventoryId: '', since: 0, digestOnly: false });
    raw.send({ type: 'obj-want', hash: [...a.objects.objects.keys()][0]!, offset: 0 });
    await waitFor(() => raw.pair.b.closed, 'closed');
    expect(new Set(raw.types())).toEqual(new Set(['hello', 'auth', 'refuse']));
    expect(raw.got.find((f) => f.type === 'refuse')).toMatchObject({ reason: 'wrong-vault-secret' });
  });

  it('gives nothing before the handshake completes, even to a peer with the right key', async () => {
    const { a } = await pairWithData();
    const raw = new RawPeer(a, 'early');
    a.dir.known.add(raw.crypto.publicKeyB64);
    raw.hello();
    raw.send({ type: 'inv-since', inventoryId: '', since: 0, digestOnly: false });
    raw.send({ type: 'op-vector', entries: [], last: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(raw.types().filter((t) => !['hello', 'auth'].includes(t))).toEqual([]);
    expect(raw.session.abuseMeter.counts.unexpected).toBe(2);
    // Completing the handshake afterwards works, and only then does data flow.
    await raw.auth({ key: VAULT_KEY });
    raw.send({ type: 'accept' });
    await waitFor(() => raw.types().includes('op-vector'), 'data after the handshake');
  });
});

function flip(f: Uint8Array, i: number): Uint8Array {
  const out = f.slice();
  out[i]! ^= 0x01;
  return out;
}
