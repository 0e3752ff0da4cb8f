/**
 * Sessions tell the sweep which pending objects are orphans. Each open store holds a Web Lock
 * named after its session for as long as it runs; the browser releases it when the tab
 * closes, reloads or crashes. A pending object whose session holds no lock was left by a
 * writer that is gone, so it can be deleted without harming another tab that is mid-ingest.
 * Without Web Locks (Node tests), only sessions opened in this realm count as alive.
 */
import { toBase64Url } from '../core/bytes.ts';

const LOCK_PREFIX = 'fv-storage-session:';
const localSessions = new Set<string>();

export interface Session {
  readonly id: string;
  /** Releases the lock: from now on this session's pending objects are orphans. */
  close(): void;
}

function locks(): LockManager | undefined {
  return globalThis.navigator?.locks;
}

/** Starts a session and resolves once its lock is held. */
export async function openSession(): Promise<Session> {
  // base64url: no '.', so the id can be a field of an OPFS temp file name.
  const id = toBase64Url(crypto.getRandomValues(new Uint8Array(12)));
  localSessions.add(id);
  let release: () => void = () => undefined;
  const lockManager = locks();
  if (lockManager) {
    const held = new Promise<void>((resolve) => (release = resolve));
    await new Promise<void>((granted, failed) => {
      lockManager
        .request(LOCK_PREFIX + id, () => {
          granted();
          return held;
        })
        .catch(failed);
    });
  }
  return {
    id,
    close() {
      localSessions.delete(id);
      release();
    },
  };
}

/**
 * Whether the session that wrote a pending object may still commit it. Ask AFTER reading the
 * records in question: a session that starts later cannot own records read before it.
 */
export async function isSessionAlive(id: string): Promise<boolean> {
  if (localSessions.has(id)) return true;
  const lockManager = locks();
  if (!lockManager) return false;
  const { held = [] } = await lockManager.query();
  return held.some((l) => l.name === LOCK_PREFIX + id);
}
