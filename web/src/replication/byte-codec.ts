/**
 * Bounds-checked binary writer/reader for frames. Every read checks the remaining length and
 * throws ProtocolError, which frame-codec.ts turns into a counted, dropped frame.
 */
import { ProtocolError } from '../core/errors.ts';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Bytes of `n` as an unsigned LEB128 varint. */
export function varintSize(n: number): number {
  let size = 1;
  for (; n >= 0x80; size++) n = Math.floor(n / 0x80);
  return size;
}

export class ByteWriter {
  #buf: Uint8Array<ArrayBuffer>;
  #len = 0;

  /** `capacity`: the frame's size where known, so it is written with no regrowth and no final copy. */
  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  get length(): number {
    return this.#len;
  }

  u8(n: number): this {
    this.#room(1);
    this.#buf[this.#len++] = n & 0xff;
    return this;
  }

  u16(n: number): this {
    return this.u8(n >>> 8).u8(n);
  }

  /** Unsigned LEB128 for safe integers (≤ 2^53 − 1). */
  varint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint: ${n} is not a safe non-negative integer`);
    while (n >= 0x80) {
      this.u8((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    return this.u8(n);
  }

  raw(b: Uint8Array): this {
    this.#room(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  /** Fixed-length bytes: asserts the length so a bug cannot put a short key on the wire. */
  fixed(b: Uint8Array, length: number, label: string): this {
    if (b.length !== length) throw new RangeError(`${label}: expected ${length} bytes, got ${b.length}`);
    return this.raw(b);
  }

  bytes(b: Uint8Array): this {
    return this.varint(b.length).raw(b);
  }

  str(s: string): this {
    return this.bytes(enc.encode(s));
  }

  /** The bytes written: the buffer itself when it is exactly full, else a copy of its start. */
  finish(): Uint8Array {
    return this.#len === this.#buf.length ? this.#buf : this.#buf.slice(0, this.#len);
  }
}

export class ByteReader {
  #b: Uint8Array;
  #pos = 0;

  constructor(b: Uint8Array) {
    this.#b = b;
  }

  get remaining(): number {
    return this.#b.length - this.#pos;
  }

  u8(): number {
    if (this.#pos >= this.#b.length) throw new ProtocolError('frame truncated');
    return this.#b[this.#pos++]!;
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  varint(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      n += (byte & 0x7f) * mul;
      if (!Number.isSafeInteger(n)) throw new ProtocolError('varint out of range');
      if ((byte & 0x80) === 0) return n;
      mul *= 0x80;
    }
    throw new ProtocolError('varint too long');
  }

  /** A varint that must be ≤ max (counts, lengths): refuses before allocating anything. */
  count(max: number, label: string): number {
    const n = this.varint();
    if (n > max) throw new ProtocolError(`${label}: ${n} > ${max}`);
    return n;
  }

  raw(n: number): Uint8Array {
    if (n > this.remaining) throw new ProtocolError('frame truncated');
    const out = this.#b.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  bytes(max: number, label: string): Uint8Array {
    return this.raw(this.count(max, label));
  }

  str(max: number, label: string): string {
    const b = this.bytes(max, label);
    try {
      return dec.decode(b);
    } catch (e) {
      throw new ProtocolError(`${label}: not UTF-8`, { cause: e });
    }
  }

  bool(): boolean {
    const v = this.u8();
    if (v > 1) throw new ProtocolError('bad boolean');
    return v === 1;
  }

  /** Trailing bytes mean the sender and we disagree on the format: refuse the frame. */
  end(): void {
    if (this.remaining !== 0) throw new ProtocolError('trailing bytes in frame');
  }
}
