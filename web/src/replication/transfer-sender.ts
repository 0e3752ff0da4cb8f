/**
 * Sending objects to one peer: answers wants with obj-data ranges (≤ DATA_CHUNK_BYTES each,
 * from the wanted offset, through the outbox's bulk lane so control frames are not held up),
 * and offers objects for push jobs, waiting for the peer's ack or nack.
 */
import { describeError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { Frame, ObjAckFrame, ObjNackFrame, ObjWantFrame } from './frames.ts';
import { DATA_CHUNK_BYTES } from './limits.ts';
import type { SessionCore } from './session-core.ts';

export class TransferSender {
  /** Wanted objects queued or streaming, with a token so a replaced stream cannot unlist its successor. */
  #serving = new Map<ObjectHash, number>();
  #token = 0;
  #offers = new Map<ObjectHash, unknown>();
  /** Objects whose last byte we sent this session, until the peer acks them (bounded). */
  #sent = new Set<ObjectHash>();
  #closed = false;

  constructor(private readonly s: SessionCore) {}

  get offering(): number {
    return this.#offers.size;
  }

  onWant(f: ObjWantFrame): void {
    if (!this.#serving.has(f.hash) && this.#serving.size >= this.s.deps.config.maxServingStreams) {
      this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-nack', hash: f.hash, reason: 'busy' }));
      return;
    }
    const token = ++this.#token;
    this.#serving.set(f.hash, token);
    // A small object is read at once, with the other wants of this moment (one transaction for
    // all: a restore asks for its thumbnails 32 at a time); at most maxServingStreams × the
    // inline limit are held so.
    const small = f.offset === 0 ? this.s.deps.objects.serveSmall?.(f.hash) : undefined;
    small?.catch(() => undefined); // read again, and reported, when its turn comes
    this.s.outbox.bulk(`obj:${f.hash}`, this.#stream(f.hash, f.offset, token, small));
  }

  /** Loads a large object only when its turn comes, so queued wants hold no memory. */
  async *#stream(hash: ObjectHash, offset: number, token: number, small: Promise<Uint8Array | undefined | 'large'> | undefined): AsyncGenerator<Frame> {
    try {
      let bytes: Uint8Array | undefined;
      try {
        const { objects } = this.s.deps;
        const read = small ? await small.catch(() => 'large' as const) : 'large';
        bytes = read !== 'large' ? read : await (objects.serve ? objects.serve(hash) : objects.get(hash));
      } catch (e) {
        this.s.deps.log.warn('reading object failed', { hash: hash.slice(0, 12), error: describeError(e) });
      }
      if (!bytes) {
        yield { type: 'obj-nack', hash, reason: 'not-found' };
        return;
      }
      if (offset >= bytes.length) {
        yield { type: 'obj-nack', hash, reason: 'corrupt' }; // the peer's prefix cannot be of this object
        return;
      }
      for (let off = offset; off < bytes.length; off += DATA_CHUNK_BYTES) {
        yield { type: 'obj-data', hash, offset: off, total: bytes.length, bytes: bytes.subarray(off, off + DATA_CHUNK_BYTES) };
      }
      if (this.#sent.size >= 4096) this.#sent.delete(this.#sent.values().next().value!);
      this.#sent.add(hash);
      this.s.hooks.served(hash);
    } finally {
      if (this.#serving.get(hash) === token) this.#serving.delete(hash);
    }
  }

  /** Offers a local object (push job); the engine hears back through acked/offerNacked. */
  offer(hash: ObjectHash, size: number): void {
    if (this.#closed) {
      this.s.hooks.offerNacked(this.s.remote.peerId, hash, 'closed');
      return;
    }
    const { clock, config } = this.s.deps;
    const prev = this.#offers.get(hash);
    if (prev !== undefined) clock.clearTimeout(prev);
    // The peer answers at once (ack/nack/want) and then streams: allow for a slow transfer.
    this.#offers.set(hash, clock.setTimeout(() => this.#settle(hash, 'timeout'), config.transferStallMs * 4));
    this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-offer', hash, size }));
  }

  async onAck(f: ObjAckFrame): Promise<void> {
    // Only an answer to our offer, or to data we sent, counts: an unsolicited ack proves nothing.
    const offered = this.#offers.has(f.hash);
    if (!offered && !this.#sent.delete(f.hash)) return;
    const peer = this.s.remote.peerId;
    const wrote = this.s.deps.acks.add(peer, [f.hash]);
    if (offered) {
      await wrote; // the push job ends only once the ack is recorded
      this.#clear(f.hash);
    } else {
      // The ack of data we served is knowledge only (no job waits for it): not awaited, so the
      // acks of a bundle share one commit. Awaited one frame after another, a relay serving a
      // restore committed a transaction for every three or four objects.
      wrote.catch((e: unknown) => this.s.deps.log.warn('recording that the peer holds an object failed', { hash: f.hash.slice(0, 12), error: describeError(e) }));
    }
    this.s.hooks.acked(peer, f.hash);
  }

  async onNack(f: ObjNackFrame): Promise<void> {
    if (f.reason === 'corrupt') await this.#selfCheck(f.hash);
    this.#settle(f.hash, f.reason);
  }

  /** Offers die with the session; the engine requeues their jobs. */
  abortAll(): void {
    this.#closed = true;
    for (const hash of [...this.#offers.keys()]) this.#settle(hash, 'closed');
  }

  #clear(hash: ObjectHash): void {
    const t = this.#offers.get(hash);
    if (t !== undefined) this.s.deps.clock.clearTimeout(t);
    this.#offers.delete(hash);
  }

  #settle(hash: ObjectHash, reason: string): void {
    if (!this.#offers.has(hash)) return;
    this.#clear(hash);
    this.s.hooks.offerNacked(this.s.remote.peerId, hash, reason);
  }

  /** A peer says what we sent does not hash right: if our own copy rotted, say so loudly. */
  async #selfCheck(hash: ObjectHash): Promise<void> {
    const bytes = await this.s.deps.objects.get(hash);
    if (bytes && (await this.s.deps.crypto.hash(bytes)) !== hash) {
      this.s.deps.log.warn('local copy of an object is corrupt', { hash: hash.slice(0, 12) });
      this.s.hooks.localCorrupt(hash);
    }
  }
}
