/**
 * One connection to one peer: handshake first, then op sync, inventory sync and transfers.
 * Every frame is decoded at the edge; bad ones are dropped, logged and counted, and nothing
 * throws out of the transport's listeners. Frames are handled one at a time, in order.
 */
import { describeError } from '../core/errors.ts';
import type { PeerId } from '../core/ids.ts';
import type { PeerTransport, TransportCloseInfo } from '../transport/peer-transport.ts';
import { AbuseMeter, type AbuseKind } from './abuse-meter.ts';
import { decodeFrame, splitMessage } from './frame-codec.ts';
import { HANDSHAKE_FRAMES, type Frame, type FrameType } from './frames.ts';
import { Handshake, type HandshakeOutcome } from './handshake.ts';
import { Heartbeat } from './heartbeat.ts';
import { InventorySync } from './inventory-sync.ts';
import { OpSync } from './op-sync.ts';
import { Outbox } from './outbox.ts';
import type { LocalIdentity, RemotePeer } from './ports.ts';
import type { EngineDeps, EngineHooks, SessionCore } from './session-core.ts';
import { TransferReceiver } from './transfer-receiver.ts';
import { TransferSender } from './transfer-sender.ts';
import { StorageChallenge } from './storage-challenge.ts';

/**
 * Frames handled in the object lane (see #onBytes). Nothing here changes what we believe a peer
 * holds in a way a digest could see (a not-found nack does: it stays in the control lane).
 */
const OBJECT_LANE: ReadonlySet<FrameType> = new Set(['obj-want', 'obj-data']);

export type SessionState = 'handshaking' | 'open' | 'closed';
export type Refusal = Extract<HandshakeOutcome, { kind: 'refused' }>;

/** The engine's side of a session's life. */
export interface SessionOwner extends EngineHooks {
  sessionOpened(s: Session): void;
  sessionRefused(s: Session, r: Refusal): void;
  sessionClosed(s: Session, reason: string): void;
  abuseReported(s: Session, kind: AbuseKind, detail: string, disconnect: boolean): void;
}

export interface SessionOptions {
  local: LocalIdentity;
  handshakeKey: Uint8Array;
  expectedPeer?: PeerId;
}

export class Session implements SessionCore {
  state: SessionState = 'handshaking';
  /** Set when the inventory exchange finished: transfers may start. */
  ready = false;
  readonly outbox: Outbox;
  readonly abuseMeter: AbuseMeter;
  /** What came in: transport messages (a bundle is one), the frames in them, bytes per frame type. */
  readonly received = { bytes: 0, messages: 0, frames: 0, byType: {} as Partial<Record<FrameType, number>> };
  readonly ops: OpSync;
  readonly inventory: InventorySync;
  readonly receiver: TransferReceiver;
  readonly sender: TransferSender;
  readonly challenge: StorageChallenge;
  refusal: Refusal | undefined;
  closeReason: string | undefined;
  #remote: RemotePeer | undefined;
  #handshake: Handshake;
  #heartbeat: Heartbeat;
  #chain: Promise<void> = Promise.resolve();
  #objectChain: Promise<void> = Promise.resolve();
  #queuedBytes = 0;
  #timers: unknown[] = [];
  #resyncTimer: unknown;

