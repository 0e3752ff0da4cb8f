/**
 * Sizes as people write them: "500GB", "1.5 TiB", "750M", "1048576", or "unlimited".
 * SI units (kB, MB, GB, TB) are powers of 1000 like a disk's label; IEC units (KiB…TiB)
 * are powers of 1024. A bare letter (K, M, G, T) is taken as SI, like the disk label.
 */
const UNITS: Record<string, number> = {
  b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, p: 1e15, pb: 1e15,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, pib: 2 ** 50,
};

export type QuotaResult = { ok: true; bytes: number | null } | { ok: false; error: string };

/** null bytes = no quota (the relay stores until the disk is full). */
export function parseQuota(input: string | number): QuotaResult {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input > 0 ? { ok: true, bytes: input } : { ok: false, error: `quota must be a positive whole number of bytes, got ${input}` };
  }
  const s = input.trim().toLowerCase();
  if (s === 'unlimited' || s === 'none' || s === '0') return { ok: true, bytes: null };
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(s);
  const unit = m ? UNITS[m[2] === '' ? 'b' : m[2]!] : undefined;
  if (!m || unit === undefined) {
    return { ok: false, error: `quota "${input}" is not a size (examples: 500GB, 1.5TiB, 750MB, unlimited)` };
  }
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return { ok: false, error: `quota "${input}" is out of range` };
  return { ok: true, bytes };
}

/** 12.3 GB style, SI, for people reading status. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
