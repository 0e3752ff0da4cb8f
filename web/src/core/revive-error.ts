/**
 * Errors that crossed a structured-clone boundary (a comlink worker) arrive as plain `Error`s
 * carrying only name and message. This rebuilds the class so `instanceof` and the predicates
 * in errors.ts both work on the caller's side.
 */
import {
  DecryptError, IntegrityError, PolicyError, ProtocolError, QuotaError, StorageError, TransportError, VersionError,
  type VaultError, type VaultErrorName,
} from './errors.ts';

const VAULT: Record<VaultErrorName, new (m: string) => VaultError> = {
  DecryptError, IntegrityError, ProtocolError, StorageError, QuotaError, PolicyError, VersionError, TransportError,
};
const BUILTIN: Record<string, new (m: string) => Error> = { TypeError, RangeError, SyntaxError };

export function reviveError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const { name, message } = e;
  const Vault = Object.hasOwn(VAULT, name) ? VAULT[name as VaultErrorName] : undefined;
  if (Vault) return e instanceof Vault ? e : new Vault(message);
  const Builtin = Object.hasOwn(BUILTIN, name) ? BUILTIN[name] : undefined;
  if (Builtin) return e instanceof Builtin ? e : new Builtin(message);
  return e;
}
