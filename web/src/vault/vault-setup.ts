/**
 * Creating, joining and unlocking a vault on this device. What stays on disk: the passphrase-
 * encrypted key bundle, the device secrets sealed to the member's identity, and ciphertext. A
 * member restores on a new device with an invite (vault + member secret) and the passphrase:
 * the key bundle replicates like any object, so any relay can hand it over.
 */
import { concatBytes, toBase64Url } from '../core/bytes.ts';
import { DecryptError, StorageError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { CryptoApi, Identity } from '../crypto/api-types.ts';
import { openIndex, type VaultIndex } from '../storage/index-db.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { persistence } from '../storage/quota.ts';
import { openDeviceSecrets, sealDeviceSecrets, type DeviceSecrets, type SealedDeviceSecrets } from './device-secrets.ts';
import type { MediaPort } from './ingest.ts';
import { INVITE_DEVICE_CONTEXT, INVITE_JOIN_CONTEXT, joinTranscript, readStatement, signStatement } from './authority/statement.ts';
import { VaultSession, type SessionOptions } from './vault-session.ts';
import { assertStrongPassphrase } from './passphrase-strength.ts';
import { remember } from './known-vaults.ts';

export interface VaultEnv {
  crypto: CryptoApi;
  media: MediaPort;
  /** ws(s)://…/signal */
  signalUrl: string;
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** How long WebRTC may try before the WebSocket fallback is used (default 15 s). */
  iceTimeoutMs?: number;
  /** Tests only: Argon2 parameters below the floor so suites run fast. */
  weakKdfForTests?: boolean;
  /** Tests only: replication settings, e.g. an abuse limit raised so a fault test's every frame is handled. */
  engineConfigForTests?: SessionOptions['engineConfig'];
}

const WEAK_KDF = { params: { memory: 1024, iterations: 1, parallelism: 1 }, allowBelowFloor: true };

const randomPeerId = () => toBase64Url(crypto.getRandomValues(new Uint8Array(16)));

/** The vault's index and object store. Exported for tests. */
export async function openStorage(env: Pick<VaultEnv, 'crypto'>, vaultId: string) {
  // Not awaited: Firefox's prompt may stay unanswered, and the vault must open meanwhile.
  persistence.ask();
  const index = await openIndex(vaultId);
  const store = await openObjectStore({ name: vaultId, hash: (b) => env.crypto.hashObject(b), index });
  return { index, store };
}

async function keep(env: VaultEnv, index: VaultIndex, id: Identity, bundle: Uint8Array, secrets: DeviceSecrets, name: string) {
  const sealed = await sealDeviceSecrets(env.crypto, id, secrets);
  await index.setSetting('member.bundle', bundle);
  await index.setSetting('member.secrets', sealed);
  await index.setSetting('member.name', name);
}

async function session(env: VaultEnv, id: Identity, secrets: DeviceSecrets, storage: { index: VaultIndex; store: Awaited<ReturnType<typeof openObjectStore>> }, name: string, o: { probe?: boolean } = {}) {
  const keys = await env.crypto.deriveVaultKeys(secrets.vaultSecret);
  // The keyless probe of a restore reads the vault log and fetches key bundles, nothing else:
  // listing peers' inventories would pull the library into a session about to close (its
  // transfers cut, their bytes spent) and move the cursors the real session lists from.
  const s = new VaultSession({
    crypto: env.crypto, media: env.media, identity: id, secrets, keys, index: storage.index, store: storage.store,
    signalUrl: env.signalUrl, name, ...(env.weakKdfForTests ? { kdf: WEAK_KDF } : {}), ...(env.iceTransportPolicy ? { iceTransportPolicy: env.iceTransportPolicy } : {}),
    ...(env.iceTimeoutMs ? { iceTimeoutMs: env.iceTimeoutMs } : {}),
    engineConfig: { ...env.engineConfigForTests, ...(o.probe ? { listInventories: false } : {}) },
  });
  await s.start();
  return s;
}

async function newDeviceSecrets(env: VaultEnv, vaultSecret: Uint8Array, memberSecret: Uint8Array): Promise<DeviceSecrets> {
  return { vaultSecret, memberSecret, device: await env.crypto.newSigningKey(), peerId: randomPeerId() };
}

/** A new vault with its first member (this person, the root admin) and a first album. */
export async function createVault(env: VaultEnv, o: { name: string; passphrase: string; albumName?: string }) {
  const { crypto } = env;
  await assertStrongPassphrase(o.passphrase, [o.name]);
  const id = await crypto.createIdentity();
  const { bundle, recoveryPhrase } = await crypto.createKeyBundle(id, o.passphrase, env.weakKdfForTests ? WEAK_KDF : undefined);
  const secrets = await newDeviceSecrets(env, await crypto.newVaultSecret(), await crypto.newMemberSecret());
  const keys = await crypto.deriveVaultKeys(secrets.vaultSecret);
  const storage = await openStorage(env, keys.vaultId);
  await keep(env, storage.index, id, bundle, secrets, o.name);
  // The genesis names this identity the root and this device its first device; its id pins the vault.
  const genesis = await signStatement(crypto, { secretKey: id.signSecret, publicKey: id.signPublic }, '', {
    t: 'genesis', root: toBase64Url(await crypto.encodePublicIdentity(id)), device: toBase64Url(secrets.device.publicKey),
  });
  await storage.index.setSetting('authority.genesis', (await readStatement(crypto, genesis)).id);
  const s = await session(env, id, secrets, storage, o.name);
  await s.appendVaultBytes(genesis);
  await publishProfile(s, bundle, o.name);
  const album = await s.createAlbum(o.albumName ?? 'Family');
  remember({ vaultId: keys.vaultId, name: o.name });
  return { session: s, recoveryPhrase, album };
}

async function publishProfile(s: VaultSession, bundle: Uint8Array, name: string) {
  await s.publish({ t: 'profile', bundle: await s.storeBundle(bundle), p: await s.family.sealedName(name) });
}

/**
 * Unlocks a vault already set up on this device. Wrong passphrase: DecryptError. The object
 * store (its worker, the OPFS checks) opens while the key bundle's KDF runs in the crypto
 * worker: neither needs the other, and the KDF is most of an unlock (docs/performance.md).
 */
export async function unlockVault(env: VaultEnv, vaultId: string, secret: { passphrase: string } | { recoveryPhrase: string }) {
  persistence.ask(); // not awaited, as in openStorage
  // Phases as User Timing marks, like the session's (bench unlock-100k and grid-100k read them).
  performance.mark('fv:unlock-start');
  const index = await openIndex(vaultId);
  performance.mark('fv:index-open');
  const bundle = await index.getSetting<Uint8Array>('member.bundle');
  const sealed = await index.getSetting<SealedDeviceSecrets>('member.secrets');
  const name = (await index.getSetting<string>('member.name')) ?? 'me';
  const rooted = (await index.getSetting('authority.genesis')) !== undefined || (await index.getSetting('authority.pin')) !== undefined;
  if (!bundle || !sealed || !rooted) {
    index.close();
    throw new StorageError(!rooted && bundle
      ? 'this vault was made by an older version of Family Vault, before family roles: its photos are still here, but it cannot be opened safely. Ask the person who made it for a new invite, join the new vault, and add the photos again'
      : 'this vault is not fully set up on this device');
  }
  const unlocking = 'passphrase' in secret
    ? env.crypto.unlockWithPassphrase(bundle, secret.passphrase)
    : env.crypto.unlockWithRecovery(bundle, secret.recoveryPhrase);
  void unlocking.then(() => performance.mark('fv:kdf-done'), () => undefined);
  const opening = openObjectStore({ name: vaultId, hash: (b) => env.crypto.hashObject(b), index });
  void opening.then(() => performance.mark('fv:store-open'), () => undefined);
  const [unlocked, opened] = await Promise.allSettled([unlocking, opening]);
  if (opened.status === 'rejected' || unlocked.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close();
    index.close();
    // A wrong passphrase is what the person must hear about first.
    throw unlocked.status === 'rejected' ? unlocked.reason : (opened as PromiseRejectedResult).reason;
  }
  const storage = { index, store: opened.value };
  try {
    const id = unlocked.value;
    const secrets = await openDeviceSecrets(env.crypto, id, sealed);
    performance.mark('fv:secrets-open');
    return await session(env, id, secrets, storage, name);
  } catch (e) {
    await storage.store.close();
    storage.index.close();
    throw e;
  }
}

/** Waits until the session has found its family's root (a peer sent the vault log). */
async function pinned(s: VaultSession, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (s.authority.genesis === undefined) {
    if (Date.now() > deadline) throw new StorageError('no device or home of this family answered in time: is one of them online?', { retryable: true });
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Joins with a member invite. `restore`: this member already exists (a new phone): the key
 * bundle is fetched from the vault's peers and unlocked with the passphrase or the recovery
 * phrase, and this device certifies itself with the identity. Otherwise a new member identity
 * is made and joins with the invite's role (the invite key signs the join).
 * Either way the device first finds the family root its inviter signed under (authority.ts).
 */
export async function joinVault(env: VaultEnv, o: { invite: string; passphrase?: string; recoveryPhrase?: string; name: string; restore: boolean; timeoutMs?: number }) {
  const { crypto } = env;
  const inv = await crypto.parseInvite(o.invite);
  if (inv.kind !== 'member') throw new RangeError('this is a relay invite: use it on the relay node, not in the app');
  // A new member's passphrase is judged before anything is stored (a restore opens an existing bundle).
  if (!o.restore) await assertStrongPassphrase(o.passphrase ?? '', [o.name]);
  const keys = await crypto.deriveVaultKeys(inv.vaultSecret);
  const storage = await openStorage(env, keys.vaultId);
  const secrets = await newDeviceSecrets(env, inv.vaultSecret, inv.memberSecret);
  const inviteKey = await crypto.signingKeyFromSeed(inv.inviteSeed);
  await storage.index.setSetting('authority.pin', { inviteKey: toBase64Url(inviteKey.publicKey), inviter: toBase64Url(inv.inviter) });
  const isig = await crypto.signDetached(inviteKey.secretKey, INVITE_DEVICE_CONTEXT, secrets.device.publicKey);
  await storage.index.setSetting('authority.credential', concatBytes(inviteKey.publicKey, isig));
  const timeoutMs = o.timeoutMs ?? 60_000;
  if (!o.restore) {
    if (!o.passphrase) throw new RangeError('a passphrase is needed to protect your keys');
    const id = await crypto.createIdentity();
    const { bundle, recoveryPhrase } = await crypto.createKeyBundle(id, o.passphrase, env.weakKdfForTests ? WEAK_KDF : undefined);
    await keep(env, storage.index, id, bundle, secrets, o.name);
    const s = await session(env, id, secrets, storage, o.name);
    try {
      await pinned(s, timeoutMs);
      const who = toBase64Url(await crypto.encodePublicIdentity(id));
      const device = toBase64Url(secrets.device.publicKey);
      const jsig = await crypto.signDetached(inviteKey.secretKey, INVITE_JOIN_CONTEXT, joinTranscript(who, device));
      await s.publish({ t: 'join', who, device, bundle: await s.storeBundle(bundle), key: toBase64Url(inviteKey.publicKey), isig: toBase64Url(jsig), p: await s.family.sealedName(o.name) });
    } catch (e) {
      await s.stop();
      throw e;
    }
    remember({ vaultId: keys.vaultId, name: o.name });
    return { session: s, recoveryPhrase };
  }
  // Restore: replicate as a keyless node until a member's bundle opens with the passphrase or phrase.
  const id = await findIdentity(env, storage, secrets, o, timeoutMs);
  const bundle = (await storage.index.getSetting<Uint8Array>('restore.bundle'))!;
  await keep(env, storage.index, id, bundle, secrets, o.name);
  const s = await session(env, id, secrets, storage, o.name);
  // Naming the invite marks it used: from then on it lets no other device in.
  await s.publish({ t: 'device', device: toBase64Url(secrets.device.publicKey), key: toBase64Url(inviteKey.publicKey) });
  remember({ vaultId: keys.vaultId, name: o.name });
  return { session: s, recoveryPhrase: undefined };
}

async function findIdentity(env: VaultEnv, storage: { index: VaultIndex; store: Awaited<ReturnType<typeof openObjectStore>> }, secrets: DeviceSecrets, o: { passphrase?: string; recoveryPhrase?: string }, timeoutMs: number): Promise<Identity> {
  // A throwaway identity lets the session run (and read the vault log) before we know who we are.
  const probe = await env.crypto.createIdentity();
  const s = await session(env, probe, secrets, storage, 'restoring', { probe: true });
  const tried = new Set<ObjectHash>();
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      for (const m of s.authority.roster().members.values()) {
        const hash = m.bundle as ObjectHash | undefined;
        if (!hash || tried.has(hash) || m.role === 'removed') continue;
        const bundle = await s.store.get(hash);
        if (!bundle) {
          // Ahead of the library's thumbnails, which a large vault queues first (10,000 photos:
          // minutes), and asked of the relay before its listing says it holds the bundle.
          await s.node.engine.fetch(hash, undefined, { askConnected: true });
          continue;
        }
        tried.add(hash);
        try {
          const id = o.recoveryPhrase !== undefined
            ? await env.crypto.unlockWithRecovery(bundle, o.recoveryPhrase)
            : await env.crypto.unlockWithPassphrase(bundle, o.passphrase ?? '');
          await storage.index.setSetting('restore.bundle', bundle);
          return id;
        } catch (e) {
          if (!(e instanceof DecryptError) && (e as Error).name !== 'DecryptError') throw e;
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new DecryptError(tried.size ? `the ${o.recoveryPhrase !== undefined ? 'recovery phrase' : 'passphrase'} opens none of this family's key bundles` : 'no key bundle arrived from the family\'s devices and homes in time');
  } finally {
    await s.node.stop();
  }
}
