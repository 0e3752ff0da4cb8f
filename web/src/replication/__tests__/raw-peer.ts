/**
 * A hand-driven peer for tests: speaks frames directly over one side of a memory pair, so a
 * test can play a peer that lies, skips steps or sends garbage.
 */
import type { PeerId } from '../../core/ids.ts';
import { createMemoryPair, type MemoryPair, type MemoryPairOptions } from '../../transport/memory-transport.ts';
import { decodeFrame, encodeFrame, splitMessage } from '../frame-codec.ts';
import type { Frame } from '../frames.ts';
import { PROTOCOL_VERSION } from '../frames.ts';
import { handshakeTranscript } from '../handshake.ts';
import type { Session } from '../session.ts';
import type { TestNode } from './harness.ts';
import { VAULT_KEY, waitFor } from './harness.ts';
import { NobleCrypto } from './noble-crypto.ts';

export class RawPeer {
  readonly pair: MemoryPair;
  readonly got: Frame[] = [];
  readonly crypto: NobleCrypto;
  readonly session: Session;
  myHello: Uint8Array | undefined;
  theirHello: Uint8Array | undefined;

  constructor(node: TestNode, name: string, pairOpts?: MemoryPairOptions) {
    this.pair = createMemoryPair(pairOpts);
    this.crypto = new NobleCrypto(name);
    this.pair.b.onMessage((message) => {
      const split = splitMessage(message);
      if (!split.ok) throw new Error(`raw peer got a bad bundle: ${split.detail}`);
      for (const bytes of split.frames) {
        const d = decodeFrame(bytes);
        if (!d.ok) throw new Error(`raw peer got an undecodable frame: ${d.detail}`);
        if (d.frame.type === 'hello') this.theirHello = bytes;
        this.got.push(d.frame);
      }
    });
    this.session = node.engine.connect(this.pair.a);
  }

  send(f: Frame): void {
    const bytes = encodeFrame(f);
    if (f.type === 'hello') this.myHello = bytes;
    this.pair.b.send(bytes);
  }

  sendBytes(b: Uint8Array): void {
    this.pair.b.send(b);
  }

  hello(opts: { peerId?: string; protocol?: number } = {}): void {
    this.send({
      type: 'hello', protocol: opts.protocol ?? PROTOCOL_VERSION, peerId: opts.peerId ?? 'raw-peer-0000',
      role: 'member', deviceKey: this.crypto.publicKey, nonce: this.crypto.randomBytes(32), credential: new Uint8Array(0),
    });
  }

  /** Sends auth over the real transcript, optionally with a wrong key or fingerprints. */
  async auth(opts: { key?: Uint8Array; localFp?: string; remoteFp?: string } = {}): Promise<void> {
    await waitFor(() => this.theirHello !== undefined, 'node hello');
    const localFp = opts.localFp ?? this.pair.b.localFingerprint;
    const remoteFp = opts.remoteFp ?? this.pair.b.remoteFingerprint;
    const t = handshakeTranscript(this.myHello!, this.theirHello!, localFp, remoteFp);
    this.send({
      type: 'auth', localFingerprint: localFp, remoteFingerprint: remoteFp,
      mac: await this.crypto.hmac(opts.key ?? VAULT_KEY, t), signature: await this.crypto.sign(t),
    });
  }

  /** A full, valid handshake (registers this peer's key in the node's directory first). */
  async open(node: TestNode): Promise<void> {
    node.dir.known.add(this.crypto.publicKeyB64);
    this.hello();
    await this.auth();
    this.send({ type: 'accept' });
    await waitFor(() => this.session.state === 'open', 'raw session open');
  }

  types(): string[] {
    return this.got.map((f) => f.type);
  }
}

export const rawPeerId = 'raw-peer-0000' as PeerId;
