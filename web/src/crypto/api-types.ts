/**
 * The crypto API's shape, shared by the direct implementation (api.ts) and the worker client
 * (client.ts). Type-only imports: importing this pulls no crypto library into a bundle.
 * Every call is asynchronous, so code written against it runs the same in-thread or via the worker.
 */
import type { ObjectHash, RoomId } from '../core/ids.ts';
import type { OpenedAlbumKey, AlbumKeyRef } from './album-key.ts';
import type { ByteSource } from './chunker.ts';
import type { Identity, PublicIdentity } from './identity.ts';
import type { Invite } from './invite.ts';
import type { KeyBundleInfo, KeyBundleOptions, NewKeyBundle, Unlock } from './keystore.ts';
import type { FileManifest } from './manifest.ts';
import type { PhotoMetadata } from './metadata.ts';
import type { ObjectKind } from './object-seal.ts';
import type { OpEnvelope, OpInput } from './ops.ts';
import type { SigningKeyPair } from './handshake.ts';
import type { EncryptedChunk, EncryptOptions } from './stream.ts';
import type { ChunkSource, DecryptOptions } from './stream-order.ts';
import type { MemberKeys, VaultKeys } from './vault-keys.ts';

export type {
  AlbumKeyRef, ByteSource, ChunkSource, DecryptOptions, EncryptedChunk, EncryptOptions, FileManifest, Identity, Invite,
  KeyBundleInfo, KeyBundleOptions, MemberKeys, NewKeyBundle, ObjectHash, ObjectKind, OpenedAlbumKey, OpEnvelope, OpInput,
  PhotoMetadata, PublicIdentity, RoomId, SigningKeyPair, Unlock, VaultKeys,
};

