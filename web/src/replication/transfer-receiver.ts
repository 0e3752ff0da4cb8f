/**
 * Receiving objects from one peer (docs/replication.md, "Transfers"): ask from the offset of
 * any stored prefix (resume), take ranges in order (assembled in memory; a resumed attempt
 * appends to the partial store, and a cut one leaves its prefix there), verify BLAKE3 of the
 * whole object, store it, then ack. A wrong hash is never stored: the partial is dropped, the
 * peer is told (nack corrupt) and counted, and the engine fetches the object elsewhere.
 */
import { describeError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { ObjDataFrame, ObjNackFrame, ObjOfferFrame } from './frames.ts';
import type { PullFailure, SessionCore } from './session-core.ts';

interface Incoming {
  size: number;
  /** Next byte we expect. */
  offset: number;
  /** Offset this attempt started at (0: the whole object may come in one frame). */
  from: number;
  total: number | undefined;
  timer: unknown;
  /**
   * An attempt from offset 0 assembles the object here, one copy per frame; only if the attempt
   * is cut is the prefix handed to the partial store for a resume.
   */
  buf: Uint8Array | undefined;
}

export class TransferReceiver {
  #incoming = new Map<ObjectHash, Incoming>();
  #closed = false;

  constructor(private readonly s: SessionCore) {}

  get active(): number {
    return this.#incoming.size;
  }

  isReceiving(hash: ObjectHash): boolean {
    return this.#incoming.has(hash);
  }

  /** Starts a fetch the engine has claimed. Resumes from a stored prefix. */
  async start(hash: ObjectHash, size: number): Promise<void> {
    const { partials } = this.s.deps;
    let offset = await partials.size(hash);
    if (offset >= size) {
      await partials.drop(hash); // a prefix as long as the object cannot be right
      offset = 0;
    }
    if (this.#closed) {
      // The session closed while we looked: hand the fetch back at once.
      this.s.hooks.pullFailed(this.s.remote.peerId, hash, 'closed');
      return;
    }
    const inc: Incoming = { size, offset, from: offset, total: undefined, timer: undefined, buf: undefined };
    this.#incoming.set(hash, inc);
    this.#arm(hash, inc);
    this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-want', hash, offset }));
  }

  /** The peer offers an object (push). */
  async onOffer(f: ObjOfferFrame): Promise<void> {
    const { objects, policy, config } = this.s.deps;
    const peer = this.s.remote;
    const nack = (reason: ObjNackFrame['reason']): void =>
      this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-nack', hash: f.hash, reason }));
    if (f.size === 0 || f.size > config.maxObjectBytes) return nack('too-large');
    // An offer is a claim, not proof: it does not count as the peer holding the object.
    if (await objects.has(f.hash)) {
      this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-ack', hash: f.hash }));
      return;
    }
    // Bounded like our own pulls, so the data in flight to us stays within maxInboundQueueBytes.
    if (this.#incoming.size >= config.maxConcurrentPulls) return nack('busy');
    if (this.#incoming.has(f.hash) || this.s.hooks.isFetching(f.hash, peer.peerId)) return nack('busy');
    if (policy.acceptObject && (await policy.acceptObject(f.hash, f.size, peer)) !== undefined) return nack('refused');
    if (!this.s.hooks.claimFetch(f.hash, peer.peerId)) return nack('busy');
    await this.start(f.hash, f.size);
  }

  async onData(f: ObjDataFrame): Promise<void> {
    const inc = this.#incoming.get(f.hash);
    if (!inc) {
      this.s.abuse('unexpected', 'object data we did not ask for');
      return;
    }
    if (f.offset !== inc.offset || (inc.total !== undefined && f.total !== inc.total)) {
      this.s.abuse('unexpected', 'object data out of order');
      return;
    }
    if (f.total > this.s.deps.config.maxObjectBytes) {
      this.s.abuse('oversized', 'object larger than allowed');
      this.#fail(f.hash, 'too-large');
      return;
    }
    inc.total = f.total;
    const end = f.offset + f.bytes.length;
    const { partials } = this.s.deps;
    let whole: Uint8Array | undefined;
    try {
      if (inc.from === 0 && f.offset === 0 && end === f.total) {
        whole = f.bytes; // one frame: no need to touch the partial store
      } else {
        if (inc.from === 0) {
          inc.buf ??= new Uint8Array(f.total);
          inc.buf.set(f.bytes, f.offset);
        } else {
          await partials.append(f.hash, f.offset, f.bytes);
        }
        inc.offset = end;
        this.s.hooks.pullProgress(this.s.remote.peerId, f.hash, end);
        if (end < f.total) {
          this.#arm(f.hash, inc);
          return;
        }
        whole = inc.buf ?? (await partials.read(f.hash));
        // Whole now, and about to be handed over (hashing may move its buffer to a worker): no
        // prefix of it is kept if the session closes meanwhile (a detached buffer cannot be cut).
        inc.buf = undefined;
      }
    } catch (e) {
      this.#storeFailed(f.hash, e);
      return;
    }
    // Not awaited: frames are handled one at a time, and checking and storing an object (its
    // hash, the store's write, the ack) takes several IndexedDB round trips. Awaited, each object
    // waited for the one before it to be stored, whatever the number of pulls in flight (a new
    // device restored 60 small objects a second). The object stays in #incoming until stored,
    // so what is held at once is still bounded by the pulls allowed.
    inc.offset = end; // a repeat of the last frame is out of order from here on
    void this.#complete(f.hash, whole).catch((e: unknown) => this.#storeFailed(f.hash, e));
  }

  #storeFailed(hash: ObjectHash, e: unknown): void {
    this.s.deps.log.warn('storing object failed', { hash: hash.slice(0, 12), error: describeError(e) });
    this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-nack', hash, reason: 'refused' }));
    this.#fail(hash, 'storage');
  }

  async #complete(hash: ObjectHash, whole: Uint8Array | undefined): Promise<void> {
    const { crypto, objects, partials, acks } = this.s.deps;
    const inc = this.#incoming.get(hash);
    if (!inc) return;
    // The bytes are ours alone (assembled here, or a frame's own buffer): hashing may move them.
    let got: ObjectHash | undefined;
    if (whole && crypto.hashHandedOver) ({ hash: got, bytes: whole } = await crypto.hashHandedOver(whole));
    else if (whole) got = await crypto.hash(whole);
    if (!whole || got !== hash) {
      await partials.drop(hash);
      this.s.abuse('bad-hash', `object ${hash.slice(0, 12)} does not match its hash`);
      this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-nack', hash, reason: 'corrupt' }));
      this.#fail(hash, 'corrupt');
      return;
    }
    const size = whole.length; // the store may take (detach) the bytes
    await objects.put(hash, whole);
    await partials.drop(hash);
    this.#clear(hash);
    // The sender holds it (it just served it), and the job is done: asked for in one go, the two
    // writes share a transaction. The object is stored by now, so a failed ack write is only
    // knowledge lost (the next inventory exchange relearns it), not a failed pull.
    const acked = acks.add(this.s.remote.peerId, [hash]).catch((e: unknown) =>
      this.s.deps.log.warn('recording that the peer holds an object failed', { hash: hash.slice(0, 12), error: describeError(e) }));
    this.s.outbox.control(() => this.s.outbox.send({ type: 'obj-ack', hash }));
    this.s.hooks.pullDone(this.s.remote.peerId, hash, size);
    await acked;
  }

  /** The sender could not serve our want. */
  async onNack(f: ObjNackFrame): Promise<void> {
    if (f.reason === 'corrupt') await this.s.deps.partials.drop(f.hash); // our prefix disagrees with its object
    if (f.reason === 'not-found') await this.s.deps.acks.remove(this.s.remote.peerId, [f.hash]);
    const reason: PullFailure = f.reason === 'refused' ? 'busy' : f.reason;
    this.#fail(f.hash, reason);
  }

  /** The session closed: every fetch goes back to the engine (prefixes are kept for a resume). */
  abortAll(): void {
    this.#closed = true;
    for (const [hash, inc] of [...this.#incoming]) {
      this.#keepPrefix(hash, inc);
      this.#fail(hash, 'closed');
    }
  }

  /** Hands what an attempt from 0 assembled in memory to the partial store, so the next one resumes. */
  #keepPrefix(hash: ObjectHash, inc: Incoming): void {
    if (!inc.buf || inc.offset === 0) return;
    const prefix = inc.buf.subarray(0, inc.offset);
    inc.buf = undefined;
    const { partials } = this.s.deps;
    void partials.drop(hash).then(() => partials.append(hash, 0, prefix))
      .catch((e: unknown) => this.s.deps.log.warn('keeping a partial object failed', { hash: hash.slice(0, 12), error: describeError(e) }));
  }

  #arm(hash: ObjectHash, inc: Incoming): void {
    const { clock, config } = this.s.deps;
    if (inc.timer !== undefined) clock.clearTimeout(inc.timer);
    inc.timer = clock.setTimeout(() => {
      if (this.#incoming.get(hash) !== inc) return;
      this.#keepPrefix(hash, inc);
      this.#fail(hash, 'stalled');
    }, config.transferStallMs);
  }

  #clear(hash: ObjectHash): void {
    const inc = this.#incoming.get(hash);
    if (inc?.timer !== undefined) this.s.deps.clock.clearTimeout(inc.timer);
    this.#incoming.delete(hash);
  }

  #fail(hash: ObjectHash, reason: PullFailure): void {
    if (!this.#incoming.has(hash)) return;
    this.#clear(hash);
    this.s.hooks.pullFailed(this.s.remote.peerId, hash, reason);
  }
}
