/**
 * Binary encoding of frames: one type byte, then the fields in order (varints, length-prefixed
 * bytes and UTF-8, fixed 32-byte hashes and keys). decodeFrame never throws on bad input: it
 * returns a reason the session counts (docs/replication.md, "Frames").
 */
import { fromBase64Url, fromHex, toBase64Url, toHex } from '../core/bytes.ts';
import { isProtocolError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import { ByteReader, ByteWriter, varintSize } from './byte-codec.ts';
import {
  BUCKETS, BUNDLE_CODE, FRAME_CODES, NACK_REASONS, REFUSAL_REASONS,
  type Frame, type FrameType, type NackReason, type RefusalReason,
} from './frames.ts';
import {
  MAX_FINGERPRINT_CHARS, MAX_FRAME_BYTES, MAX_LIST, MAX_LOG_ID_CHARS, MAX_OP_CIPHERTEXT_BYTES,
  MAX_CREDENTIAL_BYTES, MAX_PEER_ID_CHARS, MAX_TEXT_CHARS,
} from './limits.ts';
import type { InventoryEntry, OpEnvelope, PeerRole } from './ports.ts';

const TYPE_BY_CODE = new Map<number, FrameType>(
  Object.entries(FRAME_CODES).map(([t, c]) => [c, t as FrameType]),
);
const ROLES: readonly PeerRole[] = ['member', 'relay'];

export type DecodeError = 'empty' | 'oversized' | 'unknown-type' | 'malformed';
export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: DecodeError; detail: string };

const hashOut = (w: ByteWriter, h: ObjectHash): ByteWriter => w.fixed(fromHex(h), 32, 'hash');
const hashIn = (r: ByteReader): ObjectHash => toHex(r.raw(32)) as ObjectHash;
const authorOut = (w: ByteWriter, a: string): ByteWriter => w.fixed(fromBase64Url(a), 32, 'author');
const authorIn = (r: ByteReader): string => toBase64Url(r.raw(32));

function enumIn<T extends string>(r: ByteReader, values: readonly T[], label: string): T {
  const v = values[r.u8()];
  if (v === undefined) throw new RangeError(`${label}: unknown value`);
  return v;
}

export function encodeOp(w: ByteWriter, op: OpEnvelope): void {
  w.str(op.log);
  authorOut(w, op.author);
  w.varint(op.seq).varint(op.lamport).bytes(op.ciphertext).fixed(op.signature, 64, 'signature');
}

function decodeOp(r: ByteReader): OpEnvelope {
  const log = r.str(MAX_LOG_ID_CHARS * 4, 'log');
  const author = authorIn(r);
  const seq = r.varint();
  const lamport = r.varint();
  const ciphertext = r.bytes(MAX_OP_CIPHERTEXT_BYTES, 'ciphertext').slice();
  const signature = r.raw(64).slice();
  if (seq < 1 || log.length === 0 || log.length > MAX_LOG_ID_CHARS) throw new RangeError('bad op header');
  return { log, author, seq, lamport, ciphertext, signature };
}

