/**
 * PeerTransport over a connected simple-peer data channel. Sends go straight to the
 * RTCDataChannel (simple-peer's stream write is capped at 64 KiB of back-pressure, see
 * TESTING.md) so bufferedAmount is the channel's own. The remote fingerprint is that of the
 * certificate the DTLS transport actually negotiated (`negotiatedFingerprints`), so the
 * replication handshake, which signs fingerprints, detects anyone who terminated DTLS between
 * the two peers, whatever the SDP said.
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

/** `sha-256 AB:CD:…` of a DER certificate. */
async function derFingerprint(der: ArrayBuffer): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
  return `sha-256 ${Array.from(d, (x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;
}

/** Where a WebRTC transport's remote fingerprint came from. */
export type FingerprintSource = 'dtls' | 'stats' | 'sdp';

/**
 * This side's and the remote side's DTLS fingerprints for a connected peer connection. The
 * remote one is read, in order of preference, from the certificate the DTLS transport negotiated
 * (`RTCDtlsTransport.getRemoteCertificates()`: Chromium, and Firefox ESR 153 has the method),
 * from the remote certificate's stats (`RTCCertificateStats` of the transport: Safari), and only
 * where an engine has neither from the remote SDP, whose fingerprint that engine's DTLS stack
 * enforces. `source` says which. Ours is always our own SDP's.
 */
export async function negotiatedFingerprints(pc: RTCPeerConnection): Promise<{ local: string; remote: string; source: FingerprintSource }> {
  const local = sdpFingerprint(pc.localDescription?.sdp);
  const dtls = pc.sctp?.transport as (RTCDtlsTransport & { getRemoteCertificates?: () => ArrayBuffer[] }) | undefined;
  const certs = typeof dtls?.getRemoteCertificates === 'function' ? dtls.getRemoteCertificates() : [];
  if (certs.length > 0) return { local, remote: await derFingerprint(certs[0]!), source: 'dtls' };
  const stats = await pc.getStats();
  let remoteCertId: string | undefined;
  stats.forEach((s: { type: string; remoteCertificateId?: string }) => {
    if (s.type === 'transport' && s.remoteCertificateId) remoteCertId = s.remoteCertificateId;
  });
  const cert = remoteCertId ? (stats.get(remoteCertId) as { fingerprint?: string; fingerprintAlgorithm?: string } | undefined) : undefined;
  if (cert?.fingerprint && cert.fingerprintAlgorithm?.toLowerCase() === 'sha-256') {
    return { local, remote: `sha-256 ${cert.fingerprint.toUpperCase()}`, source: 'stats' };
  }
  return { local, remote: sdpFingerprint(pc.remoteDescription?.sdp), source: 'sdp' };
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
  /** Where `remoteFingerprint` came from (see `negotiatedFingerprints`). */
  readonly fingerprintSource: FingerprintSource;
  closed = false;
  readonly #peer: SimplePeerInstance;
  readonly #channel: RTCDataChannel;
  readonly #listeners = new TransportListeners('webrtc-transport');

  /** Wraps a peer that has emitted 'connect'; `fingerprints` from `negotiatedFingerprints`. */
  constructor(peer: SimplePeerInstance, kind: 'direct' | 'turn', fingerprints: { local: string; remote: string; source: FingerprintSource }) {
    this.#peer = peer;
    this.kind = kind;
    const internals = peer as unknown as SimplePeerInternals;
    this.#channel = internals._channel;
    this.#channel.bufferedAmountLowThreshold = HIGH_WATER / 2;
    this.localFingerprint = fingerprints.local;
    this.remoteFingerprint = fingerprints.remote;
    this.fingerprintSource = fingerprints.source;
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