export interface CryptoApi {
  // identity
  createIdentity(): Promise<Identity>;
  encodePublicIdentity(id: PublicIdentity): Promise<Uint8Array>;
  decodePublicIdentity(bytes: Uint8Array): Promise<PublicIdentity>;
  fingerprint(id: PublicIdentity): Promise<Uint8Array>;
  safetyWords(id: PublicIdentity): Promise<string[]>;
  // passphrase keystore + recovery
  createKeyBundle(id: Identity, passphrase: string, opts?: KeyBundleOptions): Promise<NewKeyBundle>;
  unlockWithPassphrase(bundle: Uint8Array, passphrase: string): Promise<Identity>;
  unlockWithRecovery(bundle: Uint8Array, recoveryPhrase: string): Promise<Identity>;
  changePassphrase(bundle: Uint8Array, current: Unlock, newPassphrase: string, opts?: KeyBundleOptions): Promise<Uint8Array>;
  readKeyBundle(bundle: Uint8Array): Promise<KeyBundleInfo>;
  // vault secrets, signaling, invites, handshake
  newVaultSecret(): Promise<Uint8Array>;
  newMemberSecret(): Promise<Uint8Array>;
  deriveVaultKeys(vaultSecret: Uint8Array): Promise<VaultKeys>;
  deriveMemberKeys(memberSecret: Uint8Array): Promise<MemberKeys>;
  signJoin(roomSecretKey: Uint8Array, nonce: string, room: string, peer: string): Promise<string>;
  verifyJoin(room: string, nonce: string, peer: string, sig: string): Promise<boolean>;
  /** `{room: this key's room id, sig}`: vouches to the signal server that `room` is this family's too. */
  signRoomVouch(roomSecretKey: Uint8Array, room: string): Promise<{ room: string; sig: string }>;
  sealSignal(roomKey: Uint8Array, from: string, to: string | null, payload: Uint8Array | string): Promise<string>;
  openSignal(roomKey: Uint8Array, from: string, to: string | null, data: string): Promise<Uint8Array>;
  encodeInvite(invite: Invite): Promise<string>;
  parseInvite(input: string): Promise<Invite>;
  handshakeMac(handshakeKey: Uint8Array, transcript: Uint8Array): Promise<Uint8Array>;
  verifyHandshakeMac(handshakeKey: Uint8Array, transcript: Uint8Array, mac: Uint8Array): Promise<boolean>;
  newSigningKey(): Promise<SigningKeyPair>;
  signingKeyFromSeed(seed: Uint8Array): Promise<SigningKeyPair>;
  signDetached(secretKey: Uint8Array, context: string, message: Uint8Array): Promise<Uint8Array>;
  verifyDetached(publicKey: Uint8Array, context: string, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  // albums
  newAlbumId(): Promise<Uint8Array>;
  newAlbumKey(): Promise<Uint8Array>;
  sealAlbumKey(recipientBoxPublic: Uint8Array, albumKey: Uint8Array, albumId: Uint8Array, epoch: number): Promise<Uint8Array>;
  openAlbumKey(boxSecret: Uint8Array, sealed: Uint8Array, expect?: Partial<AlbumKeyRef>): Promise<OpenedAlbumKey>;
  readSealedAlbumKey(sealed: Uint8Array): Promise<AlbumKeyRef>;
  startEpoch(albumId: Uint8Array, epoch: number, recipients: Uint8Array[]): Promise<{ albumKey: Uint8Array; sealed: Uint8Array[] }>;
  resealAlbumKey(boxSecret: Uint8Array, sealed: Uint8Array, recipientBoxPublic: Uint8Array): Promise<Uint8Array>;
  // photos
  newFileId(): Promise<Uint8Array>;
  newFileKey(): Promise<Uint8Array>;
  wrapFileKey(albumKey: Uint8Array, epoch: number, fileId: Uint8Array, fileKey: Uint8Array): Promise<Uint8Array>;
  unwrapFileKey(albumKey: Uint8Array, fileId: Uint8Array, wrapped: Uint8Array): Promise<Uint8Array>;
  readWrappedFileKey(wrapped: Uint8Array): Promise<{ epoch: number }>;
  sealObject(key: Uint8Array, kind: ObjectKind, bytes: Uint8Array): Promise<Uint8Array>;
  openObject(key: Uint8Array, kind: ObjectKind, envelope: Uint8Array): Promise<Uint8Array>;
  /**
   * openObject, the plaintext as a Blob of `type` made where it was decrypted (a worker): the
   * page gets a handle, not the bytes. Undefined when its first byte is not `firstByte` (given).
   */
  openObjectAsBlob(key: Uint8Array, kind: ObjectKind, envelope: Uint8Array, o: { type: string; firstByte?: number }): Promise<Blob | undefined>;
  /**
   * unwrapFileKey then openObjectAsBlob, in one call: a photo's object opened from its album key
   * and wrapped file key, the file key never leaving the worker (one round trip for a thumbnail
   * instead of two).
   */
  openWrappedAsBlob(albumKey: Uint8Array, fileId: Uint8Array, wrapped: Uint8Array, kind: ObjectKind, envelope: Uint8Array, o: { type: string; firstByte?: number }): Promise<Blob | undefined>;
  sealMetadata(fileKey: Uint8Array, meta: PhotoMetadata): Promise<Uint8Array>;
  openMetadata(fileKey: Uint8Array, envelope: Uint8Array): Promise<PhotoMetadata>;
  sealManifest(fileKey: Uint8Array, manifest: FileManifest): Promise<Uint8Array>;
  openManifest(fileKey: Uint8Array, fileId: Uint8Array, envelope: Uint8Array): Promise<FileManifest>;
  encryptStream(fileKey: Uint8Array, fileId: Uint8Array, source: ByteSource, opts?: EncryptOptions): AsyncIterable<EncryptedChunk>;
  decryptStream(fileKey: Uint8Array, fileId: Uint8Array, chunks: ChunkSource, opts?: DecryptOptions): AsyncIterable<Uint8Array>;
  encryptChunk(fileKey: Uint8Array, fileId: Uint8Array, index: number, last: boolean, data: Uint8Array): Promise<EncryptedChunk>;
  decryptChunk(fileKey: Uint8Array, fileId: Uint8Array, index: number, last: boolean, ciphertext: Uint8Array, expectedHash?: ObjectHash): Promise<Uint8Array>;
  hashObject(bytes: Uint8Array): Promise<ObjectHash>;
  contentTag(dedupKey: Uint8Array, source: ByteSource): Promise<Uint8Array>;
  // signed ops
  sealOp(op: OpInput): Promise<Uint8Array>;
  parseOp(bytes: Uint8Array): Promise<OpEnvelope>;
  verifyOp(bytes: Uint8Array, expectedAuthor?: Uint8Array): Promise<OpEnvelope>;
  openOp(albumKey: Uint8Array, bytes: Uint8Array, expectedAuthor?: Uint8Array): Promise<{ op: OpEnvelope; payload: Uint8Array }>;
}

/** Methods that are plain request/response calls (everything but the two streams). */
export type CallMethod = Exclude<keyof CryptoApi, 'encryptStream' | 'decryptStream'>;
