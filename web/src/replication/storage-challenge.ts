/**
 * Storage challenges (docs/replication.md, "Proof of storage"): before a device deletes its own
 * copy of an original because a home holds it, it asks that home to prove it: a fresh random
 * nonce; the home answers HMAC-SHA-256(nonce, the object's bytes), which it can only compute
 * with the bytes; the device checks it against its own copy. An ack, an offer or an inventory
 * line is a claim; only a passed challenge is proof. A home that fails loses its acks for it.
 */
import { equalBytes, toHex } from '../core/bytes.ts';
import { describeError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { ObjChallengeFrame, ObjProofFrame } from './frames.ts';
import type { SessionCore } from './session-core.ts';

const TIMEOUT_MS = 30_000;
const MAX_OPEN = 64;

export type ChallengeResult = 'passed' | 'failed' | 'timeout';

export class StorageChallenge {
  #open = new Map<string, { expected: Uint8Array; done: (r: ChallengeResult) => void; timer: unknown }>();
  #answering = 0;

  constructor(private readonly s: SessionCore) {}

  /** Challenges the peer for `hash`, whose bytes we hold (`ours`). */
  async ask(hash: ObjectHash, ours: Uint8Array): Promise<ChallengeResult> {
    const { crypto, clock } = this.s.deps;
    if (this.#open.size >= MAX_OPEN) return 'timeout';
    const nonce = crypto.randomBytes(32);
    const expected = await crypto.hmac(nonce, ours);
    const key = `${hash}:${toHex(nonce)}`;
    const result = await new Promise<ChallengeResult>((resolve) => {
      const timer = clock.setTimeout(() => {
        this.#open.delete(key);
        resolve('timeout');
      }, TIMEOUT_MS);
      this.#open.set(key, { expected, done: resolve, timer });
      this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-challenge', hash, nonce }));
    });
    if (result === 'failed') {
      await this.s.deps.acks.remove(this.s.remote.peerId, [hash]);
      this.s.deps.log.warn('peer failed a storage challenge: its claim to hold the object is dropped', { peer: this.s.remote.peerId, hash: hash.slice(0, 12) });
    }
    return result;
  }

  /** A peer challenges us: answer from our verified copy, or with an empty proof. */
  async onChallenge(f: ObjChallengeFrame): Promise<void> {
    if (this.#answering >= MAX_OPEN) return this.s.abuse('flood', 'too many storage challenges at once');
    this.#answering++;
    try {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await this.s.deps.objects.get(f.hash);
      } catch (e) {
        this.s.deps.log.warn('reading a challenged object failed', { hash: f.hash.slice(0, 12), error: describeError(e) });
      }
      const proof = bytes ? await this.s.deps.crypto.hmac(f.nonce, bytes) : new Uint8Array(0);
      this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-proof', hash: f.hash, nonce: f.nonce, proof }));
    } finally {
      this.#answering--;
    }
  }

  onProof(f: ObjProofFrame): void {
    const key = `${f.hash}:${toHex(f.nonce)}`;
    const open = this.#open.get(key);
    if (!open) return this.s.abuse('unexpected', 'a proof nobody asked for');
    this.#open.delete(key);
    this.s.deps.clock.clearTimeout(open.timer);
    open.done(f.proof.length === 32 && equalBytes(f.proof, open.expected) ? 'passed' : 'failed');
  }

  abortAll(): void {
    for (const [key, o] of this.#open) {
      this.s.deps.clock.clearTimeout(o.timer);
      this.#open.delete(key);
      o.done('timeout');
    }
  }
}
