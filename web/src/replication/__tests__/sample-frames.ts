/** Valid examples of every frame type, for codec and fuzz tests. */
import type { ObjectHash } from '../../core/ids.ts';
import { BUCKETS, type Frame } from '../frames.ts';
import { Rng } from './rng.ts';

const rng = new Rng(42);
export const randomHash = (): ObjectHash => [...rng.bytes(32)].map((b) => b.toString(16).padStart(2, '0')).join('') as ObjectHash;
const author = 'A'.repeat(42) + 'E'; // 43 base64url chars = 32 bytes

/** One valid example of every frame type. */
export function sampleFrames(): Frame[] {
  const h = randomHash();
  return [
    { type: 'hello', protocol: 1, peerId: 'peer-abc-0000', role: 'relay', deviceKey: rng.bytes(32), nonce: rng.bytes(32), credential: rng.bytes(96) },
    { type: 'auth', localFingerprint: 'sha-256 AA:BB', remoteFingerprint: 'sha-256 CC:DD', mac: rng.bytes(32), signature: rng.bytes(64) },
    { type: 'accept' },
    { type: 'refuse', reason: 'fingerprint-mismatch', detail: 'x' },
    { type: 'ping', n: 7 },
    { type: 'pong', n: 2 ** 40 },
    { type: 'bye', reason: 'shutting down' },
    { type: 'op-vector', entries: [{ log: 'vault', author, seq: 3 }, { log: 'album-1', author, seq: 1 }], last: true },
    { type: 'op-batch', ops: [{ log: 'album-1', author, seq: 1, lamport: 9, ciphertext: rng.bytes(50), signature: rng.bytes(64) }] },
    { type: 'op-end' },
    { type: 'inv-since', inventoryId: 'inv-1', since: 12345, digestOnly: false },
    { type: 'inv-entries', entries: [{ seq: 5, hash: h, size: 100, gone: false }, { seq: 9, hash: randomHash(), size: 0, gone: true }] },
    { type: 'inv-end', inventoryId: 'inv-1', head: 9, count: 1, xor: rng.bytes(32) },
    { type: 'inv-buckets-req' },
    { type: 'inv-buckets', inventoryId: 'i', head: 3, buckets: Array.from({ length: BUCKETS }, (_, i) => ({ count: i, xor: rng.bytes(16) })) },
    { type: 'inv-bucket-list-req', buckets: [0, 17, 255] },
    { type: 'inv-bucket-list', bucket: parseInt(h.slice(0, 2), 16), objects: [{ hash: h, size: 10 }], last: true },
    { type: 'obj-want', hash: h, offset: 1024 },
    { type: 'obj-offer', hash: h, size: 99 },
    { type: 'obj-data', hash: h, offset: 10, total: 20, bytes: rng.bytes(10) },
    { type: 'obj-ack', hash: h },
    { type: 'obj-nack', hash: h, reason: 'corrupt' },
    { type: 'obj-challenge', hash: h, nonce: rng.bytes(32) },
    { type: 'obj-proof', hash: h, nonce: rng.bytes(32), proof: rng.bytes(32) },
    { type: 'obj-proof', hash: h, nonce: rng.bytes(32), proof: new Uint8Array(0) },
  ];
}
