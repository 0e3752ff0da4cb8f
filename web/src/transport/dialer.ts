/**
 * Finds the vault's other peers through the signal server and keeps one transport to each:
 * WebRTC (direct or TURN) first, the WebSocket fallback when ICE fails, and a periodic try to
 * upgrade back to WebRTC. Glare cannot happen: of two peers, only the one with the smaller id
 * dials; the other asks it to (`redial`) when it notices a loss first. Signaling payloads are
 * sealed by the caller's `seal`/`open` (room key), so the server sees ciphertext only.
 * Design note: docs/replication.md ("Connections").
 */
import { describeError } from '../core/errors.ts';
import { fromUtf8, toBase64Url, utf8 } from '../core/bytes.ts';
import { FallbackTransport, type FallbackCrypto } from './fallback-transport.ts';
import type { PeerTransport } from './peer-transport.ts';
import type { SignalClient } from './signal-client.ts';
import { SimplePeer, type SignalData, type SimplePeerInstance } from './simple-peer.ts';
import { WebRtcTransport, negotiatedFingerprints, selectedPath } from './webrtc-transport.ts';

export interface DialerOptions {
  signal: SignalClient;
  selfId: string;
  /** Seal/open a signaling payload for/from one peer, or the whole room with `to` null (room key; binds both ids). */
  seal(to: string | null, payload: Uint8Array): Promise<string>;
  open(from: string, data: string, to?: null): Promise<Uint8Array>;
  /** A peer's self-description (name, role, "full"), sealed like all signaling. */
  onPeerStatus?(peer: string, status: Record<string, unknown>): void;
  /** 'relay' forces TURN (tests, privacy-minded users); 'all' is normal ICE. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** ICE servers besides the TURN credentials the signal server hands out. */
  extraIceServers?: RTCIceServer[];
  iceTimeoutMs?: number;
  /** Per-session keys and numbered frames for the WebSocket fallback (crypto/fallback-seal.ts). */
  fallbackCrypto: FallbackCrypto;
  /** 0 disables the WebSocket fallback. */
  fallbackBytesPerSec?: number;
  upgradeIntervalMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onTransport(peer: string, transport: PeerTransport): void;
  /**
   * Whether to connect to this peer in this room at all (default: yes). A node in several rooms
   * (earlier generations of the vault secret) meets a peer in one room only (replication-node.ts).
   */
  allow?(peer: string): boolean;
  log?: (line: string) => void;
}

type Msg =
  | { t: 'sdp'; s: string; d: SignalData }
  | { t: 'redial' }
  | { t: 'fb'; s: string; phase: 'open' | 'ack'; k: string }
  | { t: 'ice-failed'; s: string }
  | { t: 'fbclose'; s: string }
  | { t: 'status'; s: Record<string, unknown> };

interface PeerSlot {
  transport?: PeerTransport;
  /** The WebRTC attempt in flight (initiator or responder side). */
  attempt?: { session: string; peer: SimplePeerInstance; timer?: ReturnType<typeof setTimeout> };
  /** The fallback we asked for ('open' sent, no 'ack' yet): our session id and key share. */
  fallbackPending?: { session: string; share: string; timer: ReturnType<typeof setTimeout> };
  /** Fallback frames that arrived before the 'ack' that sets up our side (the other side's
   * handshake can overtake its own ack: they travel as separate server messages). */
  earlyRelay?: string[];
  /** An offer this side could not answer (no WebRTC here): its later candidates are ignored. */
  refusedOffer?: string;
  backoff: number;
  retryTimer?: ReturnType<typeof setTimeout>;
  upgradeTimer?: ReturnType<typeof setInterval>;
}

/** WebKitGTK's Debian build has no WebRTC at all: then the WebSocket fallback is the only way. */
const hasWebRtc = () => typeof globalThis.RTCPeerConnection !== 'undefined';

const randomId = () => toBase64Url(crypto.getRandomValues(new Uint8Array(12)));

