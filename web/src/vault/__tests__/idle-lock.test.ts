import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { autoLockMinutes, DEFAULT_AUTO_LOCK_MINUTES, IdleLock, setAutoLockMinutes } from '../idle-lock.ts';

class MemoryStorage {
  #m = new Map<string, string>();
  getItem(k: string) { return this.#m.get(k) ?? null; }
  setItem(k: string, v: string) { this.#m.set(k, v); }
}

describe('auto-lock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('locks after the chosen minutes without activity, and activity postpones it', () => {
    const locked = vi.fn();
    const idle = new IdleLock(locked);
    idle.start(5);
    vi.advanceTimersByTime(4 * 60_000);
    idle.activity();
    vi.advanceTimersByTime(4 * 60_000);
    expect(locked).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(locked).toHaveBeenCalledTimes(1);
    expect(idle.running).toBe(false);
  });

  it('0 minutes is off, and stop() cancels a countdown', () => {
    const locked = vi.fn();
    const idle = new IdleLock(locked);
    idle.start(0);
    vi.advanceTimersByTime(24 * 3600_000);
    idle.start(1);
    idle.stop();
    idle.activity();
    vi.advanceTimersByTime(3600_000);
    expect(locked).not.toHaveBeenCalled();
  });

  it('is on by default, and keeps a chosen value per device', () => {
    const st = new MemoryStorage();
    expect(autoLockMinutes(st)).toBe(DEFAULT_AUTO_LOCK_MINUTES);
    expect(DEFAULT_AUTO_LOCK_MINUTES).toBeGreaterThan(0);
    setAutoLockMinutes(30, st);
    expect(autoLockMinutes(st)).toBe(30);
    setAutoLockMinutes(0, st);
    expect(autoLockMinutes(st)).toBe(0);
    st.setItem('fv-auto-lock-minutes', 'garbage');
    expect(autoLockMinutes(st)).toBe(DEFAULT_AUTO_LOCK_MINUTES);
    expect(() => setAutoLockMinutes(7, st)).toThrow(RangeError);
  });
});
