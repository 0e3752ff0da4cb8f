/**
 * The vaults set up on this device, by name and id (nothing secret), in localStorage. Its own
 * module: the first screen needs only this list, not the session code vault-setup.ts brings.
 */
export interface KnownVault {
  vaultId: string;
  name: string;
}

const REGISTRY = 'fv.vaults';

/** Vaults set up on this device (names and ids only: nothing secret). */
export function knownVaults(): KnownVault[] {
  try {
    return JSON.parse(localStorage.getItem(REGISTRY) ?? '[]') as KnownVault[];
  } catch (e) {
    console.warn('vault registry unreadable; starting empty', e);
    return [];
  }
}
export function remember(v: KnownVault) {
  localStorage.setItem(REGISTRY, JSON.stringify([...knownVaults().filter((k) => k.vaultId !== v.vaultId), v]));
}
