/**
 * A hostile peer for the fault rounds (e2e/faults.spec.ts), built from what a real attacker with
 * a relay invite holds: the vault secret (room keys, handshake key) and an unused invite key, so
 * a family device lets it through the handshake over real WebRTC. It then speaks raw frames:
 * garbage, mutated and past-limit frames, handshake frames after the handshake, forged ops,
 * data and proofs nobody asked for, forged acks, offers followed by corrupt data, probes. Every
 * frame has an expected outcome; the test compares them with the family device's own counters.
 */
import { concatBytes, toBase64Url, toHex } from '../../web/src/core/bytes.ts';
import type { ObjectHash, PeerId } from '../../web/src/core/ids.ts';
import { startCryptoWorker } from '../../web/src/crypto/client.ts';
import { decodeFrame, encodeFrame, splitMessage } from '../../web/src/replication/frame-codec.ts';
import { PROTOCOL_VERSION, REFUSAL_REASONS, type Frame } from '../../web/src/replication/frames.ts';
import { handshakeTranscript } from '../../web/src/replication/handshake.ts';
import { DATA_CHUNK_BYTES } from '../../web/src/replication/limits.ts';
import { hostileFrames } from '../../web/src/replication/__tests__/hostile-frames.ts';
import { Rng } from '../../web/src/replication/__tests__/rng.ts';
import { openIndex } from '../../web/src/storage/index-db.ts';
import { openObjectStore } from '../../web/src/storage/open-store.ts';
import type { PeerTransport } from '../../web/src/transport/peer-transport.ts';
import { INVITE_DEVICE_CONTEXT } from '../../web/src/vault/authority/statement.ts';
import { replicationCrypto, startReplicationNode, type ReplicationNode } from '../../web/src/vault/replication-node.ts';

const crypto = startCryptoWorker();
const PEER_ID = '--hostile-home-01';
let node: ReplicationNode | undefined;

type Waiter = { match: (f: Frame) => boolean; resolve: (f: Frame | undefined) => void };

/** The attacker's end of the data channel: raw frames out, what comes back counted. */
class Wire {
  readonly got: Record<string, number> = {};
  theirHello: Uint8Array | undefined;
  theirDeviceKey: Uint8Array | undefined;
  closed = false;
  #waiters: Waiter[] = [];

  constructor(readonly t: PeerTransport) {
    t.onMessage((message) => {
      const split = splitMessage(message);
      if (!split.ok) this.got.undecodable = (this.got.undecodable ?? 0) + 1;
      else for (const bytes of split.frames) this.#onFrame(bytes);
    });
    t.onClose(() => {
      this.closed = true;
      for (const w of this.#waiters.splice(0)) w.resolve(undefined);
    });
  }

  /** One frame the target sent (alone, or in a bundle). */
  #onFrame(bytes: Uint8Array): void {
    const d = decodeFrame(bytes);
    const f = d.ok ? d.frame : undefined;
    const key = !f ? 'undecodable' : f.type === 'obj-nack' ? `obj-nack:${f.reason}` : f.type === 'obj-proof' ? `obj-proof:${f.proof.length ? 'held' : 'empty'}` : f.type;
    this.got[key] = (this.got[key] ?? 0) + 1;
    if (!f) return;
    if (f.type === 'hello') {
      this.theirHello = bytes.slice();
      this.theirDeviceKey = f.deviceKey;
    }
    if (f.type === 'ping') this.t.send(encodeFrame({ type: 'pong', n: f.n })); // stay alive between bursts
    for (const w of [...this.#waiters]) {
      if (!w.match(f)) continue;
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(f);
    }
  }

  async send(f: Frame | Uint8Array): Promise<void> {
    if (this.t.bufferedAmount > this.t.highWaterMark) await this.t.waitDrain();
    this.t.send(f instanceof Uint8Array ? f : encodeFrame(f));
  }

  next(match: (f: Frame) => boolean, timeoutMs = 30_000): Promise<Frame | undefined> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('hostile: timed out waiting for the family device')), timeoutMs);
      this.#waiters.push({ match, resolve: (f) => { clearTimeout(t); resolve(f); } });
    });
  }
}

let wire: Wire | undefined;

