/**
 * Mutual peer authentication before any vault data (docs/replication.md, "Handshake"):
 *   both send hello {version, peer id, role, device key, nonce};
 *   both send auth {their view of both DTLS fingerprints, MAC, signature} over
 *     transcript = label | signer's hello | other's hello | signer's local fp | signer's remote fp;
 *   each checks MAC (vault secret) → fingerprints (signaling MITM) → signature → device policy,
 *   and sends accept or refuse. The session opens when it accepted AND was accepted.
 */
import { equalBytes } from '../core/bytes.ts';
import { isPeerId, type PeerId } from '../core/ids.ts';
import { ByteWriter } from './byte-codec.ts';
import { encodeFrame } from './frame-codec.ts';
import { PROTOCOL_VERSION, type AuthFrame, type Frame, type HelloFrame, type RefusalReason } from './frames.ts';
import type { LocalIdentity, RemotePeer, ReplicationCrypto, ReplicationPolicy } from './ports.ts';

const LABEL = 'family-vault/handshake/v1';

export interface HandshakeParams {
  local: LocalIdentity;
  /** HKDF(vault secret, "handshake"): only vault members and relays hold it. */
  handshakeKey: Uint8Array;
  crypto: ReplicationCrypto;
  policy: ReplicationPolicy;
  localFingerprint: string;
  remoteFingerprint: string;
  /** The peer id signaling said we are connecting to, if known. */
  expectedPeer?: PeerId;
  /** Sends a handshake frame at once. */
  send: (f: Frame) => void;
}

export type HandshakeOutcome =
  | { kind: 'continue' }
  | { kind: 'open'; remote: RemotePeer }
  | { kind: 'refused'; by: 'local' | 'remote'; reason: RefusalReason; detail: string; peerId?: string };

export function handshakeTranscript(signerHello: Uint8Array, otherHello: Uint8Array, signerLocalFp: string, signerRemoteFp: string): Uint8Array {
  return new ByteWriter().str(LABEL).bytes(signerHello).bytes(otherHello).str(signerLocalFp).str(signerRemoteFp).finish();
}

export class Handshake {
  #myHello: Uint8Array | undefined;
  #theirHello: { frame: HelloFrame; bytes: Uint8Array } | undefined;
  #sentAuth = false;
  #acceptedThem: RemotePeer | undefined;
  #acceptedByThem = false;
  #done = false;

  constructor(private readonly p: HandshakeParams) {}

  get remotePeerId(): string | undefined {
    return this.#theirHello?.frame.peerId;
  }

  start(): void {
    const hello: HelloFrame = {
      type: 'hello', protocol: PROTOCOL_VERSION, peerId: this.p.local.peerId, role: this.p.local.role,
      deviceKey: this.p.local.deviceKey, nonce: this.p.crypto.randomBytes(32),
      credential: this.p.local.credential ?? new Uint8Array(0),
    };
    this.#myHello = encodeFrame(hello);
    this.p.send(hello);
  }

