/**
 * Fixed inputs for the frozen envelope vectors, and a function that builds every envelope from
 * them with the deterministic cores (…With functions, fixed nonces and ephemeral keys).
 */
import { utf8 } from '../../core/bytes.ts';
import { sealAlbumKeyWith } from '../album-key.ts';
import { chunkKey, sealChunk } from '../chunk.ts';
import { wrapFileKeyWith } from '../file-key.ts';
import { encodePublicIdentity, fingerprint, identityFromSecrets, safetyWords } from '../identity.ts';
import { encodeInvite } from '../invite.ts';
import { createKeyBundleWith } from '../keystore.ts';
import { encodeManifest } from '../manifest.ts';
import { sealObjectWith } from '../object-seal.ts';
import { sealOpWith } from '../ops.ts';
import { sealSignalWith } from '../signal-seal.ts';
import { deriveMemberKeys, deriveVaultKeys, signJoin } from '../vault-keys.ts';
import { pattern, seq } from './util.ts';

export const IN = {
  identity: identityFromSecrets(seq(32, 1), seq(32, 33)),
  vaultSecret: seq(32, 0x40),
  memberSecret: seq(32, 0x60),
  albumKey: seq(32, 0xa0),
  albumId: seq(16, 0xc0),
  epoch: 3,
  ephemeral: seq(32, 0xd0),
  fileKey: seq(32, 0x10),
  fileId: seq(16, 0xe0),
  nonce: seq(12, 0x30),
  objectPlain: utf8('{"name":"frozen.jpg"}'),
  signalPlain: utf8('{"sdp":"frozen"}'),
  opPayload: utf8('{"op":"add"}'),
  chunkData: pattern((1 << 20) + 100, 42),
  passphrase: 'frozen passphrase',
  argon2: { memory: 8192, iterations: 1, parallelism: 1 },
  bundleRandom: {
    bundleKey: seq(32, 0x70), salt: seq(16, 0x80), passNonce: seq(12, 0x90),
    recoveryEntropy: seq(32, 0xb0), recoveryNonce: seq(12, 0x96), bodyNonce: seq(12, 0x9c),
  },
};

export async function buildFrozen() {
  const vault = deriveVaultKeys(IN.vaultSecret);
  const key = await chunkKey(IN.fileKey, IN.fileId);
  const d = IN.chunkData;
  return {
    publicIdentity: encodePublicIdentity(IN.identity),
    fingerprint: fingerprint(IN.identity),
    safetyWords: safetyWords(IN.identity),
    vault,
    dedupKey: deriveMemberKeys(IN.memberSecret).dedupKey,
    join: signJoin(vault.roomSecretKey, 'nonce-1', vault.roomId, 'peer-0001'),
    memberInvite: encodeInvite({ kind: 'member', vaultSecret: IN.vaultSecret, memberSecret: IN.memberSecret, inviter: fingerprint(IN.identity), inviteSeed: IN.fileKey }),
    relayInvite: encodeInvite({ kind: 'relay', vaultSecret: IN.vaultSecret, inviter: fingerprint(IN.identity), inviteSeed: IN.fileKey }),
    signal: await sealSignalWith(vault.roomKey, 'peer-0001', 'peer-0002', IN.signalPlain, IN.nonce),
    albumSeal: await sealAlbumKeyWith(IN.identity.boxPublic, IN.albumKey, IN.albumId, IN.epoch, IN.ephemeral),
    fileWrap: await wrapFileKeyWith(IN.albumKey, IN.epoch, IN.fileId, IN.fileKey, IN.nonce),
    object: await sealObjectWith(IN.fileKey, 'metadata', IN.objectPlain, IN.nonce),
    chunks: [await sealChunk(key, IN.fileId, 0, false, d.subarray(0, 1 << 20)), await sealChunk(key, IN.fileId, 1, true, d.subarray(1 << 20))],
    op: await sealOpWith(
      { albumId: IN.albumId, epoch: IN.epoch, albumKey: IN.albumKey, authorSecret: IN.identity.signSecret, seq: 5, payload: IN.opPayload },
      IN.nonce,
    ),
    bundle: await createKeyBundleWith(IN.identity, IN.passphrase, IN.argon2, IN.bundleRandom),
    manifest: encodeManifest({ fileId: IN.fileId, size: 5, chunks: ['00'.repeat(32) as never] }),
  };
}
