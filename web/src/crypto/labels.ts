/**
 * Every domain-separation string in one place (docs/crypto.md "Labels"). Each derived key or
 * signature has its own label, so a key made for one purpose can never be used for another.
 * Changing any of these breaks every stored envelope: the frozen vectors catch that.
 */
export const LABEL = {
  fingerprint: 'family-vault/v1/fingerprint',
  vaultId: 'family-vault/v1/vault/id',
  roomSigning: 'family-vault/v1/vault/room-signing-seed',
  roomKey: 'family-vault/v1/vault/room-key',
  handshakeKey: 'family-vault/v1/vault/handshake-key',
  dedupKey: 'family-vault/v1/member/dedup-key',
  directoryKey: 'family-vault/v1/member/directory-key',
  signal: 'family-vault/v1/signal',
  fallbackD2R: 'family-vault/v1/fallback/dialer-to-responder',
  fallbackR2D: 'family-vault/v1/fallback/responder-to-dialer',
  fallbackFrame: 'family-vault/v1/fallback/frame',
  inviteCheck: 'family-vault/v1/invite-check',
  albumSeal: 'family-vault/v1/album-key-seal',
  fileWrap: 'family-vault/v1/file-key-wrap',
  chunkKey: 'family-vault/v1/chunk-key',
  objectKey: 'family-vault/v1/object-key/',
  opKey: 'family-vault/v1/op-key',
  opSig: 'family-vault/v1/op-sig',
  passphraseSlot: 'family-vault/v1/keystore/passphrase-slot',
  recoverySlot: 'family-vault/v1/keystore/recovery-slot',
  handshakeMac: 'family-vault/v1/handshake-mac',
  detachedSig: 'family-vault/v1/sig/',
} as const;