export class Dialer {
  readonly #o: Required<Omit<DialerOptions, 'log'>> & { log: (l: string) => void };
  readonly #peers = new Map<string, PeerSlot>();
  #iceServers: RTCIceServer[] = [];
  #iceExpiresAt = 0;
  #offs: Array<() => void> = [];
  #inbox = new Map<string, Promise<void>>();
  /** Remote fallback sessions already answered: a replayed 'open' or 'ack' is ignored. */
  readonly #usedSessions = new Set<string>();
  #stopped = false;

  constructor(opts: DialerOptions) {
    this.#o = {
      iceTransportPolicy: 'all', extraIceServers: [], iceTimeoutMs: 15_000, fallbackBytesPerSec: 3 * 1024 * 1024,
      upgradeIntervalMs: 60_000, minBackoffMs: 1000, maxBackoffMs: 30_000, log: (l) => console.info(l),
      onPeerStatus: () => undefined, allow: () => true, ...opts,
    };
    const s = this.#o.signal;
    this.#offs.push(
      s.on('joined', ({ peers }) => peers.forEach((p) => this.#seen(p))),
      s.on('peer-joined', (p) => this.#seen(p)),
      s.on('peer-left', (p) => this.#drop(p, 'peer left the room')),
      s.on('signal', ({ from, data }) => this.#enqueue(from, data)),
      s.on('relay', ({ from, data }) => this.#onRelay(from, data)),
    );
  }

  /** Peers with an open transport, and how each is reached. */
  connections(): Array<{ peer: string; kind: PeerTransport['kind'] }> {
    return [...this.#peers].flatMap(([peer, slot]) => (slot.transport && !slot.transport.closed ? [{ peer, kind: slot.transport.kind }] : []));
  }

  /** Tells every peer in the room how this node describes itself (sealed with the room key). */
  async announce(status: Record<string, unknown>): Promise<void> {
    const sealed = await this.#o.seal(null, utf8(JSON.stringify({ t: 'status', s: status })));
    if (!this.#o.signal.signal(sealed)) this.#o.log('dialer: could not announce status (not connected)');
  }

  stop(): void {
    this.retire();
    for (const p of [...this.#peers.keys()]) this.#drop(p, 'dialer stopped');
  }

  /**
   * Makes no new connection and answers no signal, but leaves open links alone: a room being
   * left (a rotation) keeps its sessions until a connection in the new room replaces them.
   */
  retire(): void {
    this.#stopped = true;
    this.#offs.forEach((off) => off());
    this.#offs = [];
  }

  #slot(peer: string): PeerSlot {
    let slot = this.#peers.get(peer);
    if (!slot) this.#peers.set(peer, (slot = { backoff: this.#o.minBackoffMs }));
    return slot;
  }

  #isDialer(peer: string): boolean {
    return this.#o.selfId < peer;
  }

  #seen(peer: string) {
    if (peer === this.#o.selfId || this.#stopped || !this.#o.allow(peer)) return;
    const slot = this.#slot(peer);
    if (slot.transport && !slot.transport.closed) return;
    if (this.#isDialer(peer)) void this.#dial(peer);
  }

  #drop(peer: string, reason: string) {
    const slot = this.#peers.get(peer);
    if (!slot) return;
    this.#peers.delete(peer);
    clearTimeout(slot.retryTimer);
    clearInterval(slot.upgradeTimer);
    clearTimeout(slot.fallbackPending?.timer);
    this.#abortAttempt(slot);
    slot.transport?.close(reason);
  }

  async #send(peer: string, msg: Msg): Promise<void> {
    const sealed = await this.#o.seal(peer, utf8(JSON.stringify(msg)));
    if (!this.#o.signal.signal(sealed, peer)) this.#o.log(`dialer: could not signal ${peer} (not connected)`);
  }

  #onRelay(from: string, data: string) {
    const slot = this.#peers.get(from);
    const t = slot?.transport;
    if (t instanceof FallbackTransport) return t.receive(data);
    if (slot?.fallbackPending && (slot.earlyRelay ??= []).length < 64) return void slot.earlyRelay.push(data);
    this.#o.log(`dialer: dropped a fallback frame from ${from} (no fallback link)`);
  }

  /** One peer's signals are handled in order: an offer must set up the peer before its candidates. */
  #enqueue(from: string, data: string) {
    const prev = this.#inbox.get(from) ?? Promise.resolve();
    const next = prev.then(() => this.#onSignal(from, data)).catch((e: unknown) => {
      this.#o.log(`dialer: signal from ${from} failed (${describeError(e)})`);
    });
    this.#inbox.set(from, next);
    void next.then(() => {
      if (this.#inbox.get(from) === next) this.#inbox.delete(from);
    });
  }

  async #onSignal(from: string, data: string) {
    let msg: Msg;
    try {
      // Addressed to us, or (a status) to the whole room.
      const bytes = await this.#o.open(from, data).catch(() => this.#o.open(from, data, null));
      msg = JSON.parse(fromUtf8(bytes)) as Msg;
    } catch (e) {
      this.#o.log(`dialer: dropped a signal from ${from} that did not open (${describeError(e)})`);
      return;
    }
    if (this.#stopped) return;
    if (msg.t === 'status') {
      if (typeof msg.s === 'object' && msg.s !== null) this.#o.onPeerStatus?.(from, msg.s);
      return;
    }
    const slot = this.#slot(from);
    if (msg.t === 'sdp' && typeof msg.s === 'string') {
      if (!slot.attempt || slot.attempt.session !== msg.s) {
        if (this.#isDialer(from)) return; // a stale answer to an attempt we gave up
        if (!this.#o.allow(from)) return; // met in another room
        if (slot.refusedOffer === msg.s) return;
        this.#abortAttempt(slot);
        let peer: SimplePeerInstance;
        try {
          if (!hasWebRtc()) throw new Error('this browser has no WebRTC');
          peer = await this.#newPeer(from, false, msg.s);
        } catch (e) {
          // Say so at once: the dialer goes on to the fallback instead of waiting for its timer.
          slot.refusedOffer = msg.s;
          this.#o.log(`dialer: cannot answer ${from}'s WebRTC offer (${describeError(e)})`);
          return void this.#send(from, { t: 'ice-failed', s: msg.s });
        }
        slot.attempt = { session: msg.s, peer };
      }
      slot.attempt.peer.signal(msg.d);
    } else if (msg.t === 'redial') {
      if (this.#isDialer(from) && (!slot.transport || slot.transport.closed) && !slot.attempt) void this.#dial(from);
    } else if (msg.t === 'ice-failed' && typeof msg.s === 'string') {
      // The other side's WebRTC attempt failed (Firefox says so at once when it has no path):
      // ours will not connect either, so go on to the next transport now.
      if (this.#isDialer(from) && slot.attempt?.session === msg.s) this.#attemptFailed(from, slot, 'the other side could not connect');
    } else if (msg.t === 'fb' && typeof msg.s === 'string' && typeof msg.k === 'string') {
      // A fallback session is answered once: the server could replay an old 'open' or 'ack'.
      if (this.#usedSessions.has(msg.s)) return void this.#o.log(`dialer: ignored a replayed fallback ${msg.phase} from ${from}`);
      if (msg.phase === 'open' && !this.#isDialer(from)) {
        // A downgrade never replaces a working WebRTC link: if ours still works, the dialer's
        // request is stale (or replayed); it asks again once our link is gone too.
        if (slot.transport && !slot.transport.closed && slot.transport.kind !== 'fallback') {
          return void this.#o.log(`dialer: ignored a fallback request from ${from}: the ${slot.transport.kind} link is open`);
        }
        this.#remember(msg.s);
        const mine = randomId();
        const share = this.#o.fallbackCrypto.newShare();
        await this.#useFallback(from, false, { session: mine, share }, { session: msg.s, share: msg.k });
        await this.#send(from, { t: 'fb', s: mine, phase: 'ack', k: share });
      } else if (msg.phase === 'ack' && this.#isDialer(from) && slot.fallbackPending) {
        this.#remember(msg.s);
        const pending = slot.fallbackPending;
        clearTimeout(pending.timer);
        await this.#useFallback(from, true, pending, { session: msg.s, share: msg.k });
      }
    } else if (msg.t === 'fbclose' && typeof msg.s === 'string') {
      const t = slot.transport;
      if (t instanceof FallbackTransport && t.remoteFingerprint === `fallback ${msg.s}`) t.close('the other side closed', true);
    }
  }

  async #iceConfig(): Promise<RTCIceServer[]> {
    if (Date.now() > this.#iceExpiresAt - 60_000) {
      try {
        const turn = await this.#o.signal.requestTurn();
        this.#iceServers = turn.iceServers as RTCIceServer[];
        this.#iceExpiresAt = turn.expiresAt * (turn.expiresAt < 1e12 ? 1000 : 1);
      } catch (e) {
        // No TURN (not configured, or the server is away): direct paths and the fallback remain.
        this.#o.log(`dialer: no TURN credentials (${describeError(e)})`);
        this.#iceServers = [];
        this.#iceExpiresAt = Date.now() + 120_000;
      }
    }
    return [...this.#o.extraIceServers, ...this.#iceServers];
  }

  async #newPeer(remote: string, initiator: boolean, session: string): Promise<SimplePeerInstance> {
    const peer = new SimplePeer({
      initiator,
      trickle: true,
      config: { iceServers: await this.#iceConfig(), iceTransportPolicy: this.#o.iceTransportPolicy },
    });
    peer.on('signal', (d: SignalData) => void this.#send(remote, { t: 'sdp', s: session, d }));
    peer.on('connect', () => void this.#connected(remote, session, peer));
    peer.on('error', (e: Error) => this.#o.log(`dialer: WebRTC with ${remote} failed: ${e.message}`));
    peer.on('close', () => {
      // Closed before it connected: ICE failed (Firefox reports it at once when it has no path),
      // or the other side gave up. Go on to the next transport without waiting for the timer.
      const slot = this.#peers.get(remote);
      if (slot?.attempt?.peer === peer) this.#attemptFailed(remote, slot, 'the WebRTC attempt closed before it connected');
    });
    return peer;
  }

  async #dial(remote: string) {
    const slot = this.#slot(remote);
    if (slot.attempt || this.#stopped || !this.#o.allow(remote)) return;
    if (slot.transport && !slot.transport.closed && !hasWebRtc()) return; // nothing to upgrade to
    const session = randomId();
    let peer: SimplePeerInstance;
    try {
      // No WebRTC: no ICE to wait for, so the fallback now rather than after iceTimeoutMs.
      if (!hasWebRtc()) throw new Error('this browser has no WebRTC');
      peer = await this.#newPeer(remote, true, session);
    } catch (e) {
      this.#o.log(`dialer: no WebRTC to ${remote} (${describeError(e)}); trying the next transport`);
      if (!slot.transport || slot.transport.closed) void this.#openFallback(remote);
      return;
    }
    slot.attempt = { session, peer };
    slot.attempt.timer = setTimeout(() => {
      if (slot.attempt?.session !== session) return;
      this.#attemptFailed(remote, slot, `ICE did not connect in ${this.#o.iceTimeoutMs} ms`);
    }, this.#o.iceTimeoutMs);
  }

  /**
   * A WebRTC attempt (direct or TURN) failed, however it failed: the dialer goes on to the
   * WebSocket fallback unless a link is already open; the responder tells the dialer, whose own
   * attempt may otherwise wait for its timer.
   */
  #attemptFailed(remote: string, slot: PeerSlot, why: string) {
    const session = slot.attempt?.session;
    this.#abortAttempt(slot);
    if (this.#stopped) return;
    const linked = slot.transport && !slot.transport.closed;
    this.#o.log(`dialer: WebRTC to ${remote} failed (${why})${linked ? '' : '; trying the next transport'}`);
    if (linked) return;
    if (this.#isDialer(remote)) void this.#openFallback(remote);
    else if (session) void this.#send(remote, { t: 'ice-failed', s: session });
  }

  async #connected(remote: string, session: string, peer: SimplePeerInstance) {
    const slot = this.#peers.get(remote);
    if (!slot || slot.attempt?.session !== session) {
      peer.destroy();
      return;
    }
    clearTimeout(slot.attempt.timer);
    slot.attempt = undefined;
    const pc = (peer as unknown as { _pc: RTCPeerConnection })._pc;
    const [path, fingerprints] = await Promise.all([selectedPath(pc), negotiatedFingerprints(pc)]);
    this.#adopt(remote, new WebRtcTransport(peer, path.kind, fingerprints));
    clearInterval(slot.upgradeTimer);
    slot.upgradeTimer = undefined;
  }

  async #openFallback(remote: string) {
    if (this.#o.fallbackBytesPerSec <= 0) return this.#retryLater(remote);
    const slot = this.#slot(remote);
    if (slot.fallbackPending) return;
    const session = randomId();
    const share = this.#o.fallbackCrypto.newShare();
    // No answer (lost, or the other side still holds a WebRTC link it thinks works): try again later.
    const timer = setTimeout(() => {
      if (slot.fallbackPending?.session !== session) return;
      slot.fallbackPending = undefined;
      slot.earlyRelay = undefined;
      this.#o.log(`dialer: ${remote} did not answer the fallback request`);
      if (!slot.transport || slot.transport.closed) this.#retryLater(remote);
    }, this.#o.iceTimeoutMs);
    slot.fallbackPending = { session, share, timer };
    await this.#send(remote, { t: 'fb', s: session, phase: 'open', k: share });
  }

  #remember(session: string) {
    this.#usedSessions.add(session);
    if (this.#usedSessions.size > 1024) this.#usedSessions.delete(this.#usedSessions.values().next().value!);
  }

  async #useFallback(remote: string, dialer: boolean, local: { session: string; share: string }, theirs: { session: string; share: string }) {
    const cipher = await this.#o.fallbackCrypto.session(dialer
      ? { dialer, dialerSession: local.session, dialerShare: local.share, responderSession: theirs.session, responderShare: theirs.share }
      : { dialer, dialerSession: theirs.session, dialerShare: theirs.share, responderSession: local.session, responderShare: local.share });
    const link = {
      send: (sealed: string) => this.#o.signal.relay(remote, sealed),
      closed: () => void this.#send(remote, { t: 'fbclose', s: local.session }),
    };
    const t = new FallbackTransport(link, { localSession: local.session, remoteSession: theirs.session, cipher, bytesPerSec: this.#o.fallbackBytesPerSec });
    const slot = this.#slot(remote);
    slot.fallbackPending = undefined;
    const early = slot.earlyRelay ?? [];
    slot.earlyRelay = undefined;
    this.#adopt(remote, t);
    for (const data of early) t.receive(data);
    if (this.#isDialer(remote) && !slot.upgradeTimer && hasWebRtc()) {
      slot.upgradeTimer = setInterval(() => void this.#dial(remote), this.#o.upgradeIntervalMs);
    }
  }

  #adopt(remote: string, t: PeerTransport) {
    const slot = this.#slot(remote);
    const old = slot.transport;
    slot.transport = t;
    slot.backoff = this.#o.minBackoffMs;
    if (old && !old.closed) old.close(`replaced by a ${t.kind} connection`);
    t.onClose(({ reason }) => {
      if (slot.transport !== t || this.#stopped) return;
      this.#o.log(`dialer: ${t.kind} connection to ${remote} closed (${reason})`);
      slot.transport = undefined;
      this.#retryLater(remote);
    });
    this.#o.log(`dialer: connected to ${remote} (${t.kind})`);
    this.#o.onTransport(remote, t);
  }

  #retryLater(remote: string) {
    const slot = this.#peers.get(remote);
    if (!slot || this.#stopped) return;
    clearTimeout(slot.retryTimer);
    const delay = slot.backoff / 2 + Math.random() * (slot.backoff / 2);
    slot.backoff = Math.min(this.#o.maxBackoffMs, slot.backoff * 2);
    slot.retryTimer = setTimeout(() => {
      if ((slot.transport && !slot.transport.closed) || !this.#o.allow(remote)) return;
      if (this.#isDialer(remote)) void this.#dial(remote);
      else void this.#send(remote, { t: 'redial' });
    }, delay);
  }

  #abortAttempt(slot: PeerSlot) {
    if (!slot.attempt) return;
    clearTimeout(slot.attempt.timer);
    const { peer } = slot.attempt;
    slot.attempt = undefined;
    peer.destroy();
  }
}
