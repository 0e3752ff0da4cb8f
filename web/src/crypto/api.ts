/**
 * The direct (in-thread) implementation of CryptoApi. The worker exposes the same functions;
 * tests run one suite against both.
 */
import * as album from './album-key.ts';
import type { CryptoApi } from './api-types.ts';
import * as fileKey from './file-key.ts';
import * as hs from './handshake.ts';
import * as identity from './identity.ts';
import * as invite from './invite.ts';
import * as keystore from './keystore.ts';
import * as manifest from './manifest.ts';
import * as metadata from './metadata.ts';
import * as objects from './object-seal.ts';
import * as ops from './ops.ts';
import * as signal from './signal-seal.ts';
import * as stream from './stream.ts';
import * as vault from './vault-keys.ts';

// Synchronous functions become async so the shape matches the worker client; a throw becomes a rejection.
const a =
  <A extends unknown[], R>(f: (...args: A) => R) =>
  async (...args: A): Promise<Awaited<R>> =>
    await f(...args);

export const directApi: CryptoApi = {
  createIdentity: a(identity.createIdentity),
  encodePublicIdentity: a(identity.encodePublicIdentity),
  decodePublicIdentity: a(identity.decodePublicIdentity),
  fingerprint: a(identity.fingerprint),
  safetyWords: a(identity.safetyWords),

  createKeyBundle: keystore.createKeyBundle,
  unlockWithPassphrase: keystore.unlockWithPassphrase,
  unlockWithRecovery: keystore.unlockWithRecovery,
  changePassphrase: keystore.changePassphrase,
  readKeyBundle: a(keystore.readKeyBundle),

  newVaultSecret: a(vault.newVaultSecret),
  newMemberSecret: a(vault.newMemberSecret),
  deriveVaultKeys: a(vault.deriveVaultKeys),
  deriveMemberKeys: a(vault.deriveMemberKeys),
  signJoin: a(vault.signJoin),
  verifyJoin: a(vault.verifyJoin),
  signRoomVouch: a(vault.signRoomVouch),
  sealSignal: a(signal.sealSignal),
  openSignal: a(signal.openSignal),
  encodeInvite: a(invite.encodeInvite),
  parseInvite: a(invite.parseInvite),
  handshakeMac: a(hs.handshakeMac),
  verifyHandshakeMac: a(hs.verifyHandshakeMac),
  newSigningKey: a(hs.newSigningKey),
  signingKeyFromSeed: a(hs.signingKeyFromSeed),
  signDetached: a(hs.signDetached),
  verifyDetached: a(hs.verifyDetached),

  newAlbumId: a(album.newAlbumId),
  newAlbumKey: a(album.newAlbumKey),
  sealAlbumKey: a(album.sealAlbumKey),
  openAlbumKey: album.openAlbumKey,
  readSealedAlbumKey: a(album.readSealedAlbumKey),
  startEpoch: album.startEpoch,
  resealAlbumKey: album.resealAlbumKey,

  newFileId: a(fileKey.newFileId),
  newFileKey: a(fileKey.newFileKey),
  wrapFileKey: a(fileKey.wrapFileKey),
  unwrapFileKey: fileKey.unwrapFileKey,
  readWrappedFileKey: a(fileKey.readWrappedFileKey),
  sealObject: a(objects.sealObject),
  openObject: objects.openObject,
  async openObjectAsBlob(key, kind, envelope, o) {
    const plain = await objects.openObject(key, kind, envelope);
    return o.firstByte === undefined || plain[0] === o.firstByte ? new Blob([plain as Uint8Array<ArrayBuffer>], { type: o.type }) : undefined;
  },
  async openWrappedAsBlob(albumKey, fileId, wrapped, kind, envelope, o) {
    return directApi.openObjectAsBlob(await fileKey.unwrapFileKey(albumKey, fileId, wrapped), kind, envelope, o);
  },
  sealMetadata: a(metadata.sealMetadata),
  openMetadata: metadata.openMetadata,
  sealManifest: a(manifest.sealManifest),
  openManifest: manifest.openManifest,
  encryptStream: stream.encryptStream,
  decryptStream: stream.decryptStream,
  encryptChunk: stream.encryptChunk,
  decryptChunk: stream.decryptChunk,
  hashObject: stream.hashObject,
  contentTag: stream.contentTag,

  sealOp: a(ops.sealOp),
  parseOp: a(ops.parseOp),
  verifyOp: ops.verifyOp,
  openOp: ops.openOp,
};
