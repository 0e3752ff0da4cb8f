/**
 * The relay's side of a vault, run by relay.html inside the relay node's Chromium: keeps every
 * object and op of the vault, verifies hashes and signatures, and holds no key that opens a
 * photo (a relay invite carries the vault secret only). Its device key lives in the profile.
 */
import { concatBytes, fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { describeError, isIntegrityError } from '../core/errors.ts';
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type { CryptoApi } from '../crypto/api-types.ts';
import { signOp, VAULT_LOG } from '../replication/op-envelope.ts';
import type { ReplicationPolicy } from '../replication/ports.ts';
import { IdbReplicationStores } from '../storage/replication-stores.ts';
import { openIndex } from '../storage/index-db.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { persistence } from '../storage/quota.ts';
import { Authority } from './authority/authority.ts';
import { openKeyring } from './authority/rotation.ts';
import { INVITE_DEVICE_CONTEXT, signStatement } from './authority/statement.ts';
import { decodeKeyPair, dropSupersededBundles, encodeKeyPair, replicationCrypto, startReplicationNode, storedVaultLog, type ReplicationNode } from './replication-node.ts';

export interface RelayPageConfig {
  signalUrl: string;
  invite: string;
  name: string;
  quotaBytes: number | null;
  peerId?: string;
  testLoopback: boolean;
}

export interface RelayPeerStatus {
  ready: boolean;
  peerId: string;
  objects: number;
  bytes: number;
  quotaBytes: number | null;
  peers: Array<{ peerId: string; role: string; transport: string; lastSyncAt: number | null }>;
  queueDepth: number;
  lastSyncAt: number | null;
  signal: string;
  corrupt: number;
  refusedForQuota: number;
  repaired: number;
  repairing: number;
  version: string;
}

export const RELAY_VERSION = '0.1.0';

export interface RelayPeer {
  status(): Promise<RelayPeerStatus>;
  selfCheck(opts: { sample: number }): Promise<{ checked: number; corrupt: string[] }>;
  stop(): Promise<void>;
}

export async function startRelayPeer(crypto: CryptoApi, cfg: RelayPageConfig, log: (l: string) => void): Promise<RelayPeer> {
  const invite = await crypto.parseInvite(cfg.invite);
  if (invite.kind !== 'relay') throw new RangeError('a relay needs a relay invite (it must not hold a member secret)');
  const keys = await crypto.deriveVaultKeys(invite.vaultSecret);
  const index = await openIndex(keys.vaultId);
  const store = await openObjectStore({ name: keys.vaultId, hash: (b) => crypto.hashObject(b), index, ...(cfg.quotaBytes ? { quotaBytes: cfg.quotaBytes } : {}) });
  persistence.ask(); // not awaited: an unanswered prompt must not hold the relay back
  let device = await index.getSetting<{ secretKey: string; publicKey: string }>('relay.device');
  if (!device) {
    device = encodeKeyPair(await crypto.newSigningKey());
    await index.setSetting('relay.device', device);
  }
  const peerId = (cfg.peerId ?? (await index.getSetting<string>('relay.peerId'))) as PeerId;
  await index.setSetting('relay.peerId', peerId);
  // The relay's own X25519 key: a rotated vault secret is sealed to it. It opens no photo.
  let box = await index.getSetting<{ secret: string; public: string }>('relay.box');
  if (!box) {
    const id = await crypto.createIdentity();
    box = { secret: toBase64Url(id.boxSecret), public: toBase64Url(id.boxPublic) };
    await index.setSetting('relay.box', box);
  }
  const deviceKeys = decodeKeyPair(device);
  // The invite key admits this relay (the hello credential) and signs its enrolment.
  const inviteKey = await crypto.signingKeyFromSeed(invite.inviteSeed);
  const isig = await crypto.signDetached(inviteKey.secretKey, INVITE_DEVICE_CONTEXT, deviceKeys.publicKey);
  const genesis = await index.getSetting<string>('authority.genesis');
  const authority = new Authority({
    crypto, log,
    ...(genesis ? { genesis } : {}),
    pinBy: { inviteKey: toBase64Url(inviteKey.publicKey), inviterFingerprint: invite.inviter },
    onPinned: (g) => index.setSetting('authority.genesis', g),
  });

  // Objects refused because the quota is reached (distinct hashes; retries count once).
  const refused = new Set<string>();
  const refuse = async (hash: string, size: number): Promise<string | undefined> => {
    if (!cfg.quotaBytes) return undefined;
    const s = await store.stat();
    if (s.bytes + s.pendingBytes + size <= cfg.quotaBytes) return undefined;
    const reason = `relay ${cfg.name} is full (quota ${cfg.quotaBytes} bytes, ${s.bytes} stored)`;
    if (!refused.has(hash)) {
      refused.add(hash);
      log(`relay: ${reason}: refused an object of ${size} bytes; nothing stored was touched, and it is fetched again later in case space was freed`);
    }
    return reason;
  };
  const lastSync = new Map<string, number>();
  const policy: ReplicationPolicy = {
    // The vault secret is not enough: the device must be certified by a current member, be an
    // enrolled home, or present an unused invite's signature (authority.ts).
    authorizePeer: (p) => authority.authorizeDevice(p.deviceKey, p.credential),
    // A relay cannot read albums, but the roster is public: ops only from current members'
    // devices whose role may write; vault-log statements only when the roster applies them.
    isAuthorAllowed: (_log, _author, op) => authority.admit(op),
    countsAsHome: (k) => authority.isHome(k),
    // Everything, except a key bundle its member replaced (the old passphrase opens it).
    wantObject: (h) => !authority.roster().supersededBundles.has(h),
    // Pulls and offers (pushes) are refused before any byte moves.
    acceptObject: (hash, size) => refuse(hash, size),
  };
  // What is stored already, before any peer can send more.
  await authority.load(await storedVaultLog(new IdbReplicationStores(index)));
  // Every generation of the vault secret sealed to this home: it talks in the newest room and
  // listens in the earlier ones too, where a device that slept through a rotation finds it.
  const me = { box: box.public, boxSecret: fromBase64Url(box.secret) };
  const keyring = () => openKeyring(crypto, authority.roster(), me, { vaultSecret: invite.vaultSecret }, log);
  let gens = (await keyring()).gens;
  const node: ReplicationNode = await startReplicationNode({
    role: 'relay', peerId, keys: gens[0]!.keys, extraRooms: gens.slice(1).map((g) => g.keys), device: deviceKeys, signalUrl: cfg.signalUrl, crypto, store, index, policy, log,
    credential: concatBytes(inviteKey.publicKey, isig),
    // A family's devices enrol its rooms with the signal server; the home only vouches, and says why it waits.
    onEnrolment: (n, room) => {
      if (n.status !== 'enrolled') log(`relay: the signal server has not enrolled room ${room.slice(0, 8)}… (${n.status === 'refused' ? n.reason : 'not enrolled'}): it retries by itself; a family device with the server's code enrols it`);
    },
  });
  const rekey = async () => {
    const next = (await keyring()).gens;
    if (next.length === gens.length && next[0]!.gen === gens[0]!.gen) return;
    gens = next;
    log(`relay: the family rotated its secrets (generation ${gens[0]!.gen}); talking in the new room, listening in ${gens.length - 1} earlier`);
    node.setRooms(gens.map((g) => g.keys));
  };
  authority.onChange(() => void rekey().catch((e: unknown) => log(`relay: rotation failed (${describeError(e)})`)));
  const dropBundles = () => void dropSupersededBundles(store, authority.roster().supersededBundles, log).catch((e: unknown) => log(`relay: could not delete a replaced key bundle (${describeError(e)})`));
  authority.onChange(dropBundles);
  dropBundles();
  const stores = node.stores;
  // Once the family's root is known, enrol: a statement signed by this relay's device key.
  let enrolling = false;
  const enroll = async () => {
    if (enrolling || authority.genesis === undefined || authority.isHome(deviceKeys.publicKey)) return;
    enrolling = true;
    try {
      const me = toBase64Url(deviceKeys.publicKey);
      const bytes = await signStatement(crypto, deviceKeys, authority.genesis, {
        t: 'enroll', device: me, box: box.public, name: cfg.name.slice(0, 64), key: toBase64Url(inviteKey.publicKey), isig: toBase64Url(isig),
      });
      const seq = ((await stores.opVector()).get(VAULT_LOG)?.get(me) ?? 0) + 1;
      const op = await signOp(replicationCrypto(crypto, deviceKeys), { log: VAULT_LOG, author: me, seq, lamport: authority.nextLamport, ciphertext: bytes });
      const r = await node.engine.addLocalOps([op]);
      log(r.accepted.length ? `relay: enrolled as home "${cfg.name}"` : `relay: enrolment refused (${r.rejected.map((x) => x.reason).join(', ')}): ask an admin for a new relay invite`);
    } finally {
      enrolling = false;
    }
  };
  authority.onChange(() => node.engine.policyChanged());
  authority.onChange(() => void enroll().catch((e: unknown) => log(`relay: enrolment failed (${describeError(e)})`)));
  await enroll();
  // Self-repair: an object found corrupt (self-check, or while serving it) lost its bytes; it is
  // fetched again from a peer whose inventory holds it (another home, a member) and verified.
  const repairing = new Set<string>();
  let repaired = 0;
  const repair = async (hash: ObjectHash) => {
    if (repairing.has(hash)) return;
    repairing.add(hash);
    const r = await node.engine.fetch(hash);
    if (r === 'present') {
      repairing.delete(hash);
      return;
    }
    log(`relay: ${hash.slice(0, 16)}… was corrupt: ${r === 'queued' ? 'fetching it again from a peer that holds it' : 'no known peer holds it yet; it is fetched when one offers it'}`);
  };
  const repairSafely = (h: ObjectHash) => void repair(h).catch((e: unknown) => log(`relay: could not queue a repair (${describeError(e)})`));
  node.engine.on('object', ({ hash }) => {
    if (!repairing.delete(hash)) return;
    repaired++;
    log(`relay: repaired ${hash.slice(0, 16)}… (fetched again and verified); ${repaired} repaired so far`);
  });
  node.engine.on('local-corrupt', ({ hash }) => repairSafely(hash));
  for await (const h of store.corrupt()) repairSafely(h);
  const touch = (p: string) => lastSync.set(p, Date.now());
  node.engine.on('object', ({ from }) => touch(from));
  node.engine.on('ops', ({ from }) => from !== 'local' && touch(from));
  node.engine.on('peer-open', (p) => p.peerId && touch(p.peerId));
  // A relay pulls what it learns of. The engine asks acceptObject before each pull, so a full
  // relay downloads nothing; the job fails as 'storage' and is retried with backoff (up to every
  // 10 min) in case space was freed. A store that still refuses (QuotaError) also fails 'storage'.
  // Count and log the ones the quota explains.
  node.engine.on('job', (j) => {
    if (j.dir === 'pull' && j.state === 'failed' && j.lastError === 'storage') void refuse(j.hash, j.size);
  });
  node.engine.on('peer-refused', (r) => log(`relay: peer ${r.peerId ?? '?'} refused (${r.by}): ${r.reason} ${r.detail}`));

  // Tell the family's devices who this home is and whether it is full (sealed with the room key):
  // now, every 15 s (so devices that join later learn it), and as soon as it becomes full.
  let lastReason: string | undefined;
  const announce = async () => {
    const st = await store.stat();
    // Full = it has had to refuse an object (what no longer fits), not some percentage.
    const full = refused.size > 0;
    const reason = full ? `Home "${cfg.name}" is full: it keeps ${st.bytes} bytes of its ${cfg.quotaBytes} byte quota and refuses new photos` : undefined;
    lastReason = reason;
    await node.dialer.announce({ role: 'relay', name: cfg.name, full, ...(reason ? { reason } : {}), bytes: st.bytes, quotaBytes: cfg.quotaBytes });
  };
  const announceSafely = () => void announce().catch((e: unknown) => log(`relay: status announce failed (${describeError(e)})`));
  const announcer = setInterval(announceSafely, 15_000);
  node.onJoined(announceSafely);
  node.engine.on('job', (j) => {
    if (j.state === 'failed' && lastReason === undefined && refused.size > 0) announceSafely();
  });

  return {
    async status() {
      const s = await store.stat();
      const peers = node.engine.peers().filter((p) => p.peerId && p.state !== 'closed');
      const jobs = node.engine.jobs().filter((j) => j.state === 'queued' || j.state === 'sending');
      const times = [...lastSync.values()];
      return {
        ready: node.signal.state === 'joined',
        peerId,
        objects: s.count, bytes: s.bytes, quotaBytes: cfg.quotaBytes,
        peers: peers.map((p) => ({ peerId: p.peerId!, role: p.role ?? 'unknown', transport: p.transport, lastSyncAt: lastSync.get(p.peerId!) ?? null })),
        queueDepth: jobs.length,
        lastSyncAt: times.length ? Math.max(...times) : null,
        signal: node.signal.state,
        corrupt: s.corruptCount,
        refusedForQuota: refused.size,
        repaired,
        repairing: repairing.size,
        version: RELAY_VERSION,
      };
    },
    async selfCheck({ sample }) {
      const all: ObjectHash[] = [];
      for await (const h of store.list()) all.push(h);
      // Fisher-Yates prefix: a uniform random sample without replacement.
      for (let i = 0; i < Math.min(sample, all.length); i++) {
        const j = i + Math.floor(Math.random() * (all.length - i));
        [all[i], all[j]] = [all[j]!, all[i]!];
      }
      const picked = all.slice(0, sample);
      const corrupt: string[] = [];
      for (const h of picked) {
        try {
          await store.get(h);
        } catch (e) {
          if (!isIntegrityError(e)) throw e;
          corrupt.push(h);
          log(`relay: self-check found ${h.slice(0, 16)}… corrupt (${describeError(e)}); it will be fetched again`);
        }
      }
      for (const h of corrupt) repairSafely(h as ObjectHash);
      return { checked: picked.length, corrupt };
    },
    async stop() {
      clearInterval(announcer);
      await node.stop();
      await store.close();
      index.close();
    },
  };
}
