/**
 * Op exchange with one peer (docs/replication.md, "Ops"): each side sends its version vector;
 * the other answers with every op the vector lacks, merged across (log, author) streams in
 * Lamport order so an album's member-add arrives before the new member's ops, then op-end.
 * Ops that could not be taken yet (a gap, an author not yet authorized) are asked for again
 * after op-end, as long as the round made progress.
 */
import { describeError } from '../core/errors.ts';
import type { OpBatchFrame, OpVectorFrame } from './frames.ts';
import { MAX_FRAME_BYTES, OP_OVERHEAD_WIRE } from './limits.ts';
import type { OpEnvelope, VersionVector } from './ports.ts';
import type { SessionCore } from './session-core.ts';
import { vvEntries, vvFromEntries, vvGet, vvMissing, vvSet, type VectorEntry } from './version-vector.ts';

const PAGE = 256;
const VECTOR_ENTRIES_PER_FRAME = 4096;
const MAX_OPS_PER_FRAME = 2048;
const MAX_REREQUESTS = 32;

interface Stream {
  log: string;
  author: string;
  next: number;
  upTo: number;
  buf: OpEnvelope[];
}

export class OpSync {
  #peerVector: VersionVector | undefined;
  #incomingVector: VectorEntry[] = [];
  #pushQueued = false;
  #roundAccepted = 0;
  #roundDeferred = 0;
  #rerequests = 0;
  #refusedSinceAsk = false;

  constructor(private readonly s: SessionCore) {}

  /**
   * The policy may admit more now (a roster change): ask again, but only if this peer sent ops we
   * could not take since we last asked. Asking regardless made a restoring device's relay, still
   * streaming the library, start over from the vector of the moment: 8,339 of 10,000 ops came
   * twice.
   */
  askAgainIfRefused(): void {
    if (this.#refusedSinceAsk) this.requestMissing();
  }

  /** Sends our vector: the peer answers with what we lack. Also the periodic resync. */
  requestMissing(): void {
    this.#refusedSinceAsk = false;
    this.s.outbox.control(async () => {
      const entries = vvEntries(await this.s.hooks.localVector());
      for (let i = 0; i === 0 || i < entries.length; i += VECTOR_ENTRIES_PER_FRAME) {
        const part = entries.slice(i, i + VECTOR_ENTRIES_PER_FRAME);
        await this.s.outbox.send({ type: 'op-vector', entries: part, last: i + VECTOR_ENTRIES_PER_FRAME >= entries.length });
      }
    });
  }

  /** New ops arrived locally (authored here or from another peer): forward what this peer lacks. */
  pushNew(): void {
    if (!this.#peerVector || this.#pushQueued) return;
    this.#pushQueued = true;
    this.s.outbox.control(async () => {
      this.#pushQueued = false;
      await this.#sendMissing();
    });
  }

  onVector(f: OpVectorFrame): void {
    if (this.#incomingVector.length + f.entries.length > VECTOR_ENTRIES_PER_FRAME * 64) {
      this.s.abuse('flood', 'op vector too large');
      this.#incomingVector = [];
      return;
    }
    this.#incomingVector.push(...f.entries);
    if (!f.last) return;
    this.#peerVector = vvFromEntries(this.#incomingVector);
    this.#incomingVector = [];
    this.s.outbox.control(() => this.#sendMissing(true));
  }

  async onBatch(f: OpBatchFrame): Promise<void> {
    let result;
    try {
      result = await this.s.hooks.ingestOps(f.ops, this.s.remote);
    } catch (e) {
      this.s.deps.log.warn('storing ops failed', { peer: this.s.remote.peerId, error: describeError(e) });
      return;
    }
    this.#roundAccepted += result.accepted.length;
    for (const op of result.accepted) this.#peerHas(op);
    for (const { op, reason } of result.rejected) {
      if (reason === 'duplicate') this.#peerHas(op);
      else if (reason === 'gap' || reason === 'unauthorized' || reason === 'deferred') {
        this.#roundDeferred++;
        this.#refusedSinceAsk = true;
      }
      if (reason === 'bad-signature' || reason === 'malformed' || reason === 'unauthorized' || reason === 'equivocation') {
        this.s.abuse(reason, `op ${op.log}/${op.author.slice(0, 8)}/${op.seq}`);
      }
    }
  }

  onEnd(): void {
    const progress = this.#roundAccepted > 0;
    const deferred = this.#roundDeferred > 0;
    this.#roundAccepted = 0;
    this.#roundDeferred = 0;
    if (progress) this.#rerequests = 0;
    if (deferred && (progress || this.#rerequests === 0) && this.#rerequests < MAX_REREQUESTS) {
      this.#rerequests++;
      this.requestMissing();
    }
  }

  #peerHas(op: OpEnvelope): void {
    if (this.#peerVector && op.seq > vvGet(this.#peerVector, op.log, op.author)) vvSet(this.#peerVector, op.log, op.author, op.seq);
  }

  /** Streams every op the peer lacks, Lamport-ordered across streams; then op-end. */
  async #sendMissing(always = false): Promise<void> {
    const peer = this.#peerVector;
    if (!peer) return;
    const streams: Stream[] = vvMissing(await this.s.hooks.localVector(), peer)
      .map((m) => ({ log: m.log, author: m.author, next: m.after, upTo: m.upTo, buf: [] }));
    let batch: OpEnvelope[] = [];
    let size = 0;
    let sent = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const frame: OpBatchFrame = { type: 'op-batch', ops: batch };
      batch = [];
      size = 0;
      await this.s.outbox.send(frame);
    };
    for (;;) {
      let best: Stream | undefined;
      for (const st of streams) {
        if (st.buf.length === 0 && st.next < st.upTo) {
          st.buf = (await this.s.deps.ops.since(st.log, st.author, st.next, PAGE)).filter((o) => o.seq <= st.upTo);
          if (st.buf.length === 0) st.next = st.upTo; // store lost ops it announced: stop this stream
        }
        const head = st.buf[0];
        if (head && (!best || head.lamport < best.buf[0]!.lamport)) best = st;
      }
      if (!best) break;
      const op = best.buf.shift()!;
      best.next = op.seq;
      const opSize = OP_OVERHEAD_WIRE + op.log.length * 3 + op.ciphertext.length;
      if (batch.length >= MAX_OPS_PER_FRAME || size + opSize > MAX_FRAME_BYTES - 64) await flush();
      batch.push(op);
      size += opSize;
      sent++;
      this.#peerHas(op);
    }
    await flush();
    if (sent > 0 || always) await this.s.outbox.send({ type: 'op-end' });
  }
}
