/**
 * The error classes every layer throws. Callers branch on the predicates
 * (`isRetryable`, `isDecryptError`, …), never on message text.
 * Messages never carry key material, secrets or invite links.
 */

export type VaultErrorName =
  | 'DecryptError'
  | 'IntegrityError'
  | 'ProtocolError'
  | 'StorageError'
  | 'QuotaError'
  | 'PolicyError'
  | 'VersionError'
  | 'TransportError';

export abstract class VaultError extends Error {
  abstract override readonly name: VaultErrorName;
  /** True when trying the same operation again later may succeed. */
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options?.retryable ?? false;
  }
}

/** Authentication failed: wrong key, wrong passphrase, tampered ciphertext. */
export class DecryptError extends VaultError {
  readonly name = 'DecryptError' as const;
}
/** Bytes do not match their address (BLAKE3) or a signature does not verify. */
export class IntegrityError extends VaultError {
  readonly name = 'IntegrityError' as const;
}
/** A peer or server sent something that breaks the protocol. */
export class ProtocolError extends VaultError {
  readonly name = 'ProtocolError' as const;
}
/** The storage backend failed (I/O, browser refused). */
export class StorageError extends VaultError {
  readonly name = 'StorageError' as const;
}
/** A write would exceed the quota; nothing was written. */
export class QuotaError extends VaultError {
  readonly name = 'QuotaError' as const;
}
/** Input refused by policy (type, size). */
export class PolicyError extends VaultError {
  readonly name = 'PolicyError' as const;
}
/** An envelope's version or algorithm id is unknown: fail closed. */
export class VersionError extends VaultError {
  readonly name = 'VersionError' as const;
}
/** A connection failed or closed. Usually retryable. */
export class TransportError extends VaultError {
  readonly name = 'TransportError' as const;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, { retryable: true, ...options });
  }
}

function is(name: VaultErrorName) {
  return (e: unknown): boolean =>
    typeof e === 'object' && e !== null && (e as { name?: unknown }).name === name;
}
export const isDecryptError = is('DecryptError');
export const isIntegrityError = is('IntegrityError');
export const isProtocolError = is('ProtocolError');
export const isStorageError = is('StorageError');
export const isQuotaError = is('QuotaError');
export const isPolicyError = is('PolicyError');
export const isVersionError = is('VersionError');
export const isTransportError = is('TransportError');

export function isVaultError(e: unknown): e is VaultError {
  return e instanceof VaultError;
}

/** Whether retrying later may help. Unknown errors are not retried. */
export function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { retryable?: unknown }).retryable === true;
}

/** A short description for logs that is safe to print (no stack, no payload). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
