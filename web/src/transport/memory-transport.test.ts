import { describe, expect, it } from 'vitest';
import { createMemoryPair } from './memory-transport.ts';
import { runTransportTests } from './peer-transport.acceptance.ts';

describe('memory transport: acceptance suite', () => {
  for (const c of runTransportTests(async () => createMemoryPair())) it(c.name, c.run);
});

describe('memory transport: with latency', () => {
  for (const c of runTransportTests(async () => createMemoryPair({ latencyMs: 2 }))) it(c.name, c.run);
});

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
};

describe('memory transport: test knobs', () => {
  it('delivers asynchronously, never from inside send', () => {
    const { a, b } = createMemoryPair();
    const got: Uint8Array[] = [];
    b.onMessage((f) => got.push(f));
    a.send(new Uint8Array([1]));
    expect(got).toHaveLength(0);
  });

  it('queues frames that arrive before a listener', async () => {
    const { a, b } = createMemoryPair();
    a.send(new Uint8Array([1]));
    a.send(new Uint8Array([2]));
    await new Promise((r) => setTimeout(r, 10));
    const got: number[] = [];
    b.onMessage((f) => got.push(f[0]!));
    await until(() => got.length === 2);
    expect(got).toEqual([1, 2]);
  });

  it('cutAt delivers exactly the frames inside the offset, then closes both sides', async () => {
    const pair = createMemoryPair();
    const got: number[] = [];
    pair.b.onMessage((f) => got.push(f[0]!));
    const reasons: string[] = [];
    pair.a.onClose((i) => reasons.push(i.reason));
    pair.b.onClose((i) => reasons.push(i.reason));
    pair.cutAt(250, 'a->b');
    for (let i = 0; i < 10; i++) pair.a.send(new Uint8Array(100).fill(i));
    await until(() => reasons.length === 2);
    expect(got).toEqual([0, 1]);
    expect(reasons).toEqual(['cut', 'cut']);
    expect(() => pair.a.send(new Uint8Array(1))).toThrow();
  });

  it('blackhole drops silently without a close', async () => {
    const pair = createMemoryPair();
    const got: Uint8Array[] = [];
    pair.b.onMessage((f) => got.push(f));
    pair.blackhole();
    pair.a.send(new Uint8Array(10));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(0);
    expect(pair.a.closed || pair.b.closed).toBe(false);
  });

  it('tap can rewrite and drop frames; fingerprints can be made to differ', async () => {
    const pair = createMemoryPair({
      fingerprints: { b: { remote: 'sha-256 MITM' } },
      tap: (f) => (f[0] === 0 ? null : f.map((x) => x ^ 1)),
    });
    expect(pair.b.remoteFingerprint).not.toBe(pair.a.localFingerprint);
    const got: number[] = [];
    pair.b.onMessage((f) => got.push(f[0]!));
    pair.a.send(new Uint8Array([0]));
    pair.a.send(new Uint8Array([4]));
    await until(() => got.length === 1);
    expect(got).toEqual([5]);
  });

  it('counts bytes and frames per direction', async () => {
    const pair = createMemoryPair();
    pair.a.send(new Uint8Array(10));
    pair.b.send(new Uint8Array(3));
    expect(pair.stats.bytes).toEqual({ 'a->b': 10, 'b->a': 3 });
    expect(pair.stats.frames).toEqual({ 'a->b': 1, 'b->a': 1 });
    await pair.dispose();
  });
});