/** Encodes a frame. Throws (a local bug) if a field is out of range or the frame is too large. */
export function encodeFrame(f: Frame): Uint8Array {
  // Object data is most of the bytes sent: its frame is sized exactly (type, hash, three varints, data).
  const w = new ByteWriter(f.type === 'obj-data' ? 1 + 32 + varintSize(f.offset) + varintSize(f.total) + varintSize(f.bytes.length) + f.bytes.length : 256)
    .u8(FRAME_CODES[f.type]);
  switch (f.type) {
    case 'hello':
      w.u16(f.protocol).str(f.peerId).u8(ROLES.indexOf(f.role)).fixed(f.deviceKey, 32, 'deviceKey').fixed(f.nonce, 32, 'nonce').bytes(f.credential);
      break;
    case 'auth':
      w.str(f.localFingerprint).str(f.remoteFingerprint).fixed(f.mac, 32, 'mac').fixed(f.signature, 64, 'signature');
      break;
    case 'accept':
    case 'op-end':
    case 'inv-buckets-req':
      break;
    case 'refuse':
      w.u8(REFUSAL_REASONS.indexOf(f.reason)).str(f.detail.slice(0, MAX_TEXT_CHARS));
      break;
    case 'ping':
    case 'pong':
      w.varint(f.n);
      break;
    case 'bye':
      w.str(f.reason.slice(0, MAX_TEXT_CHARS));
      break;
    case 'op-vector': {
      // Author keys are 32 bytes and repeat across logs: send each once, then refer by index.
      const authors = [...new Set(f.entries.map((e) => e.author))];
      const index = new Map(authors.map((a, i) => [a, i]));
      w.u8(f.last ? 1 : 0).varint(authors.length);
      for (const a of authors) authorOut(w, a);
      w.varint(f.entries.length);
      for (const e of f.entries) w.str(e.log).varint(index.get(e.author)!).varint(e.seq);
      break;
    }
    case 'op-batch':
      w.varint(f.ops.length);
      for (const op of f.ops) encodeOp(w, op);
      break;
    case 'inv-since':
      w.str(f.inventoryId).varint(f.since).u8(f.digestOnly ? 1 : 0);
      break;
    case 'inv-entries': {
      // seq is delta-coded (usually 1 byte); the gone flag rides in the low bit of the size.
      w.varint(f.entries.length);
      let prev = 0;
      for (const e of f.entries) {
        hashOut(w, e.hash).varint(e.seq - prev).varint(e.size * 2 + (e.gone ? 1 : 0));
        prev = e.seq;
      }
      break;
    }
    case 'inv-end':
      w.str(f.inventoryId).varint(f.head).varint(f.count).fixed(f.xor, 32, 'xor');
      break;
    case 'inv-buckets':
      if (f.buckets.length !== BUCKETS) throw new RangeError('inv-buckets: need 256 buckets');
      w.str(f.inventoryId).varint(f.head);
      for (const b of f.buckets) w.varint(b.count).fixed(b.xor, 16, 'bucket xor');
      break;
    case 'inv-bucket-list-req':
      w.varint(f.buckets.length);
      for (const b of f.buckets) w.u8(b);
      break;
    case 'inv-bucket-list':
      w.u8(f.bucket).u8(f.last ? 1 : 0).varint(f.objects.length);
      for (const o of f.objects) hashOut(w, o.hash).varint(o.size);
      break;
    case 'obj-want':
      hashOut(w, f.hash).varint(f.offset);
      break;
    case 'obj-offer':
      hashOut(w, f.hash).varint(f.size);
      break;
    case 'obj-data':
      hashOut(w, f.hash).varint(f.offset).varint(f.total).bytes(f.bytes);
      break;
    case 'obj-ack':
      hashOut(w, f.hash);
      break;
    case 'obj-nack':
      hashOut(w, f.hash).u8(NACK_REASONS.indexOf(f.reason));
      break;
    case 'obj-challenge':
      hashOut(w, f.hash).fixed(f.nonce, 32, 'nonce');
      break;
    case 'obj-proof':
      hashOut(w, f.hash).fixed(f.nonce, 32, 'nonce').bytes(f.proof);
      break;
  }
  const out = w.finish();
  if (out.length > MAX_FRAME_BYTES) throw new RangeError(`${f.type} frame of ${out.length} bytes exceeds the frame limit`);
  return out;
}

