/**
 * The relay's side of a vault, run by relay.html inside the relay node's Chromium: keeps every
 * object and op of the vault, verifies hashes and signatures, and holds no key that opens a
 * photo (a relay invite carries the vault secret only). Its device key lives in the profile.
 */
import { describeError, isIntegrityError } from '../core/errors.ts';
import type { ObjectHash, PeerId } from '../core/ids.ts';
import type { CryptoApi } from '../crypto/api-types.ts';
import type { ReplicationPolicy } from '../replication/ports.ts';
import { openIndex } from '../storage/index-db.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { requestPersistence } from '../storage/quota.ts';
import { decodeKeyPair, encodeKeyPair, startReplicationNode, type ReplicationNode } from './replication-node.ts';

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
  await requestPersistence();
  let device = await index.getSetting<{ secretKey: string; publicKey: string }>('relay.device');
  if (!device) {
    device = encodeKeyPair(await crypto.newSigningKey());
    await index.setSetting('relay.device', device);
  }
  const peerId = (cfg.peerId ?? (await index.getSetting<string>('relay.peerId'))) as PeerId;
  await index.setSetting('relay.peerId', peerId);

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
    // The handshake MAC already proved the vault secret; a relay serves every holder of it.
    authorizePeer: () => 'ok',
    // A relay cannot read album member lists; it checks signatures and order, members check the rest.
    isAuthorAllowed: () => true,
    wantObject: () => true,
    // Pulls and offers (pushes) are refused before any byte moves.
    acceptObject: (hash, size) => refuse(hash, size),
  };
  const node: ReplicationNode = await startReplicationNode({
    role: 'relay', peerId, keys, device: decodeKeyPair(device), signalUrl: cfg.signalUrl, crypto, store, index, policy, log,
  });
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
  node.signal.on('joined', announceSafely);
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
      if (corrupt.length) node.engine.objectsChanged();
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
