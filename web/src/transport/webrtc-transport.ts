/**
 * PeerTransport over a connected simple-peer data channel. Sends go straight to the
 * RTCDataChannel (simple-peer's stream write is capped at 64 KiB of back-pressure, see
 * TESTING.md) so bufferedAmount is the channel's own; fingerprints come from the SDP each side
 * actually used, so the replication handshake can detect a signaling server that swapped them.
 */
import { TransportError } from '../core/errors.ts';
import { TransportListeners } from './transport-listeners.ts';
import { MAX_FRAME_BYTES, type PeerTransport, type TransportCloseInfo, type TransportKind } from './peer-transport.ts';
import type { SimplePeerInstance } from './simple-peer.ts';

const HIGH_WATER = 4 * 1024 * 1024;

/** `a=fingerprint:sha-256 AB:CD…` of an SDP, normalised; '' when absent. */
export function sdpFingerprint(sdp: string | undefined): string {
  const m = sdp?.match(/^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m);
  return m ? `${m[1]!.toLowerCase()} ${m[2]!.toUpperCase()}` : '';
}

interface SimplePeerInternals {
  _pc: RTCPeerConnection;
  _channel: RTCDataChannel;
}

/** Which path the selected ICE candidate pair uses: through a TURN relay or direct. */
export async function selectedPath(pc: RTCPeerConnection): Promise<{ kind: 'direct' | 'turn'; local: string; remote: string; protocol: string }> {
  const stats = await pc.getStats();
  let pairId: string | undefined;
  let fallbackPair: { localCandidateId: string; remoteCandidateId: string } | undefined;
  stats.forEach((s: { type: string; selectedCandidatePairId?: string; nominated?: boolean; state?: string; localCandidateId?: string; remoteCandidateId?: string }) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && s.localCandidateId && s.remoteCandidateId) {
      fallbackPair = { localCandidateId: s.localCandidateId, remoteCandidateId: s.remoteCandidateId };
    }
  });
  const pair = (pairId ? stats.get(pairId) : undefined) ?? fallbackPair;
  if (!pair) return { kind: 'direct', local: 'unknown', remote: 'unknown', protocol: 'unknown' };
  const local = stats.get(pair.localCandidateId) as { candidateType?: string; protocol?: string } | undefined;
  const remote = stats.get(pair.remoteCandidateId) as { candidateType?: string } | undefined;
  const l = local?.candidateType ?? 'unknown';
  const r = remote?.candidateType ?? 'unknown';
  return { kind: l === 'relay' || r === 'relay' ? 'turn' : 'direct', local: l, remote: r, protocol: local?.protocol ?? 'unknown' };
}

export class WebRtcTransport implements PeerTransport {
  readonly highWaterMark = HIGH_WATER;
  readonly localFingerprint: string;
  readonly remoteFingerprint: string;
  kind: TransportKind;
  closed = false;
  readonly #peer: SimplePeerInstance;
  readonly #channel: RTCDataChannel;
  readonly #listeners = new TransportListeners('webrtc-transport');

  /** Wraps a peer that has emitted 'connect'. */
  constructor(peer: SimplePeerInstance, kind: 'direct' | 'turn') {
    this.#peer = peer;
    this.kind = kind;
    const internals = peer as unknown as SimplePeerInternals;
    this.#channel = internals._channel;
    this.#channel.bufferedAmountLowThreshold = HIGH_WATER / 2;
    this.localFingerprint = sdpFingerprint(internals._pc.localDescription?.sdp);
    this.remoteFingerprint = sdpFingerprint(internals._pc.remoteDescription?.sdp);
    peer.on('data', (data: Uint8Array) => {
      // simple-peer hands over a Buffer; give the layers above a plain view of the same bytes.
      this.#listeners.deliver(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    peer.on('close', () => this.#finish({ reason: 'peer connection closed', remote: true }));
    peer.on('error', (e: Error) => this.#finish({ reason: `peer connection failed: ${e.message}`, remote: true }));
  }

  /** The underlying connection, for stats. */
  get peerConnection(): RTCPeerConnection {
    return (this.#peer as unknown as SimplePeerInternals)._pc;
  }

  get bufferedAmount(): number {
    return this.closed ? 0 : this.#channel.bufferedAmount;
  }

  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array) || frame.length === 0 || frame.length > MAX_FRAME_BYTES) {
      throw new RangeError(`frame must be 1..${MAX_FRAME_BYTES} bytes`);
    }
    if (this.closed || this.#channel.readyState !== 'open') throw new TransportError('data channel is closed');
    this.#channel.send(frame as Uint8Array<ArrayBuffer>);
  }

  waitDrain(): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('data channel is closed'));
    if (this.#channel.bufferedAmount <= HIGH_WATER / 2) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        this.#channel.removeEventListener('bufferedamountlow', done);
        off();
        if (this.closed) reject(new TransportError('data channel closed while draining'));
        else resolve();
      };
      const off = this.onClose(done);
      this.#channel.addEventListener('bufferedamountlow', done);
    });
  }

  onMessage(fn: (frame: Uint8Array) => void): () => void {
    return this.#listeners.onMessage(fn);
  }

  onClose(fn: (info: TransportCloseInfo) => void): () => void {
    return this.#listeners.onClose(fn);
  }

  close(reason = 'closed locally'): void {
    if (this.closed) return;
    this.#finish({ reason, remote: false });
    this.#peer.destroy();
  }

  #finish(info: TransportCloseInfo) {
    if (this.#listeners.close(info)) this.closed = true;
  }
}