const api = {
  /** Joins the family's room with a relay invite and completes the handshake with the first device that connects. */
  async start(o: { signalUrl: string; relayInvite: string }) {
    const inv = await crypto.parseInvite(o.relayInvite);
    const keys = await crypto.deriveVaultKeys(inv.vaultSecret);
    const index = await openIndex(keys.vaultId);
    const store = await openObjectStore({ name: keys.vaultId, hash: (b) => crypto.hashObject(b), index });
    const device = await crypto.newSigningKey();
    const inviteKey = await crypto.signingKeyFromSeed(inv.inviteSeed);
    const isig = await crypto.signDetached(inviteKey.secretKey, INVITE_DEVICE_CONTEXT, device.publicKey);
    const credential = concatBytes(inviteKey.publicKey, isig);
    const rc = replicationCrypto(crypto, device);
    let take!: (t: PeerTransport) => void;
    const first = new Promise<PeerTransport>((resolve) => (take = resolve));
    node = await startReplicationNode({
      role: 'relay', peerId: PEER_ID as PeerId, keys, device, signalUrl: o.signalUrl, crypto, store, index, credential,
      policy: { authorizePeer: () => 'ok', isAuthorAllowed: () => false, wantObject: () => false },
      log: (l) => console.info(`[hostile] ${l}`),
    });
    // Its own protocol instead of the engine: every transport the dialer opens comes here.
    let taken = false;
    node.engine.connect = ((t: PeerTransport) => {
      if (taken) t.close('one link is enough');
      taken = true;
      take(t);
    }) as unknown as ReplicationNode['engine']['connect'];
    const t = await first;
    const w = new Wire(t);
    const hello: Frame = { type: 'hello', protocol: PROTOCOL_VERSION, peerId: PEER_ID, role: 'relay', deviceKey: device.publicKey, nonce: globalThis.crypto.getRandomValues(new Uint8Array(32)), credential };
    const mine = encodeFrame(hello);
    t.send(mine);
    for (let i = 0; i < 300 && !w.theirHello; i++) await new Promise((r) => setTimeout(r, 20));
    if (!w.theirHello) throw new Error('hostile: no hello from the family device');
    const tr = handshakeTranscript(mine, w.theirHello, t.localFingerprint, t.remoteFingerprint);
    const verdict = w.next((f) => f.type === 'accept' || f.type === 'refuse');
    await w.send({ type: 'auth', localFingerprint: t.localFingerprint, remoteFingerprint: t.remoteFingerprint, mac: await crypto.handshakeMac(keys.handshakeKey, tr), signature: await rc.sign(tr) });
    const v = await verdict;
    if (v?.type !== 'accept') throw new Error(`hostile: refused at the handshake: ${JSON.stringify(v)}`);
    await w.send({ type: 'accept' });
    wire = w;
    return { peerId: PEER_ID, transport: t.kind };
  },

  /**
   * Sends `frames` hostile frames (with a challenge every 200 as a pacing marker) and says what
   * each should have caused at the family device: a decode refusal, an abuse kind, an answer.
   */
  async fire(o: { frames: number; seed: number }) {
    const w = wire!;
    const rng = new Rng(o.seed);
    const { garbage, mutated, pastLimits } = hostileFrames(rng);
    const randomHash = (): ObjectHash => toHex(rng.bytes(32)) as ObjectHash;
    const expected: Record<string, number> = {};
    const expect1 = (...outcomes: string[]) => { for (const x of outcomes) expected[x] = (expected[x] ?? 0) + 1; };
    const byCategory: Record<string, number> = {};
    const me = toBase64Url(rng.bytes(32));
    const family = toBase64Url(w.theirDeviceKey!);
    let sent = 0;
    const offerCorrupt = async (): Promise<number> => {
      const hash = randomHash();
      const size = 100 + rng.int(DATA_CHUNK_BYTES - 100);
      const want = w.next((f) => f.type === 'obj-want' && f.hash === hash);
      await w.send({ type: 'obj-offer', hash, size });
      if ((await want)?.type !== 'obj-want') throw new Error('hostile: the family device did not want what was offered');
      const nack = w.next((f) => f.type === 'obj-nack' && f.hash === hash);
      await w.send({ type: 'obj-data', hash, offset: 0, total: size, bytes: rng.bytes(size) });
      expect1('answer:obj-want', 'abuse:bad-hash', 'answer:obj-nack:corrupt');
      await nack;
      return 2;
    };
    const categories: Array<[string, number, () => Promise<number>]> = [
      ['random-bytes', 16, async () => { await w.send(garbage()); expect1('decode'); return 1; }],
      ['mutated-frame', 16, async () => { await w.send(mutated()); expect1('decode'); return 1; }],
      ['past-limits', 6, async () => { await w.send(pastLimits()); expect1('decode'); return 1; }],
      ['handshake-after-open', 5, async () => {
        await w.send(rng.pick<Frame>([
          { type: 'auth', localFingerprint: 'x', remoteFingerprint: 'y', mac: rng.bytes(32), signature: rng.bytes(64) },
          { type: 'accept' },
          { type: 'refuse', reason: rng.pick(REFUSAL_REASONS), detail: 'go away' },
        ]));
        expect1('abuse:unexpected');
        return 1;
      }],
      ['forged-op', 6, async () => {
        await w.send({ type: 'op-batch', ops: [{ log: 'forged', author: me, seq: 1, lamport: 1, ciphertext: rng.bytes(60), signature: rng.bytes(64) }] });
        expect1('abuse:bad-signature');
        return 1;
      }],
      ['forged-family-op', 5, async () => {
        // The genesis of the vault log, rewritten in the family device's name: a forgery.
        await w.send({ type: 'op-batch', ops: [{ log: 'vault', author: family, seq: 1, lamport: 1, ciphertext: rng.bytes(80), signature: rng.bytes(64) }] });
        expect1('abuse:bad-signature');
        return 1;
      }],
      ['unsolicited-data', 6, async () => {
        const size = 1 + rng.int(rng.int(8) === 0 ? DATA_CHUNK_BYTES : 2000);
        await w.send({ type: 'obj-data', hash: randomHash(), offset: 0, total: size, bytes: rng.bytes(size) });
        expect1('abuse:unexpected');
        return 1;
      }],
      ['unsolicited-proof', 4, async () => { await w.send({ type: 'obj-proof', hash: randomHash(), nonce: rng.bytes(32), proof: rng.bytes(32) }); expect1('abuse:unexpected'); return 1; }],
      ['entries-before-cursor', 4, async () => {
        await w.send({ type: 'inv-entries', entries: [{ seq: 1 + rng.int(100), hash: randomHash(), size: 1 + rng.int(1e6), gone: false }] });
        expect1('abuse:unexpected');
        return 1;
      }],
      ['bucket-list-unasked', 4, async () => {
        const hash = randomHash();
        await w.send({ type: 'inv-bucket-list', bucket: parseInt(hash.slice(0, 2), 16), objects: [{ hash, size: 5 }], last: true });
        expect1('abuse:unexpected');
        return 1;
      }],
      ['forged-ack', 5, async () => { await w.send({ type: 'obj-ack', hash: randomHash() }); expect1('ignored:unsolicited-ack'); return 1; }],
      ['want-unknown', 5, async () => { await w.send({ type: 'obj-want', hash: randomHash(), offset: 0 }); expect1('answer:obj-nack:not-found'); return 1; }],
      ['challenge', 4, async () => { await w.send({ type: 'obj-challenge', hash: randomHash(), nonce: rng.bytes(32) }); expect1('answer:obj-proof:empty'); return 1; }],
      ['offer-refused', 4, async () => {
        await w.send({ type: 'obj-offer', hash: randomHash(), size: rng.int(2) ? 0 : 16 * 2 ** 20 + 1 + rng.int(1e9) });
        expect1('answer:obj-nack:too-large');
        return 1;
      }],
      ['offer-then-corrupt-data', 3, offerCorrupt],
      ['ping', 2, async () => { await w.send({ type: 'ping', n: rng.int(1e6) }); expect1('answer:pong'); return 1; }],
    ];
    const weights = categories.reduce((n, [, x]) => n + x, 0);
    const before = { ...w.got };
    while (sent < o.frames && !w.closed) {
      for (let i = 0; i < 200 && sent < o.frames; i++) {
        let x = rng.int(weights);
        const c = categories.find((k) => (x -= k[1]) < 0) ?? categories[0]!;
        const n = await c[2]();
        sent += n;
        byCategory[c[0]] = (byCategory[c[0]] ?? 0) + n;
      }
      // Pacing: the challenge is handled after everything sent before it.
      const nonce = rng.bytes(32);
      const marker = w.next((f) => f.type === 'obj-proof' && toHex(f.nonce) === toHex(nonce), 60_000);
      await w.send({ type: 'obj-challenge', hash: randomHash(), nonce });
      expect1('answer:obj-proof:empty');
      sent++;
      byCategory.challenge = (byCategory.challenge ?? 0) + 1;
      if (!(await marker)) break;
    }
    // Wait for the answers to stop moving.
    let last = '';
    for (let stable = 0; stable < 10;) {
      await new Promise((r) => setTimeout(r, 30));
      const now = JSON.stringify(w.got);
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    const answers = Object.fromEntries(Object.keys(w.got).map((k) => [k, w.got[k]! - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
    return { sent, expected, byCategory, answers, open: !w.closed };
  },

  async ping() {
    const n = Math.floor(Math.random() * 1e6);
    const pong = wire!.next((f) => f.type === 'pong' && f.n === n, 10_000);
    await wire!.send({ type: 'ping', n });
    return (await pong) !== undefined;
  },
};

Object.assign(window, { fvHostile: api });
