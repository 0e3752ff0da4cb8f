import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeBundle, encodeFrame, splitMessage } from '../frame-codec.ts';
import { BUNDLE_CODE, FRAME_CODES } from '../frames.ts';
import { MAX_FRAME_BYTES } from '../limits.ts';
import { Rng } from './rng.ts';
import { randomHash as hash, sampleFrames } from './sample-frames.ts';

describe('frame codec', () => {
  it('round-trips every frame type', () => {
    const frames = sampleFrames();
    expect(new Set(frames.map((f) => f.type))).toEqual(new Set(Object.keys(FRAME_CODES)));
    for (const f of frames) {
      const d = decodeFrame(encodeFrame(f));
      expect(d.ok, f.type).toBe(true);
      if (d.ok) expect(d.frame).toEqual(f);
    }
  });

  it('refuses to encode a frame over the limit, and decodes a full-size data frame', () => {
    const h = hash();
    const big = { type: 'obj-data', hash: h, offset: 0, total: MAX_FRAME_BYTES, bytes: new Uint8Array(MAX_FRAME_BYTES) } as const;
    expect(() => encodeFrame(big)).toThrow(RangeError);
    const ok = { ...big, bytes: new Uint8Array(MAX_FRAME_BYTES - 128) };
    expect(decodeFrame(encodeFrame(ok)).ok).toBe(true);
  });

  it('writes a data frame into a buffer of its exact size, and decodes its data as a view of the frame', () => {
    // Data frames are most of the bytes replication moves: no regrowth, no final copy, no copy out.
    for (const [offset, total, len] of [[0, 300, 300], [262_000, 1_048_594, 200_000], [2 ** 40, 2 ** 41, 1]] as const) {
      const f = { type: 'obj-data', hash: hash(), offset, total, bytes: new Uint8Array(len).fill(7) } as const;
      const out = encodeFrame(f);
      expect(out.buffer.byteLength).toBe(out.length);
      const d = decodeFrame(out);
      expect(d.ok && d.frame.type === 'obj-data' && d.frame.bytes.buffer === out.buffer).toBe(true);
      if (d.ok) expect(d.frame).toEqual(f);
    }
  });

  it('names what is wrong: empty, oversized, unknown type, malformed, trailing bytes', () => {
    expect(decodeFrame(new Uint8Array(0))).toMatchObject({ ok: false, error: 'empty' });
    expect(decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1))).toMatchObject({ ok: false, error: 'oversized' });
    expect(decodeFrame(new Uint8Array([200]))).toMatchObject({ ok: false, error: 'unknown-type' });
    expect(decodeFrame(new Uint8Array([FRAME_CODES.hello, 0]))).toMatchObject({ ok: false, error: 'malformed' });
    const ack = encodeFrame({ type: 'obj-ack', hash: hash() });
    expect(decodeFrame(new Uint8Array([...ack, 0]))).toMatchObject({ ok: false, error: 'malformed' });
    // A data range that runs past the object's end.
    const bad = encodeFrame({ type: 'obj-data', hash: hash(), offset: 0, total: 5, bytes: new Uint8Array(5) });
    bad[bad.length - 7] = 4; // total := 4 (layout: … total, length, 5 bytes)
    expect(decodeFrame(bad)).toMatchObject({ ok: false, error: 'malformed' });
  });

  it('bundles frames into one message and splits them back, each frame with a buffer of its own', () => {
    const frames = sampleFrames().filter((f) => f.type !== 'hello').slice(0, 12).map(encodeFrame);
    const bundle = encodeBundle(frames);
    expect(bundle[0]).toBe(BUNDLE_CODE);
    const split = splitMessage(bundle);
    expect(split.ok).toBe(true);
    if (!split.ok) return;
    expect(split.frames).toEqual(frames);
    // An object's bytes may be handed to a worker (its buffer detached): no frame shares a buffer.
    expect(new Set(split.frames.map((f) => f.buffer)).size).toBe(frames.length);
    for (const f of split.frames) expect(f.buffer).not.toBe(bundle.buffer);
    // A message that is not a bundle is its own one frame, as it is.
    const one = frames[0]!;
    expect(splitMessage(one)).toEqual({ ok: true, frames: [one] });
  });

  it('refuses a bundle that is empty, nested, cut, or holds an empty frame, and one over the limit', () => {
    const ack = encodeFrame({ type: 'obj-ack', hash: hash() });
    expect(splitMessage(new Uint8Array([BUNDLE_CODE]))).toMatchObject({ ok: false, error: 'malformed' });
    expect(splitMessage(encodeBundle([ack, encodeBundle([ack, ack])]))).toMatchObject({ ok: false, error: 'malformed' });
    expect(splitMessage(encodeBundle([ack, ack]).subarray(0, 40))).toMatchObject({ ok: false, error: 'malformed' });
    expect(splitMessage(new Uint8Array([BUNDLE_CODE, 0]))).toMatchObject({ ok: false, error: 'malformed' });
    expect(splitMessage(new Uint8Array(MAX_FRAME_BYTES + 1).fill(BUNDLE_CODE, 0, 1))).toMatchObject({ ok: false, error: 'oversized' });
    expect(() => encodeBundle([new Uint8Array(MAX_FRAME_BYTES - 100), new Uint8Array(200)])).toThrow(RangeError);
  });

  it('fuzz: random bytes and mutated valid frames never throw', () => {
    const fz = new Rng(20240601);
    const valid = sampleFrames().map(encodeFrame);
    let rejected = 0;
    let accepted = 0;
    for (let i = 0; i < 30_000; i++) {
      let input: Uint8Array;
      const mode = fz.int(4);
      if (mode === 0) {
        input = fz.bytes(1 + fz.int(300));
        if (fz.int(2) === 0) input[0] = fz.pick(Object.values(FRAME_CODES)); // a known type with garbage after
      } else {
        input = fz.pick(valid).slice();
        if (mode === 1) for (let k = 0; k < 1 + fz.int(4); k++) input[fz.int(input.length)] = fz.int(256);
        else if (mode === 2) input = input.subarray(0, fz.int(input.length));
        else input = new Uint8Array([...input, ...fz.bytes(1 + fz.int(8))]);
      }
      const d = decodeFrame(input);
      if (d.ok) accepted++;
      else rejected++;
      // The same bytes as a bundle's content: splitting never throws either.
      const split = splitMessage(new Uint8Array([BUNDLE_CODE, ...input]));
      if (split.ok) for (const f of split.frames) decodeFrame(f);
    }
    expect(rejected).toBeGreaterThan(10_000);
    expect(accepted).toBeGreaterThan(100); // mutations inside payload bytes stay valid frames
  });
});
