/**
 * Acceptance suite for PeerTransport implementations, framework-agnostic: a list of
 * {name, run} cases that throw on failure. Vitest runs it against the memory pair
 * (memory-transport.test.ts); the browser suite runs it against WebRTC in Chromium.
 * `makePair` must return a freshly connected pair (both sides open).
 */
import { isTransportError } from '../core/errors.ts';
import { MAX_FRAME_BYTES, isTransportKind, type PeerTransport, type TransportPair } from './peer-transport.ts';

export interface TransportTestCase {
  name: string;
  run: () => Promise<void>;
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`transport acceptance: ${what}`);
}

/** Deterministic filler so a corrupted or reordered frame is detected byte by byte. */
function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function collect(t: PeerTransport): Uint8Array[] {
  const got: Uint8Array[] = [];
  t.onMessage((f) => got.push(f));
  return got;
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`transport acceptance: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends with back-pressure, as replication does. */
async function sendAll(t: PeerTransport, frames: Uint8Array[]): Promise<void> {
  for (const f of frames) {
    if (t.bufferedAmount > t.highWaterMark) await t.waitDrain();
    t.send(f);
  }
}

async function withPair(makePair: () => Promise<TransportPair>, fn: (p: TransportPair) => Promise<void>): Promise<void> {
  const p = await makePair();
  try {
    await fn(p);
  } finally {
    await p.dispose();
  }
}

export function runTransportTests(makePair: () => Promise<TransportPair>): TransportTestCase[] {
  return [
    {
      name: 'reports a kind and consistent fingerprints',
      run: () => withPair(makePair, async ({ a, b }) => {
        check(isTransportKind(a.kind) && a.kind === b.kind, 'kind');
        check(a.localFingerprint.length > 0 && a.remoteFingerprint.length > 0, 'fingerprints present');
        check(a.localFingerprint === b.remoteFingerprint && a.remoteFingerprint === b.localFingerprint, 'fingerprints match');
      }),
    },
    {
      name: 'delivers frames in order, in both directions',
      run: () => withPair(makePair, async ({ a, b }) => {
        const atB = collect(b);
        const atA = collect(a);
        const n = 300;
        const frames = Array.from({ length: n }, (_, i) => pattern(1 + ((i * 7919) % 4000), i));
        await Promise.all([sendAll(a, frames), sendAll(b, frames.slice(0, 50))]);
        await until(() => atB.length === n && atA.length === 50, 'all frames');
        for (let i = 0; i < n; i++) check(sameBytes(atB[i]!, frames[i]!), `frame ${i} a->b intact and in order`);
        for (let i = 0; i < 50; i++) check(sameBytes(atA[i]!, frames[i]!), `frame ${i} b->a intact and in order`);
      }),
    },
    {
      name: 'carries frames up to 256 KiB intact and refuses larger ones',
      run: () => withPair(makePair, async ({ a, b }) => {
        const got = collect(b);
        const sizes = [1, 2, 1000, 16 * 1024, 64 * 1024, 200_000, MAX_FRAME_BYTES - 1, MAX_FRAME_BYTES];
        const frames = sizes.map((s, i) => pattern(s, 100 + i));
        await sendAll(a, frames);
        await until(() => got.length === frames.length, 'large frames');
        frames.forEach((f, i) => check(sameBytes(got[i]!, f), `frame of ${f.length} bytes intact`));
        let threw: unknown;
        try {
          a.send(new Uint8Array(MAX_FRAME_BYTES + 1));
        } catch (e) {
          threw = e;
        }
        check(threw instanceof RangeError, 'oversized frame refused with RangeError');
        check(!a.closed, 'refusing a frame does not close the transport');
      }),
    },
    {
      name: 'exposes back-pressure and drains',
      run: () => withPair(makePair, async ({ a, b }) => {
        const got = collect(b);
        const frame = pattern(MAX_FRAME_BYTES, 7);
        const count = Math.ceil((a.highWaterMark * 2) / frame.length) + 2;
        let maxBuffered = 0;
        for (let i = 0; i < count; i++) {
          a.send(frame);
          maxBuffered = Math.max(maxBuffered, a.bufferedAmount);
        }
        check(maxBuffered > a.highWaterMark, 'bufferedAmount rises above the high-water mark');
        await a.waitDrain();
        check(a.bufferedAmount <= a.highWaterMark / 2, 'waitDrain resolves at the low-water mark');
        await until(() => got.length === count, 'buffered frames delivered');
        check(got.every((f) => sameBytes(f, frame)), 'buffered frames intact');
      }),
    },
    {
      name: 'close is seen by both sides',
      run: () => withPair(makePair, async ({ a, b }) => {
        const seen: string[] = [];
        a.onClose((i) => seen.push(`a:${i.remote ? 'remote' : 'local'}`));
        b.onClose((i) => seen.push(`b:${i.remote ? 'remote' : 'local'}`));
        a.close('test done');
        await until(() => seen.length === 2, 'both close events');
        check(seen.includes('a:local') && seen.includes('b:remote'), `close sides: ${seen.join(',')}`);
        check(a.closed && b.closed, 'closed flags');
        let late = false;
        a.onClose(() => { late = true; });
        await until(() => late, 'late onClose listener called');
      }),
    },
    {
      name: 'nothing is delivered after close, and send then fails cleanly',
      run: () => withPair(makePair, async ({ a, b }) => {
        const atA = collect(a);
        let bClosed = false;
        b.onClose(() => { bClosed = true; });
        a.close('bye');
        const countAtClose = atA.length;
        try {
          b.send(pattern(100, 1)); // may succeed if b has not yet heard of the close
        } catch (e) {
          check(isTransportError(e), 'send after close throws TransportError');
        }
        await until(() => bClosed, 'b sees close');
        let threw: unknown;
        try {
          b.send(pattern(100, 2));
        } catch (e) {
          threw = e;
        }
        check(isTransportError(threw), 'send on a closed transport throws TransportError');
        await new Promise((r) => setTimeout(r, 50));
        check(atA.length === countAtClose, 'no frame delivered to a closed side');
        let drainErr: unknown;
        await b.waitDrain().catch((e: unknown) => { drainErr = e; });
        check(isTransportError(drainErr), 'waitDrain on a closed transport rejects');
      }),
    },
  ];
}
