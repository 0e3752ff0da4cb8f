/**
 * The outbox under a slow object read: the stream whose object is still being read holds up
 * neither control frames nor the streams queued behind it, and each stream's frames stay in order.
 */
import { describe, expect, it } from 'vitest';
import type { ObjectHash } from '../../core/ids.ts';
import { createMemoryPair } from '../../transport/memory-transport.ts';
import { decodeFrame, splitMessage } from '../frame-codec.ts';
import type { Frame } from '../frames.ts';
import { Outbox } from '../outbox.ts';
import { waitFor } from './harness.ts';

const quiet = { info() {}, warn() {} };
/** A well-formed hash made of one hex digit. */
const hash = (c: string) => c.repeat(64) as ObjectHash;

/** The frames of one message (a bundle's, or the message itself). */
function framesOf(message: Uint8Array): Frame[] {
  const split = splitMessage(message);
  if (!split.ok) throw new Error(split.detail);
  return split.frames.map((bytes) => {
    const r = decodeFrame(bytes);
    if (!r.ok) throw new Error(r.detail);
    return r.frame;
  });
}

function receiver() {
  const pair = createMemoryPair();
  const got: string[] = [];
  const messages: number[] = [];
  pair.b.onMessage((message) => {
    const frames = framesOf(message);
    messages.push(frames.length);
    for (const f of frames) got.push(f.type === 'obj-data' ? `data:${f.hash[0]}@${f.offset}` : f.type === 'ping' ? `ping:${f.n}` : f.type);
  });
  return { outbox: new Outbox(pair.a, quiet), got, messages };
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

  it('sends small frames queued together as one bundle, in order, and an object range alone', async () => {
    const { outbox, got, messages } = receiver();
    for (let n = 1; n <= 20; n++) outbox.control(() => outbox.send({ type: 'ping', n }));
    outbox.control(() => outbox.send({ type: 'obj-data', hash: hash('b'), offset: 0, total: 100_000, bytes: new Uint8Array(100_000) }));
    outbox.control(() => outbox.send({ type: 'obj-ack', hash: hash('c') }));
    await outbox.idle();
    await waitFor(() => got.length === 22, 'every frame');
    expect(got).toEqual([...Array.from({ length: 20 }, (_, i) => `ping:${i + 1}`), 'data:b@0', 'obj-ack']);
    // The twenty pings in one message; the large range alone; the ack after it alone.
    expect(messages).toEqual([20, 1, 1]);
    expect(outbox.sentFrames.ping).toBe(20);
    expect(outbox.sentBytes.bundle).toBeGreaterThan(0);
  });

  it('does not hold a small frame while a task waits: it goes out on a timer', async () => {
    const { outbox, got } = receiver();
    let release!: () => void;
    outbox.control(async () => {
      await outbox.send({ type: 'obj-ack', hash: hash('d') });
      await new Promise<void>((r) => (release = r)); // e.g. a slow read before the next frame
    });
    await waitFor(() => got.length === 1, 'the ack, while its task still waits');
    release();
    await outbox.idle();
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
    pair.b.onMessage((message) => got.push(...framesOf(message)));
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
