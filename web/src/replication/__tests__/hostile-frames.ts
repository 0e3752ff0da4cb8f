/**
 * Frames an attacker can make without any key: random bytes, valid frames mutated so they no
 * longer decode, and fields past their limits in frames that fit the transport. Each one must be
 * refused at decode (docs/operations.md "Fault rounds"). Used by the fault tests in Node and by
 * the hostile peer page in the browser suite (e2e/harness/hostile.ts).
 */
import { ByteWriter } from '../byte-codec.ts';
import { decodeFrame, encodeFrame } from '../frame-codec.ts';
import { FRAME_CODES, PROTOCOL_VERSION } from '../frames.ts';
import { MAX_LIST, MAX_OP_CIPHERTEXT_BYTES } from '../limits.ts';
import type { Rng } from './rng.ts';
import { sampleFrames } from './sample-frames.ts';

export interface HostileFrames {
  /** Random bytes that do not decode (a draw that happens to decode is drawn again). */
  garbage(): Uint8Array;
  /** A valid frame with flipped bytes, cut short, an inflated length or trailing bytes, that does not decode. */
  mutated(): Uint8Array;
  /** A field past its limit (peer id, op ciphertext, list count, proof length, data range, bucket). */
  pastLimits(): Uint8Array;
}

export function hostileFrames(rng: Rng): HostileFrames {
  // Valid frames to mutate (not those that end a session on purpose).
  const templates = sampleFrames().filter((f) => !['bye', 'refuse', 'hello', 'auth', 'accept'].includes(f.type)).map(encodeFrame);
  const garbage = (): Uint8Array => {
    for (;;) {
      const b = rng.bytes(1 + rng.int(rng.int(10) === 0 ? 4000 : 200));
      if (!decodeFrame(b).ok) return b;
    }
  };
  const mutated = (): Uint8Array => {
    for (let tries = 0; tries < 50; tries++) {
      let b = rng.pick(templates).slice();
      switch (rng.int(4)) {
        case 0: for (let k = 0; k < 1 + rng.int(3); k++) b[1 + rng.int(b.length - 1)] = rng.int(256); break;
        case 1: b = b.subarray(0, 1 + rng.int(b.length - 1)); break;
        case 2: { const x = new Uint8Array(b.length + 1 + rng.int(8)); x.set(b); x.set(rng.bytes(x.length - b.length), b.length); b = x; break; }
        default: if (b.length > 2) b[1 + rng.int(Math.min(4, b.length - 1))] = 0xff; break; // a length or count far too large
      }
      if (!decodeFrame(b).ok) return b;
    }
    return garbage();
  };
  const pastLimits = (): Uint8Array => {
    const w = new ByteWriter();
    switch (rng.int(6)) {
      case 0: // a peer id of 65 characters
        w.u8(FRAME_CODES.hello).u16(PROTOCOL_VERSION).str('p'.repeat(65)).u8(0).fixed(rng.bytes(32), 32, 'k').fixed(rng.bytes(32), 32, 'n').bytes(new Uint8Array(0));
        break;
      case 1: // an op whose ciphertext is 1 byte over 64 KiB
        w.u8(FRAME_CODES['op-batch']).varint(1).str('album-x').fixed(rng.bytes(32), 32, 'a').varint(1).varint(1)
          .bytes(rng.bytes(MAX_OP_CIPHERTEXT_BYTES + 1)).fixed(rng.bytes(64), 64, 's');
        break;
      case 2: // a list count over MAX_LIST
        w.u8(FRAME_CODES['inv-entries']).varint(MAX_LIST + 1 + rng.int(1000));
        break;
      case 3: // a proof of 33 bytes
        w.u8(FRAME_CODES['obj-proof']).fixed(rng.bytes(32), 32, 'h').fixed(rng.bytes(32), 32, 'n').bytes(rng.bytes(33));
        break;
      case 4: // object data reaching past its total
        w.u8(FRAME_CODES['obj-data']).fixed(rng.bytes(32), 32, 'h').varint(100).varint(120).bytes(rng.bytes(50));
        break;
      default: // a bucket listing naming a hash outside its bucket
        w.u8(FRAME_CODES['inv-bucket-list']).u8(0).u8(1).varint(1).fixed(new Uint8Array(32).fill(0xaa), 32, 'h').varint(10);
        break;
    }
    const b = w.finish();
    if (decodeFrame(b).ok) throw new Error('a past-limits frame decoded');
    return b;
  };
  return { garbage, mutated, pastLimits };
}