  constructor(
    readonly transport: PeerTransport,
    readonly deps: EngineDeps,
    private readonly owner: SessionOwner,
    opts: SessionOptions,
  ) {
    this.outbox = new Outbox(transport, deps.log);
    this.abuseMeter = new AbuseMeter(deps.clock, deps.config.abuse);
    this.#handshake = new Handshake({
      local: opts.local, handshakeKey: opts.handshakeKey, crypto: deps.crypto, policy: deps.policy,
      localFingerprint: transport.localFingerprint, remoteFingerprint: transport.remoteFingerprint,
      ...(opts.expectedPeer === undefined ? {} : { expectedPeer: opts.expectedPeer }),
      send: (f) => { this.outbox.sendNow(f); },
    });
    this.#heartbeat = new Heartbeat(deps.clock, deps.config.heartbeat,
      (n) => { this.outbox.sendNow({ type: 'ping', n }); },
      (ms) => {
        deps.log.warn('peer silent: closing', { peer: this.peerLabel, silentMs: ms });
        this.transport.close('peer-timeout');
      });
    this.ops = new OpSync(this);
    this.inventory = new InventorySync(this);
    this.receiver = new TransferReceiver(this);
    this.sender = new TransferSender(this);
    this.challenge = new StorageChallenge(this);
  }

  get hooks(): EngineHooks {
    return this.owner;
  }

  /** The authenticated peer; only valid once open. */
  get remote(): RemotePeer {
    if (!this.#remote) throw new Error('session not open');
    return this.#remote;
  }

  get remoteOrUndefined(): RemotePeer | undefined {
    return this.#remote;
  }

  get peerLabel(): string {
    return this.#remote?.peerId ?? this.#handshake.remotePeerId ?? '(handshaking)';
  }

  start(): void {
    this.transport.onMessage((bytes) => this.#onBytes(bytes));
    this.transport.onClose((info) => this.#onClose(info));
    this.#heartbeat.start();
    this.#timers.push(this.deps.clock.setTimeout(() => {
      if (this.state !== 'handshaking') return;
      this.outbox.sendNow({ type: 'refuse', reason: 'timeout', detail: 'handshake took too long' });
      this.#refused({ kind: 'refused', by: 'local', reason: 'timeout', detail: 'handshake took too long' });
    }, this.deps.config.handshakeTimeoutMs));
    this.#handshake.start();
  }

  /** Orderly close (shutdown, replaced, abuse): tells the peer why when the session is open. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    if (this.state === 'open') this.outbox.sendNow({ type: 'bye', reason });
    this.transport.close(reason);
  }

  abuse(kind: AbuseKind, detail: string): void {
    const over = this.abuseMeter.record(kind);
    this.deps.log.warn('dropped bad input from peer', { peer: this.peerLabel, kind, detail, score: Math.round(this.abuseMeter.score) });
    this.owner.abuseReported(this, kind, detail, over);
    if (over && this.state !== 'closed') this.close('abuse limit reached');
  }

  #onBytes(message: Uint8Array): void {
    try {
      this.received.bytes += message.length;
      this.received.messages++;
      this.#heartbeat.seen();
      // A bundle's frames are handled one by one, exactly as if each had come alone.
      const split = splitMessage(message);
      if (!split.ok) {
        this.abuse(split.error, split.detail);
        return;
      }
      for (const bytes of split.frames) this.#onFrame(bytes);
    } catch (e) {
      this.deps.log.warn('frame listener failed', { peer: this.peerLabel, error: describeError(e) });
    }
  }

  #onFrame(bytes: Uint8Array): void {
    try {
      this.received.frames++;
      const d = decodeFrame(bytes);
      if (!d.ok) {
        this.abuse(d.error, d.detail);
        return;
      }
      const f = d.frame;
      this.received.byType[f.type] = (this.received.byType[f.type] ?? 0) + bytes.length;
      if (f.type === 'ping') {
        this.outbox.sendNow({ type: 'pong', n: f.n });
        return;
      }
      if (f.type === 'pong') return;
      if (this.#queuedBytes + bytes.length > this.deps.config.maxInboundQueueBytes) {
        this.abuse('flood', 'peer sends faster than we can handle');
        return;
      }
      this.#queuedBytes += bytes.length;
      const run = async () => {
        try {
          await this.#handle(f, bytes);
        } catch (e) {
          this.deps.log.warn('handling a frame failed', { peer: this.peerLabel, type: f.type, error: describeError(e) });
        } finally {
          this.#queuedBytes -= bytes.length;
        }
      };
      // Object data and the answers to our wants have their own lane once open: they wait for
      // each other, in order, but not behind a long op batch being verified and stored (a
      // restoring device's key bundle waited 4 s behind 1,000 ops).
      if (this.state === 'open' && OBJECT_LANE.has(f.type)) this.#objectChain = this.#objectChain.then(run);
      else this.#chain = this.#chain.then(run);
    } catch (e) {
      this.deps.log.warn('frame listener failed', { peer: this.peerLabel, error: describeError(e) });
    }
  }

  async #handle(f: Frame, raw: Uint8Array): Promise<void> {
    if (this.state === 'closed' || this.refusal) return;
    if (this.state === 'handshaking') {
      if (!HANDSHAKE_FRAMES.has(f.type)) return this.abuse('unexpected', `${f.type} before the handshake completed`);
      if (f.type === 'bye') return void this.transport.close(`peer said bye: ${f.reason}`);
      const out = await this.#handshake.onFrame(f, raw);
      if (out.kind === 'open') this.#open(out.remote);
      else if (out.kind === 'refused') this.#refused(out);
      return;
    }
    switch (f.type) {
      case 'hello': case 'auth': case 'accept': case 'refuse': case 'ping': case 'pong':
        return this.abuse('unexpected', `${f.type} after the handshake`);
      case 'bye':
        this.closeReason = `peer said bye: ${f.reason}`;
        return void this.transport.close(this.closeReason);
      case 'op-vector': return this.ops.onVector(f);
      case 'op-batch': return this.ops.onBatch(f);
      case 'op-end': return this.ops.onEnd();
      case 'inv-since': return this.inventory.onSince(f);
      case 'inv-entries': return this.inventory.onEntries(f);
      case 'inv-end': return this.inventory.onEnd(f);
      case 'inv-buckets-req': return this.inventory.onBucketsReq();
      case 'inv-buckets': return this.inventory.onBuckets(f);
      case 'inv-bucket-list-req': return this.inventory.onBucketListReq(f);
      case 'inv-bucket-list': return this.inventory.onBucketList(f);
      case 'obj-want': return this.sender.onWant(f);
      case 'obj-offer': return this.receiver.onOffer(f);
      case 'obj-data': return this.receiver.onData(f);
      case 'obj-ack': return this.sender.onAck(f);
      case 'obj-challenge': return this.challenge.onChallenge(f);
      case 'obj-proof': return this.challenge.onProof(f);
      case 'obj-nack':
        // A nack about an object we are fetching is the sender's; any other answers our offer.
        return this.receiver.isReceiving(f.hash) ? this.receiver.onNack(f) : this.sender.onNack(f);
    }
  }

  #open(remote: RemotePeer): void {
    this.#remote = remote;
    this.state = 'open';
    this.deps.log.info('peer authenticated', { peer: remote.peerId, role: remote.role, transport: this.transport.kind });
    this.owner.sessionOpened(this);
    if (this.state !== 'open') return; // the owner refused it (duplicate)
    const listInventory = (what: string): void => {
      if (!this.deps.config.listInventories) return;
      void this.inventory.request().catch((e: unknown) => {
        this.deps.log.warn(`inventory ${what} failed`, { peer: remote.peerId, error: describeError(e) });
      });
    };
    this.ops.requestMissing();
    listInventory('request');
    const resync = (): void => {
      if (this.state !== 'open') return;
      this.ops.requestMissing();
      listInventory('resync');
      this.#resyncTimer = this.deps.clock.setTimeout(resync, this.deps.config.resyncIntervalMs);
    };
    this.#resyncTimer = this.deps.clock.setTimeout(resync, this.deps.config.resyncIntervalMs);
  }

  #refused(r: Refusal): void {
    if (this.refusal) return;
    this.refusal = r;
    this.deps.log.warn(r.by === 'local' ? 'refused peer' : 'refused by peer', {
      peer: r.peerId ?? '(unknown)', reason: r.reason, detail: r.detail,
    });
    this.owner.sessionRefused(this, r);
    this.#closeAfterFlush(`refused: ${r.reason}`);
  }

  /** Lets a refusal reach the peer before the link goes (a data channel may drop queued data). */
  #closeAfterFlush(reason: string, tries = 0): void {
    if (this.transport.closed) return;
    if (this.transport.bufferedAmount === 0 || tries >= 25) {
      this.transport.close(reason);
      return;
    }
    this.#timers.push(this.deps.clock.setTimeout(() => this.#closeAfterFlush(reason, tries + 1), 20));
  }

  #onClose(info: TransportCloseInfo): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.closeReason ??= info.reason;
    this.#heartbeat.stop();
    for (const t of this.#timers) this.deps.clock.clearTimeout(t);
    if (this.#resyncTimer !== undefined) this.deps.clock.clearTimeout(this.#resyncTimer);
    this.outbox.stop();
    if (wasOpen) {
      this.receiver.abortAll();
      this.sender.abortAll();
      this.challenge.abortAll();
    }
    this.deps.log.info('peer connection closed', { peer: this.peerLabel, reason: this.closeReason, remote: info.remote });
    this.owner.sessionClosed(this, this.closeReason);
  }
}
