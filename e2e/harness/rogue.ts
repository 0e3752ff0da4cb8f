/**
 * A dishonest home relay, built from exactly what a relay holds: a relay invite (the vault
 * secret and an invite key the admin announced) and a device key of its own. It enrols like an
 * honest relay, then uses everything it has to attack the family: it plants an album key for a
 * member (the old vault-log format, and as a statement signed by its own key), names itself an
 * admin, and writes an album op under the key it planted. Its own policy accepts anything, so it
 * stores and offers all of this to every peer; the peers must refuse.
 */
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from '../../web/src/core/bytes.ts';
import type { PeerId } from '../../web/src/core/ids.ts';
import { startCryptoWorker } from '../../web/src/crypto/client.ts';
import { VAULT_LOG, signOp } from '../../web/src/replication/op-envelope.ts';
import { openIndex } from '../../web/src/storage/index-db.ts';
import { openObjectStore } from '../../web/src/storage/open-store.ts';
import { readStatement, signStatement, INVITE_DEVICE_CONTEXT } from '../../web/src/vault/authority/statement.ts';
import { replicationCrypto, startReplicationNode, storedVaultLog, type ReplicationNode } from '../../web/src/vault/replication-node.ts';

const crypto = startCryptoWorker();
let node: ReplicationNode | undefined;
let device: { secretKey: Uint8Array; publicKey: Uint8Array };
const seqs = new Map<string, number>();
let planted: Uint8Array | undefined;
let vaultKeys: { handshakeKey: Uint8Array } | undefined;

async function publish(log: string, ciphertext: Uint8Array, lamport = 10_000 + seqs.size * 10 + (seqs.get(log) ?? 0)) {
  const author = toBase64Url(device.publicKey);
  const seq = (seqs.get(log) ?? 0) + 1;
  seqs.set(log, seq);
  const op = await signOp(replicationCrypto(crypto, device), { log, author, seq, lamport, ciphertext });
  const r = await node!.engine.addLocalOps([op]);
  return r.accepted.length === 1;
}

async function genesis(): Promise<string | undefined> {
  for (const op of await storedVaultLog(node!.stores)) {
    const st = await readStatement(crypto, op.ciphertext).catch(() => undefined);
    if (st?.body.t === 'genesis') return st.id;
  }
  return undefined;
}

const api = {
  async start(o: { signalUrl: string; relayInvite: string }) {
    const inv = await crypto.parseInvite(o.relayInvite);
    const keys = await crypto.deriveVaultKeys(inv.vaultSecret);
    vaultKeys = keys;
    const index = await openIndex(keys.vaultId);
    const store = await openObjectStore({ name: keys.vaultId, hash: (b) => crypto.hashObject(b), index });
    device = await crypto.newSigningKey();
    const inviteKey = await crypto.signingKeyFromSeed(inv.inviteSeed);
    const isig = await crypto.signDetached(inviteKey.secretKey, INVITE_DEVICE_CONTEXT, device.publicKey);
    node = await startReplicationNode({
      role: 'relay', peerId: 'rogueRelay0001' as PeerId, keys, device, signalUrl: o.signalUrl, crypto, store, index,
      policy: { authorizePeer: () => 'ok', isAuthorAllowed: () => true, wantObject: () => true },
      credential: concatBytes(inviteKey.publicKey, isig), log: (l) => console.info(`[rogue] ${l}`),
    });
    for (let i = 0; i < 300 && !(await genesis()); i++) await new Promise((r) => setTimeout(r, 100));
    const g = await genesis();
    if (!g) throw new Error('rogue: no vault log arrived');
    const me = toBase64Url(device.publicKey);
    const enrolled = await publish(VAULT_LOG, await signStatement(crypto, device, g, {
      t: 'enroll', device: me, box: me, name: 'Rogue', key: toBase64Url(inviteKey.publicKey), isig: toBase64Url(isig),
    }), 5_000);
    return { enrolled };
  },

  /** Everything a relay can try in order to choose a member's next album key, or write for them. */
  async attack(o: { album: string; memberBox: string }) {
    const g = (await genesis())!;
    planted = await crypto.newAlbumKey();
    const albumId = fromBase64Url(o.album);
    const sealed = await crypto.sealAlbumKey(fromBase64Url(o.memberBox), planted, albumId, 1);
    const results: Record<string, boolean> = {};
    // 1-2. Statements signed by its own key: a new epoch and a grant (it has no directory key, so
    //    the sealed part is under a key it made up), and itself as an admin.
    results.sealedPlant = await publish(VAULT_LOG, await signStatement(crypto, device, g, { t: 'sealed', p: toBase64Url(await crypto.sealObject(planted, 'album-info', sealed)) }));
    const fakeId = await crypto.createIdentity();
    results.selfAdmin = await publish(VAULT_LOG, await signStatement(crypto, device, g, { t: 'role', who: toBase64Url(await crypto.encodePublicIdentity(fakeId)), role: 'admin', cut: {} }));
    // 3. The old vault-log entry (last: a refused op stops its author's stream, so later ones would be gaps): an album.key sealed under a key derived from the vault secret.
    const handshakeKey = vaultKeys!.handshakeKey;
    const logKey = await crypto.handshakeMac(handshakeKey, utf8('family-vault/vault-log-key/v1'));
    const legacy = await crypto.sealObject(logKey, 'album-info', utf8(JSON.stringify({ t: 'album.key', album: o.album, epoch: 1, to: o.memberBox, sealed: toBase64Url(sealed) })));
    results.legacyPlant = await publish(VAULT_LOG, legacy);
    // 4. An album op under the planted key, in its own name.
    const op = await crypto.sealOp({ albumId, epoch: 1, albumKey: planted, authorSecret: device.secretKey, seq: 1, payload: utf8('{"body":{"kind":"set","register":"name","value":"Hacked"}}') });
    results.albumOp = await publish(o.album, op, 1);
    return results;
  },

  /** Can the key it planted open this op (a member's newest photo)? */
  async opensWithPlanted(ciphertext: string): Promise<boolean> {
    try {
      await crypto.openOp(planted!, fromBase64Url(ciphertext));
      return true;
    } catch {
      return false;
    }
  },

  peers: () => node!.engine.peers().map((p) => ({ peerId: p.peerId, state: p.state, refusal: p.refusal })),
};

Object.assign(window, { fvRogue: api });