  /** Feeds one handshake frame (with its raw bytes); says what happened. */
  async onFrame(frame: Frame, raw: Uint8Array): Promise<HandshakeOutcome> {
    // After an outcome, stay silent: answering a refusal with a refusal would never end.
    if (this.#done) return { kind: 'continue' };
    switch (frame.type) {
      case 'hello':
        return this.#onHello(frame, raw);
      case 'auth':
        return this.#onAuth(frame);
      case 'accept':
        if (!this.#sentAuth) return this.#refuse('protocol-error', 'accept before our auth');
        this.#acceptedByThem = true;
        return this.#maybeOpen();
      case 'refuse':
        this.#done = true;
        return { kind: 'refused', by: 'remote', reason: frame.reason, detail: frame.detail, ...this.#idField() };
      default:
        return this.#refuse('protocol-error', `${frame.type} during the handshake`);
    }
  }

  #idField(): { peerId?: string } {
    const id = this.#theirHello?.frame.peerId;
    return id === undefined ? {} : { peerId: id };
  }

  #refuse(reason: RefusalReason, detail: string): HandshakeOutcome {
    this.#done = true;
    this.p.send({ type: 'refuse', reason, detail });
    return { kind: 'refused', by: 'local', reason, detail, ...this.#idField() };
  }

  async #onHello(h: HelloFrame, raw: Uint8Array): Promise<HandshakeOutcome> {
    if (this.#theirHello || !this.#myHello) return this.#refuse('protocol-error', 'unexpected hello');
    this.#theirHello = { frame: h, bytes: raw.slice() };
    if (h.protocol !== PROTOCOL_VERSION) {
      return this.#refuse('version-mismatch', `we speak version ${PROTOCOL_VERSION}, peer speaks ${h.protocol}`);
    }
    if (!isPeerId(h.peerId)) return this.#refuse('protocol-error', 'malformed peer id');
    if (h.peerId === this.p.local.peerId) return this.#refuse('self', 'connected to ourselves');
    if (this.p.expectedPeer !== undefined && h.peerId !== this.p.expectedPeer) {
      return this.#refuse('peer-id-mismatch', 'peer id differs from the one signaling announced');
    }
    const t = handshakeTranscript(this.#myHello, raw, this.p.localFingerprint, this.p.remoteFingerprint);
    const [mac, signature] = await Promise.all([this.p.crypto.hmac(this.p.handshakeKey, t), this.p.crypto.sign(t)]);
    const auth: AuthFrame = {
      type: 'auth', localFingerprint: this.p.localFingerprint, remoteFingerprint: this.p.remoteFingerprint, mac, signature,
    };
    if (this.#done) return { kind: 'continue' }; // refused meanwhile
    this.#sentAuth = true;
    this.p.send(auth);
    return { kind: 'continue' };
  }

  async #onAuth(a: AuthFrame): Promise<HandshakeOutcome> {
    const their = this.#theirHello;
    if (!their || !this.#myHello || this.#acceptedThem) return this.#refuse('protocol-error', 'unexpected auth');
    // Rebuild the transcript THEY signed, with the fingerprints they claim to see.
    const t = handshakeTranscript(their.bytes, this.#myHello, a.localFingerprint, a.remoteFingerprint);
    const mac = await this.p.crypto.hmac(this.p.handshakeKey, t);
    if (!equalBytes(mac, a.mac)) return this.#refuse('wrong-vault-secret', 'handshake MAC does not verify');
    // Their key holds the vault secret, so these claims are theirs: compare with what we see.
    if (a.localFingerprint !== this.p.remoteFingerprint || a.remoteFingerprint !== this.p.localFingerprint) {
      return this.#refuse('fingerprint-mismatch', 'DTLS fingerprints differ between the two sides (signaling tampered?)');
    }
    if (!(await this.p.crypto.verify(their.frame.deviceKey, t, a.signature))) {
      return this.#refuse('bad-signature', 'device signature does not verify');
    }
    const remote: RemotePeer = {
      peerId: their.frame.peerId as PeerId, role: their.frame.role, deviceKey: their.frame.deviceKey,
      ...(their.frame.credential.length ? { credential: their.frame.credential } : {}),
    };
    const verdict = await this.p.policy.authorizePeer(remote);
    if (verdict !== 'ok') return this.#refuse(verdict, verdict === 'revoked-device' ? 'device was revoked' : 'device not in the vault directory');
    if (this.#done) return { kind: 'continue' };
    this.#acceptedThem = remote;
    this.p.send({ type: 'accept' });
    return this.#maybeOpen();
  }

  #maybeOpen(): HandshakeOutcome {
    if (!this.#acceptedThem || !this.#acceptedByThem) return { kind: 'continue' };
    this.#done = true;
    return { kind: 'open', remote: this.#acceptedThem };
  }
}
