/**
 * Auto-lock: after `minutes` without the family member touching the app, the vault locks (its
 * keys leave memory; the passphrase opens it again). A phone left on a table shows the lock
 * screen, not the photos. Off when `minutes` is 0.
 */
export const AUTO_LOCK_CHOICES = [0, 1, 5, 10, 30, 60] as const;
export const DEFAULT_AUTO_LOCK_MINUTES = 10;
const SETTING = 'fv-auto-lock-minutes';

/** The chosen minutes on this device (a device setting: a shared tablet may want a shorter one). */
export function autoLockMinutes(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): number {
  const v = Number(storage?.getItem(SETTING) ?? NaN);
  return (AUTO_LOCK_CHOICES as readonly number[]).includes(v) ? v : DEFAULT_AUTO_LOCK_MINUTES;
}

export function setAutoLockMinutes(minutes: number, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  if (!(AUTO_LOCK_CHOICES as readonly number[]).includes(minutes)) throw new RangeError(`auto-lock: ${minutes} minutes is not one of ${AUTO_LOCK_CHOICES.join(', ')}`);
  storage?.setItem(SETTING, String(minutes));
}

export class IdleLock {
  readonly #onIdle: () => void;
  #minutes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(onIdle: () => void) {
    this.#onIdle = onIdle;
  }

  /** (Re)starts the countdown with this many minutes; 0 turns it off. */
  start(minutes: number): void {
    this.#minutes = minutes;
    this.activity();
  }

  /** The member did something: the countdown starts again. */
  activity(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#minutes > 0) this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onIdle();
    }, this.#minutes * 60_000);
  }

  stop(): void {
    this.#minutes = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }
}
