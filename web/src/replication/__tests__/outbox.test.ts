/**
 * The outbox under a slow object read: the stream whose object is still being read holds up
 * neither control frames nor the streams queued behind it, and each stream's frames stay in order.
 */
import { describe, expect, it } from 'vitest';
import type { ObjectHash } from '../../core/ids.ts';
import { createMemoryPair } from '../../transport/memory-transport.ts';
import { decodeFrame } from '../frame-codec.ts';
import type { Frame } from '../frames.ts';
import { Outbox } from '../outbox.ts';
import { waitFor } from './harness.ts';

const quiet = { info() {}, warn() {} };
/** A well-formed hash made of one hex digit. */
const hash = (c: string) => c.repeat(64) as ObjectHash;

function receiver() {
  const pair = createMemoryPair();
  const got: string[] = [];
  pair.b.onMessage((bytes) => {
    const r = decodeFrame(bytes);
    if (!r.ok) throw new Error(r.detail);
    const f = r.frame;
    got.push(f.type === 'obj-data' ? `data:${f.hash[0]}@${f.offset}` : f.type === 'ping' ? `ping:${f.n}` : f.type);
  });
  return { outbox: new Outbox(pair.a, quiet), got };
}

/** An object stream of `parts` frames that waits for `opened` before its first frame. */
async function* stream(c: string, parts: number, opened: Promise<void> = Promise.resolve()): AsyncGenerator<Frame> {
  await opened;
  for (let i = 0; i < parts; i++) yield { type: 'obj-data', hash: hash(c), offset: i, total: parts, bytes: new Uint8Array([i]) };
}

describe('outbox', () => {
  it('sends control frames and later streams while one stream waits for its object', async () => {
    const { outbox, got } = receiver();
    let open!: () => void;
    const slow = new Promise<void>((r) => (open = r));
    outbox.bulk('a', stream('a', 2, slow));
    outbox.bulk('b', stream('b', 3));
    outbox.control(() => outbox.send({ type: 'ping', n: 1 }));
    await waitFor(() => got.length === 4, 'the ping and stream b');
    expect(got).toEqual(['ping:1', 'data:b@0', 'data:b@1', 'data:b@2']);

    open();
    await outbox.idle();
    await waitFor(() => got.length === 6, 'stream a');
    expect(got.slice(4)).toEqual(['data:a@0', 'data:a@1']);
    expect(outbox.bulkCount).toBe(0);
  });

  it('reads ahead only a few streams: queued ones hold no memory until their turn', async () => {
    const { outbox, got } = receiver();
    let started = 0;
    const gates: Array<() => void> = [];
    async function* counted(c: string): AsyncGenerator<Frame> {
      started++;
      await new Promise<void>((r) => gates.push(r));
      yield* stream(c, 1);
    }
    for (const c of '01234567') outbox.bulk(c, counted(c));
    await waitFor(() => started === 4, 'the first four streams start');
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBe(4);
    for (let i = 0; i < 8; i++) {
      await waitFor(() => gates.length > i, `stream ${i} starts`);
      gates[i]!();
    }
    await waitFor(() => got.length === 8, 'every stream');
    expect([...got].sort()).toEqual([...'01234567'].map((c) => `data:${c}@0`));
  });

  it('a stream that throws is dropped with a log line; the others go on', async () => {
    const warnings: string[] = [];
    const pair = createMemoryPair();
    const got: Frame[] = [];
    pair.b.onMessage((bytes) => {
      const r = decodeFrame(bytes);
      if (r.ok) got.push(r.frame);
    });
    const outbox = new Outbox(pair.a, { ...quiet, warn: (m: string) => warnings.push(m) });
    async function* broken(): AsyncGenerator<Frame> {
      throw new Error('disk gone');
    }
    outbox.bulk('d', broken());
    outbox.bulk('e', stream('e', 1));
    await waitFor(() => got.length === 1, 'stream e');
    await outbox.idle();
    expect(warnings).toContain('outbox task failed');
    expect(outbox.bulkCount).toBe(0);
  });
});
