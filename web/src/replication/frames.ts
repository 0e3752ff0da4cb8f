/**
 * The replication wire messages: a tagged union, one `type` per frame. Binary layout and
 * checks live in frame-codec.ts; the exact byte format is in docs/replication.md.
 */
import type { ObjectHash } from '../core/ids.ts';
import type { InventoryEntry, OpEnvelope, PeerRole } from './ports.ts';

/**
 * Sent in `hello`; peers with a different version refuse each other ('version-mismatch').
 * Version 3 added bundles (several small frames in one message).
 */
export const PROTOCOL_VERSION = 3;

export const FRAME_CODES = {
  hello: 1, auth: 2, accept: 3, refuse: 4, ping: 5, pong: 6, bye: 7,
  'op-vector': 16, 'op-batch': 17, 'op-end': 18,
  'inv-since': 32, 'inv-entries': 33, 'inv-end': 34, 'inv-buckets-req': 35, 'inv-buckets': 36,
  'inv-bucket-list-req': 37, 'inv-bucket-list': 38,
  'obj-want': 48, 'obj-offer': 49, 'obj-data': 50, 'obj-ack': 51, 'obj-nack': 52,
  'obj-challenge': 53, 'obj-proof': 54,
} as const;

export type FrameType = keyof typeof FRAME_CODES;

/**
 * The first byte of a bundle: one transport message carrying several small frames, each a
 * varint length and its bytes (docs/replication.md, "Bundles"). Not a frame: a bundle is
 * unpacked at the edge, and each frame in it is handled as if it had come alone.
 */
export const BUNDLE_CODE = 8;

export const REFUSAL_REASONS = [
  'version-mismatch', 'wrong-vault-secret', 'fingerprint-mismatch', 'bad-signature',
  'unknown-device', 'revoked-device', 'peer-id-mismatch', 'self', 'protocol-error', 'timeout',
] as const;
/** Why a handshake failed; shown in the UI and logged on both sides. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const NACK_REASONS = ['not-found', 'busy', 'refused', 'corrupt', 'too-large'] as const;
export type NackReason = (typeof NACK_REASONS)[number];

/** Number of inventory digest buckets (first byte of the hash). */
export const BUCKETS = 256;

export interface HelloFrame {
  type: 'hello';
  protocol: number;
  peerId: string;
  role: PeerRole;
  deviceKey: Uint8Array;
  nonce: Uint8Array;
  /** Empty, or a proof for a device the peer may not know yet (an invite key's signature). */
  credential: Uint8Array;
}
export interface AuthFrame {
  type: 'auth';
  /** The sender's view: its own and its peer's DTLS fingerprints. */
  localFingerprint: string;
  remoteFingerprint: string;
  mac: Uint8Array;
  signature: Uint8Array;
}
export interface AcceptFrame { type: 'accept' }
export interface RefuseFrame { type: 'refuse'; reason: RefusalReason; detail: string }
export interface PingFrame { type: 'ping'; n: number }
export interface PongFrame { type: 'pong'; n: number }
/** Orderly close after the handshake (abuse, replaced by a newer session, shutdown). */
export interface ByeFrame { type: 'bye'; reason: string }

/** Our version vector; a large one spans frames, `last` ends it. */
export interface OpVectorFrame { type: 'op-vector'; entries: Array<{ log: string; author: string; seq: number }>; last: boolean }
export interface OpBatchFrame { type: 'op-batch'; ops: OpEnvelope[] }
/** The sender has sent everything the last op-vector lacked. */
export interface OpEndFrame { type: 'op-end' }

/** "Send me your inventory after `since`" (cursor), or only a digest when `digestOnly`. */
export interface InvSinceFrame { type: 'inv-since'; inventoryId: string; since: number; digestOnly: boolean }
export interface InvEntriesFrame { type: 'inv-entries'; entries: InventoryEntry[] }
/** Everything up to `head` has been sent; count and XOR of the present set at `head`. */
export interface InvEndFrame { type: 'inv-end'; inventoryId: string; head: number; count: number; xor: Uint8Array }
export interface InvBucketsReqFrame { type: 'inv-buckets-req' }
/** Per first-byte bucket: count and the first 16 bytes of the XOR of its hashes, at `head`. */
export interface InvBucketsFrame {
  type: 'inv-buckets';
  inventoryId: string;
  head: number;
  buckets: Array<{ count: number; xor: Uint8Array }>;
}
export interface InvBucketListReqFrame { type: 'inv-bucket-list-req'; buckets: number[] }
/** The present objects of one bucket; a bucket may span frames, `last` ends it. */
export interface InvBucketListFrame {
  type: 'inv-bucket-list';
  bucket: number;
  objects: Array<{ hash: ObjectHash; size: number }>;
  last: boolean;
}

export interface ObjWantFrame { type: 'obj-want'; hash: ObjectHash; offset: number }
export interface ObjOfferFrame { type: 'obj-offer'; hash: ObjectHash; size: number }
export interface ObjDataFrame { type: 'obj-data'; hash: ObjectHash; offset: number; total: number; bytes: Uint8Array }
export interface ObjAckFrame { type: 'obj-ack'; hash: ObjectHash }
export interface ObjNackFrame { type: 'obj-nack'; hash: ObjectHash; reason: NackReason }
/** "Prove you hold this object": the answer is HMAC-SHA-256(nonce, its bytes). */
export interface ObjChallengeFrame { type: 'obj-challenge'; hash: ObjectHash; nonce: Uint8Array }
/** The answer; an empty proof says "I do not hold it". */
export interface ObjProofFrame { type: 'obj-proof'; hash: ObjectHash; nonce: Uint8Array; proof: Uint8Array }

export type Frame =
  | HelloFrame | AuthFrame | AcceptFrame | RefuseFrame | PingFrame | PongFrame | ByeFrame
  | OpVectorFrame | OpBatchFrame | OpEndFrame
  | InvSinceFrame | InvEntriesFrame | InvEndFrame | InvBucketsReqFrame | InvBucketsFrame
  | InvBucketListReqFrame | InvBucketListFrame
  | ObjWantFrame | ObjOfferFrame | ObjDataFrame | ObjAckFrame | ObjNackFrame | ObjChallengeFrame | ObjProofFrame;

export type FrameOf<T extends FrameType> = Extract<Frame, { type: T }>;

/** Frames allowed before the handshake completes; anything else then is a protocol error. */
export const HANDSHAKE_FRAMES: ReadonlySet<FrameType> = new Set(['hello', 'auth', 'accept', 'refuse', 'ping', 'pong', 'bye']);
