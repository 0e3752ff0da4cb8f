/**
 * The single gate through which ops enter the local op store, from peers or from this device:
 * shape, sequence (no gaps, no rewrites), the author's Ed25519 signature, and the policy's
 * author check (the album's signed member list). Serialized, so two sessions delivering the
 * same op cannot both append it.
 */
import { equalBytes } from '../core/bytes.ts';
import { checkOpShape, verifyOpSignature } from './op-envelope.ts';
import type { OpEnvelope, OpStore, ReplicationCrypto, ReplicationPolicy, VersionVector } from './ports.ts';
import type { IngestResult } from './session-core.ts';
import { vvCopy, vvGet, vvSet } from './version-vector.ts';

const opKey = (op: OpEnvelope) => `${op.log}\n${op.author}\n${op.seq}`;

export class OpIngest {
  /** Loaded once; a shared promise, so two first callers cannot install two vectors. */
  #vv: Promise<VersionVector> | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: OpStore,
    private readonly crypto: ReplicationCrypto,
    private readonly policy: ReplicationPolicy,
  ) {}

  async vector(): Promise<VersionVector> {
    await this.#chain;
    return vvCopy(await this.#load());
  }

  /** Settles once every batch handed in so far is stored or refused. */
  async idle(): Promise<void> {
    await this.#chain;
  }

  ingest(ops: OpEnvelope[]): Promise<IngestResult> {
    const run = this.#chain.then(() => this.#ingest(ops));
    this.#chain = run.catch(() => undefined); // the caller sees the error; later batches still run
    return run;
  }

  #load(): Promise<VersionVector> {
    this.#vv ??= this.store.vector().catch((e: unknown) => {
      this.#vv = undefined; // a failed read is retried by the next caller
      throw e;
    });
    return this.#vv;
  }

  async #ingest(ops: OpEnvelope[]): Promise<IngestResult> {
    const vv = await this.#load();
    const result: IngestResult = { accepted: [], rejected: [] };
    // Every new op's signature at once (the crypto worker pipelines them), judged in order below.
    const signed = new Map<OpEnvelope, Promise<{ ok: boolean } | { error: unknown }>>();
    for (const op of ops) {
      if (checkOpShape(op) === undefined && op.seq > vvGet(vv, op.log, op.author)) {
        signed.set(op, verifyOpSignature(this.crypto, op).then((ok) => ({ ok }), (error: unknown) => ({ error })));
      }
    }
    const verify = async (op: OpEnvelope): Promise<boolean> => {
      const r = await (signed.get(op) ?? verifyOpSignature(this.crypto, op).then((ok) => ({ ok })));
      if ('error' in r) throw r.error;
      return r.ok;
    };
    // With appendMany, the accepted ops are written in one transaction at the end.
    const batch = this.store.appendMany ? new Map<string, OpEnvelope>() : undefined;
    for (const [i, op] of ops.entries()) {
      try {
        await this.#one(vv, op, result, verify, batch);
      } catch (e) {
        result.error = e;
        for (const rest of ops.slice(i)) result.rejected.push({ op: rest, reason: 'deferred' });
        break;
      }
    }
    if (batch?.size) {
      const written = [...batch.values()];
      try {
        await this.store.appendMany!(written);
      } catch (e) {
        // None was written: they are asked for again, and the vector is read again from the store.
        result.error ??= e;
        const unwritten = new Set(written);
        result.accepted = result.accepted.filter((op) => !unwritten.has(op));
        for (const op of written) result.rejected.push({ op, reason: 'deferred' });
        this.#vv = undefined;
      }
    }
    return result;
  }

  async #one(vv: VersionVector, op: OpEnvelope, result: IngestResult, verify: (op: OpEnvelope) => Promise<boolean>, batch: Map<string, OpEnvelope> | undefined): Promise<void> {
    if (checkOpShape(op) !== undefined) {
      result.rejected.push({ op, reason: 'malformed' });
      return;
    }
    const held = vvGet(vv, op.log, op.author);
    if (op.seq <= held) {
      const stored = batch?.get(opKey(op)) ?? (await this.store.get(op.log, op.author, op.seq));
      const same = stored !== undefined && stored.lamport === op.lamport
        && equalBytes(stored.ciphertext, op.ciphertext) && equalBytes(stored.signature, op.signature);
      if (same) result.rejected.push({ op, reason: 'duplicate' });
      // A different op under a held seq: either forged (bad signature) or the author signed two.
      else result.rejected.push({ op, reason: (await verify(op)) ? 'equivocation' : 'bad-signature' });
      return;
    }
    if (op.seq > held + 1) {
      result.rejected.push({ op, reason: 'gap' });
      return;
    }
    if (!(await verify(op))) {
      result.rejected.push({ op, reason: 'bad-signature' });
      return;
    }
    const allowed = await this.policy.isAuthorAllowed(op.log, op.author, op);
    if (allowed !== true) {
      result.rejected.push({ op, reason: allowed === 'later' ? 'deferred' : 'unauthorized' });
      return;
    }
    if (batch) batch.set(opKey(op), op);
    else await this.store.append(op);
    vvSet(vv, op.log, op.author, op.seq);
    result.accepted.push(op);
  }
}
