/**
 * Which vault files shared to the app go to, and the member box public key they are sealed for
 * (vault/share-inbox.ts). One small IndexedDB database for the browser, read by the service
 * worker: public keys and vault ids only, nothing secret.
 */
import { openDB } from 'idb';

const DB = 'fv-share-inbox';
const STORE = 'vaults';

export interface InboxEntry {
  vaultId: string;
  box: Uint8Array;
  at: number;
}

function open() {
  return openDB(DB, 1, { upgrade: (db) => void db.createObjectStore(STORE, { keyPath: 'vaultId' }) });
}

/** At each unlock: shares go to this vault (the one unlocked last) and are sealed to this box key. */
export async function registerShareInbox(vaultId: string, boxPublic: Uint8Array): Promise<void> {
  const db = await open();
  try {
    await db.put(STORE, { vaultId, box: boxPublic, at: Date.now() } satisfies InboxEntry);
  } finally {
    db.close();
  }
}

/** The vault shares go to, or undefined when no vault was ever unlocked in this browser. */
export async function shareInbox(): Promise<InboxEntry | undefined> {
  const db = await open();
  try {
    const all = (await db.getAll(STORE)) as InboxEntry[];
    return all.sort((a, b) => b.at - a.at)[0];
  } finally {
    db.close();
  }
}

