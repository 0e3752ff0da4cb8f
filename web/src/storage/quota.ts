/**
 * Quota: the store's own per-vault byte limit (for relays), the browser's quota errors, and
 * the browser's persistence and usage estimate. See docs/storage.md ("Quota").
 */
import { Emitter } from '../core/emitter.ts';
import { QuotaError, StorageError, isVaultError } from '../core/errors.ts';
import { usedBytes, type CatalogTotals, type ObjectRecord } from './object-catalog.ts';
import type { ObjectStore, StoreKind, StoreStats } from './object-store.ts';

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

/**
 * Where this origin's persistence stands: 'asking' while the browser waits for the person to
 * answer its prompt (Firefox asks, and its promise stays pending until they do), 'unknown'
 * before anything was asked, 'unavailable' where the API is missing or failed.
 */
export type PersistenceState = 'unknown' | 'asking' | 'granted' | 'declined' | 'unavailable';

type StorageApi = Pick<StorageManager, 'persist' | 'persisted'>;

/**
 * Asks for persistence without making anyone wait for the answer, and records it when it
 * comes. Opening a vault must not wait for a prompt the person may leave unanswered.
 */
export class PersistenceRequest extends Emitter<{ change: PersistenceState }> {
  #state: PersistenceState = 'unknown';
  #pending = false;
  readonly #storage: () => Partial<StorageApi> | undefined;

  constructor(storage: () => Partial<StorageApi> | undefined = () => globalThis.navigator?.storage) {
    super();
    this.#storage = storage;
  }

  get state(): PersistenceState {
    return this.#state;
  }

  /** Starts a request (one at a time; none once granted) and returns at once. */
  ask(): void {
    if (this.#pending || this.#state === 'granted') return;
    const storage = this.#storage();
    if (!storage?.persist || !storage.persisted) {
      this.#set('unavailable');
      return;
    }
    const { persist, persisted } = { persist: storage.persist.bind(storage), persisted: storage.persisted.bind(storage) };
    this.#pending = true;
    void (async () => {
      try {
        if (await persisted()) return this.#set('granted');
        this.#set('asking');
        this.#set((await persist()) ? 'granted' : 'declined');
      } catch (e) {
        console.warn('persistent storage request failed', e);
        this.#set('unavailable');
      } finally {
        this.#pending = false;
      }
    })();
  }

  #set(s: PersistenceState): void {
    if (s === this.#state) return;
    this.#state = s;
    this.emit('change', s);
  }
}

/** The page's one request: vault setup asks, the Storage page shows the answer. */
export const persistence = new PersistenceRequest();

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
  /** Where the store keeps its bytes (OPFS, or IndexedDB where OPFS is not usable). */
  kind: StoreKind | undefined;
}

/** For the Storage page: the browser's estimate next to the store's own numbers. */
export async function usage(store?: ObjectStore): Promise<Usage> {
  const [browser, stats] = await Promise.all([browserUsage(), store?.stat()]);
  return { browser, store: stats, kind: store?.kind };
}

/** The browser's estimate for this origin; fields are undefined where the API is missing. */
async function browserUsage(): Promise<BrowserUsage> {
  const storage = globalThis.navigator?.storage;
  const estimate = storage?.estimate ? await storage.estimate() : {};
  const persisted = storage?.persisted ? await storage.persisted() : false;
  return { usage: estimate.usage, quota: estimate.quota, persisted };
}
