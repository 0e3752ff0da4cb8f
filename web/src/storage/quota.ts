/**
 * Quota: the store's own per-vault byte limit (for relays), the browser's quota errors, and
 * the browser's persistence and usage estimate. See docs/storage.md ("Quota").
 */
import { QuotaError, StorageError, isVaultError } from '../core/errors.ts';
import { usedBytes, type CatalogTotals, type ObjectRecord } from './object-catalog.ts';
import type { ObjectStore, StoreStats } from './object-store.ts';

/**
 * Throws QuotaError if reserving `size` bytes for an object (currently `before`) would take
 * the store over `limitBytes`. Called inside the catalog's atomic reserve, before any write.
 */
export function checkQuota(totals: CatalogTotals, before: ObjectRecord | undefined, size: number, limitBytes: number | undefined): void {
  if (limitBytes === undefined) return;
  // A pending object already holds its space; re-reserving it needs nothing more.
  const extra = before?.state === 'pending' ? 0 : size;
  const used = usedBytes(totals);
  if (used + extra > limitBytes) {
    throw new QuotaError(`store quota exceeded: ${used} of ${limitBytes} bytes used, ${size} more refused`);
  }
}

function isBrowserQuotaError(e: unknown): boolean {
  const name = typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;
  // Chromium and Firefox use QuotaExceededError; old WebKit reported code 22.
  return name === 'QuotaExceededError' || (e instanceof DOMException && e.code === 22);
}

/**
 * Maps a backend failure to the project's errors: the browser's QuotaExceededError becomes
 * QuotaError, other failures StorageError (with the original as cause); VaultErrors pass.
 */
export function toStorageError(e: unknown, what: string): Error {
  if (isVaultError(e)) return e;
  if (isBrowserQuotaError(e)) return new QuotaError(`${what}: the browser's storage quota is exhausted`, { cause: e });
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new StorageError(`${what} failed (${detail})`, { cause: e, retryable: true });
}

/**
 * Asks the browser not to evict this origin's data under storage pressure. Resolves to
 * whether storage is persistent now; false where the API is missing or the user declined.
 */
export async function requestPersistence(): Promise<boolean> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.persist || !storage.persisted) return false;
  if (await storage.persisted()) return true;
  return storage.persist();
}

export interface BrowserUsage {
  /** The origin's usage and quota as the browser estimates them (all stores together). */
  usage: number | undefined;
  quota: number | undefined;
  persisted: boolean;
}

export interface Usage {
  browser: BrowserUsage;
  /** The store's own count and bytes (exact, from the catalog), if a store was given. */
  store: StoreStats | undefined;
}

/** For the Storage page: the browser's estimate next to the store's own numbers. */
export async function usage(store?: ObjectStore): Promise<Usage> {
  const [browser, stats] = await Promise.all([browserUsage(), store?.stat()]);
  return { browser, store: stats };
}

/** The browser's estimate for this origin; fields are undefined where the API is missing. */
async function browserUsage(): Promise<BrowserUsage> {
  const storage = globalThis.navigator?.storage;
  const estimate = storage?.estimate ? await storage.estimate() : {};
  const persisted = storage?.persisted ? await storage.persisted() : false;
  return { usage: estimate.usage, quota: estimate.quota, persisted };
}
