/**
 * What an op's author signs, and the check every peer (relays included) runs before storing
 * or forwarding an op. The body stays ciphertext here: see docs/replication.md, "Ops".
 */
import { fromBase64Url } from '../core/bytes.ts';
import { ByteWriter } from './byte-codec.ts';
import { MAX_LOG_ID_CHARS, MAX_OP_CIPHERTEXT_BYTES } from './limits.ts';
import type { OpEnvelope, ReplicationCrypto } from './ports.ts';

const LABEL = 'family-vault/op/v1';
/** The vault-level log (album creation, member directory, key bundles). */
export const VAULT_LOG = 'vault';

/**
 * The signed bytes: a label, then every envelope field length-prefixed, so no two different
 * envelopes share signing bytes and an op cannot be moved to another log, author, seq or clock.
 */
export function opSigningBytes(op: Omit<OpEnvelope, 'signature'>): Uint8Array {
  return new ByteWriter()
    .str(LABEL)
    .str(op.log)
    .bytes(fromBase64Url(op.author))
    .varint(op.seq)
    .varint(op.lamport)
    .bytes(op.ciphertext)
    .finish();
}

/** Shape checks a local caller's op must pass too; returns what is wrong, or undefined. */
export function checkOpShape(op: OpEnvelope): string | undefined {
  if (typeof op.log !== 'string' || op.log.length === 0 || op.log.length > MAX_LOG_ID_CHARS) return 'bad log id';
  if (typeof op.author !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(op.author)) return 'bad author';
  if (!Number.isSafeInteger(op.seq) || op.seq < 1) return 'bad seq';
  if (!Number.isSafeInteger(op.lamport) || op.lamport < 0) return 'bad lamport';
  if (!(op.ciphertext instanceof Uint8Array) || op.ciphertext.length > MAX_OP_CIPHERTEXT_BYTES) return 'bad ciphertext';
  if (!(op.signature instanceof Uint8Array) || op.signature.length !== 64) return 'bad signature length';
  return undefined;
}

export async function verifyOpSignature(crypto: ReplicationCrypto, op: OpEnvelope): Promise<boolean> {
  return crypto.verify(fromBase64Url(op.author), opSigningBytes(op), op.signature);
}

/** Signs an op with the device key held by `crypto` (the vault layer, tests). */
export async function signOp(crypto: ReplicationCrypto, op: Omit<OpEnvelope, 'signature'>): Promise<OpEnvelope> {
  return { ...op, signature: await crypto.sign(opSigningBytes(op)) };
}
