/**
 * One tab writes a vault at a time (issue 10 §4). Two tabs of one device share the device's
 * keys, peer id and op sequence numbers: both writing, the second tab's ops reuse sequence
 * numbers and are refused as equivocation, and both join the signaling room as the same peer.
 * The Web Locks API gives one tab the vault's lock; another tab is told so and may take it over
 * (`steal`), and the tab that lost it locks its vault and says why.
 */
const name = (vaultId: string) => `family-vault/writer/${vaultId}`;

export class OtherTabError extends Error {
  override readonly name = 'OtherTabError';
  constructor() {
    super('This vault is open in another tab or window of this browser. Use it there, or open it here instead (the other one then locks).');
  }
}

export class WriterLock {
  #release: (() => void) | undefined;
  #held: string | undefined;

  /** Takes the vault's lock; false if another tab holds it (unless `steal`). `onLost`: another tab took it over. */
  async acquire(vaultId: string, o: { steal?: boolean; onLost: () => void }): Promise<boolean> {
    if (this.#held === vaultId) return true;
    this.release();
    const locks = globalThis.navigator?.locks;
    if (!locks) return true; // no Web Locks (very old engine): one tab per vault is then the user's care
    return new Promise<boolean>((resolve) => {
      const opts: LockOptions = o.steal ? { steal: true } : { ifAvailable: true };
      locks.request(name(vaultId), opts, async (lock) => {
        if (!lock) return resolve(false);
        this.#held = vaultId;
        resolve(true);
        await new Promise<void>((r) => (this.#release = r));
      }).catch((e: unknown) => {
        // Our held lock was stolen by another tab: the request's promise rejects with AbortError.
        if (this.#held === vaultId) {
          this.#held = undefined;
          this.#release = undefined;
          if ((e as Error).name === 'AbortError') o.onLost();
        }
        resolve(false);
      });
    });
  }

  release(): void {
    this.#held = undefined;
    this.#release?.();
    this.#release = undefined;
  }
}
