/**
 * What a family device keeps between sessions, encrypted at rest: the vault and member secrets
 * (from the invite) and this device's signing key. They are sealed under a random key that is
 * itself sealed to the member's X25519 identity, so nothing usable sits on disk until the
 * passphrase (or recovery phrase) has unlocked the key bundle.
 */
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../core/bytes.ts';
import type { CryptoApi, Identity } from '../crypto/api-types.ts';

export interface DeviceSecrets {
  vaultSecret: Uint8Array;
  memberSecret: Uint8Array;
  device: { secretKey: Uint8Array; publicKey: Uint8Array };
  peerId: string;
}

export interface SealedDeviceSecrets {
  wrappedKey: Uint8Array;
  body: Uint8Array;
}

// The wrap key is sealed like an album key of a fixed, never-used album id, epoch 0.
const WRAP_ID = new Uint8Array(16).fill(0xd5);

export async function sealDeviceSecrets(crypto: CryptoApi, id: Identity, s: DeviceSecrets): Promise<SealedDeviceSecrets> {
  const k = await crypto.newAlbumKey();
  const json = JSON.stringify({
    vaultSecret: toBase64Url(s.vaultSecret), memberSecret: toBase64Url(s.memberSecret),
    device: { secretKey: toBase64Url(s.device.secretKey), publicKey: toBase64Url(s.device.publicKey) }, peerId: s.peerId,
  });
  return {
    wrappedKey: await crypto.sealAlbumKey(id.boxPublic, k, WRAP_ID, 0),
    body: await crypto.sealObject(k, 'album-info', utf8(json)),
  };
}

export async function openDeviceSecrets(crypto: CryptoApi, id: Identity, sealed: SealedDeviceSecrets): Promise<DeviceSecrets> {
  const { albumKey } = await crypto.openAlbumKey(id.boxSecret, sealed.wrappedKey, { albumId: WRAP_ID, epoch: 0 });
  const j = JSON.parse(fromUtf8(await crypto.openObject(albumKey, 'album-info', sealed.body))) as { vaultSecret: string; memberSecret: string; peerId: string; device: { secretKey: string; publicKey: string } };
  return {
    vaultSecret: fromBase64Url(j.vaultSecret), memberSecret: fromBase64Url(j.memberSecret),
    device: { secretKey: fromBase64Url(j.device.secretKey), publicKey: fromBase64Url(j.device.publicKey) }, peerId: j.peerId,
  };
}