function decodeBody(type: FrameType, r: ByteReader): Frame {
  switch (type) {
    case 'hello': {
      const protocol = r.u16();
      const peerId = r.str(MAX_PEER_ID_CHARS, 'peerId');
      const role = enumIn(r, ROLES, 'role');
      const deviceKey = r.raw(32).slice();
      const nonce = r.raw(32).slice();
      return { type, protocol, peerId, role, deviceKey, nonce, credential: r.bytes(MAX_CREDENTIAL_BYTES, 'credential').slice() };
    }
    case 'auth':
      return {
        type,
        localFingerprint: r.str(MAX_FINGERPRINT_CHARS, 'fingerprint'),
        remoteFingerprint: r.str(MAX_FINGERPRINT_CHARS, 'fingerprint'),
        mac: r.raw(32).slice(),
        signature: r.raw(64).slice(),
      };
    case 'accept':
    case 'op-end':
    case 'inv-buckets-req':
      return { type };
    case 'refuse':
      return { type, reason: enumIn<RefusalReason>(r, REFUSAL_REASONS, 'reason'), detail: r.str(MAX_TEXT_CHARS * 4, 'detail') };
    case 'ping':
    case 'pong':
      return { type, n: r.varint() };
    case 'bye':
      return { type, reason: r.str(MAX_TEXT_CHARS * 4, 'reason') };
    case 'op-vector': {
      const last = r.bool();
      const authors = Array.from({ length: r.count(MAX_LIST, 'authors') }, () => authorIn(r));
      const entries = Array.from({ length: r.count(MAX_LIST, 'vector') }, () => {
        const log = r.str(MAX_LOG_ID_CHARS * 4, 'log');
        const author = authors[r.varint()];
        if (author === undefined) throw new RangeError('op-vector: bad author index');
        return { log, author, seq: r.varint() };
      });
      return { type, entries, last };
    }
    case 'op-batch':
      return { type, ops: Array.from({ length: r.count(MAX_LIST, 'ops') }, () => decodeOp(r)) };
    case 'inv-since':
      return { type, inventoryId: r.str(MAX_TEXT_CHARS, 'inventoryId'), since: r.varint(), digestOnly: r.bool() };
    case 'inv-entries': {
      let prev = 0;
      const entries = Array.from({ length: r.count(MAX_LIST, 'entries') }, (): InventoryEntry => {
        const hash = hashIn(r);
        const delta = r.varint();
        const sizeAndFlag = r.varint();
        if (delta < 1) throw new RangeError('inv-entries: seq not increasing');
        prev += delta;
        if (!Number.isSafeInteger(prev)) throw new RangeError('inv-entries: seq out of range');
        return { seq: prev, hash, size: Math.floor(sizeAndFlag / 2), gone: sizeAndFlag % 2 === 1 };
      });
      return { type, entries };
    }
    case 'inv-end':
      return { type, inventoryId: r.str(MAX_TEXT_CHARS, 'inventoryId'), head: r.varint(), count: r.varint(), xor: r.raw(32).slice() };
    case 'inv-buckets': {
      const inventoryId = r.str(MAX_TEXT_CHARS, 'inventoryId');
      const head = r.varint();
      const buckets = Array.from({ length: BUCKETS }, () => ({ count: r.varint(), xor: r.raw(16).slice() }));
      return { type, inventoryId, head, buckets };
    }
    case 'inv-bucket-list-req':
      return { type, buckets: Array.from({ length: r.count(BUCKETS, 'buckets') }, () => r.u8()) };
    case 'inv-bucket-list': {
      const bucket = r.u8();
      const last = r.bool();
      const objects = Array.from({ length: r.count(MAX_LIST, 'objects') }, () => ({ hash: hashIn(r), size: r.varint() }));
      if (objects.some((o) => parseInt(o.hash.slice(0, 2), 16) !== bucket)) throw new RangeError('inv-bucket-list: hash outside bucket');
      return { type, bucket, last, objects };
    }
    case 'obj-want':
      return { type, hash: hashIn(r), offset: r.varint() };
    case 'obj-offer':
      return { type, hash: hashIn(r), size: r.varint() };
    case 'obj-data': {
      const hash = hashIn(r);
      const offset = r.varint();
      const total = r.varint();
      // A view, not a copy: the frame's buffer is its own (one per message), and the receiver
      // copies ranges into the object it assembles, or keeps a one-frame object as it is.
      const bytes = r.bytes(MAX_FRAME_BYTES, 'data');
      if (bytes.length === 0 || offset + bytes.length > total) throw new RangeError('obj-data: range outside object');
      return { type, hash, offset, total, bytes };
    }
    case 'obj-ack':
      return { type, hash: hashIn(r) };
    case 'obj-nack':
      return { type, hash: hashIn(r), reason: enumIn<NackReason>(r, NACK_REASONS, 'nack reason') };
    case 'obj-challenge':
      return { type, hash: hashIn(r), nonce: r.raw(32).slice() };
    case 'obj-proof': {
      const hash = hashIn(r);
      const nonce = r.raw(32).slice();
      const proof = r.bytes(32, 'proof').slice();
      if (proof.length !== 0 && proof.length !== 32) throw new RangeError('obj-proof: proof is 0 or 32 bytes');
      return { type, hash, nonce, proof };
    }
  }
}

/** Decodes one frame from a peer. Never throws for bad input; the reason says what was wrong. */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) return { ok: false, error: 'empty', detail: 'empty frame' };
  if (bytes.length > MAX_FRAME_BYTES) return { ok: false, error: 'oversized', detail: `${bytes.length} bytes` };
  const type = TYPE_BY_CODE.get(bytes[0]!);
  if (!type) return { ok: false, error: 'unknown-type', detail: `type ${bytes[0]}` };
  const r = new ByteReader(bytes.subarray(1));
  try {
    const frame = decodeBody(type, r);
    r.end();
    return { ok: true, frame };
  } catch (e) {
    // Field checks above throw ProtocolError (reader) or RangeError (values): both mean "malformed".
    if (isProtocolError(e) || e instanceof RangeError) {
      return { ok: false, error: 'malformed', detail: `${type}: ${(e as Error).message}` };
    }
    throw e; // anything else is a bug in this file; the fuzz test exists to find it
  }
}

/** Packs whole encoded frames (none of them a bundle) into one message. */
export function encodeBundle(frames: readonly Uint8Array[]): Uint8Array {
  let size = 1;
  for (const f of frames) size += varintSize(f.length) + f.length;
  const w = new ByteWriter(size).u8(BUNDLE_CODE);
  for (const f of frames) w.bytes(f);
  const out = w.finish();
  if (out.length > MAX_FRAME_BYTES) throw new RangeError(`a bundle of ${out.length} bytes exceeds the frame limit`);
  return out;
}

export type SplitResult = { ok: true; frames: Uint8Array[] } | { ok: false; error: DecodeError; detail: string };

/**
 * The frames of one message: itself, or the frames a bundle carries. Each frame of a bundle is
 * a copy with a buffer of its own (a receiver may hand an object's bytes to a worker, which
 * detaches their buffer). Never throws; a bundle that is empty, nested or cut is malformed.
 */
export function splitMessage(bytes: Uint8Array): SplitResult {
  if (!(bytes instanceof Uint8Array) || bytes[0] !== BUNDLE_CODE) return { ok: true, frames: [bytes] };
  if (bytes.length > MAX_FRAME_BYTES) return { ok: false, error: 'oversized', detail: `${bytes.length} bytes` };
  const r = new ByteReader(bytes.subarray(1));
  const frames: Uint8Array[] = [];
  try {
    while (r.remaining > 0) {
      const f = r.bytes(MAX_FRAME_BYTES, 'bundled frame');
      if (f.length === 0 || f[0] === BUNDLE_CODE) throw new RangeError('bundle: empty or nested frame');
      frames.push(f.slice());
    }
  } catch (e) {
    if (isProtocolError(e) || e instanceof RangeError) return { ok: false, error: 'malformed', detail: `bundle: ${(e as Error).message}` };
    throw e;
  }
  if (frames.length === 0) return { ok: false, error: 'malformed', detail: 'bundle: no frames' };
  return { ok: true, frames };
}
