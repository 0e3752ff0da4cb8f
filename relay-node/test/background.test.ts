import { describe, expect, it } from 'vitest';
import { makeLogger, type LogLevel } from '../src/log.ts';
import { scheduleSelfCheck } from '../src/self-check.ts';
import { watchSignalServer } from '../src/signal-check.ts';

function capture() {
  const lines: Array<[LogLevel, string]> = [];
  return { lines, log: makeLogger({ level: 'debug', format: 'text', write: (l, line) => lines.push([l, line]) }) };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('signal server check', () => {
  it('warns once when unreachable, keeps retrying, and logs when it is back', async () => {
    const { lines, log } = capture();
    let up = false;
    let calls = 0;
    const fetchImpl = (async () => {
      calls++;
      if (!up) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
      return new Response('{"ok":true}');
    }) as typeof fetch;
    const checker = await watchSignalServer({ healthUrl: 'http://127.0.0.1:1/healthz', log, fetchImpl, retryMinMs: 10, retryMaxMs: 40 });
    try {
      expect(checker.state()).toMatchObject({ reachable: false, url: 'http://127.0.0.1:1/healthz' });
      expect(checker.state().lastError).toMatch(/ECONNREFUSED/);
      await sleep(80);
      expect(calls).toBeGreaterThan(2);
      expect(lines.filter(([l, t]) => l === 'warn' && t.includes('signal-server-unreachable'))).toHaveLength(1);
      up = true;
      await expect.poll(() => checker.state().reachable, { timeout: 1000 }).toBe(true);
      expect(lines.some(([l, t]) => l === 'info' && t.includes('signal-server-reachable'))).toBe(true);
    } finally {
      checker.stop();
    }
  });
});

describe('self-check schedule', () => {
  it('runs every interval, logs results, and survives a failing run', async () => {
    const { lines, log } = capture();
    const results = [Promise.reject(new Error('browser is restarting')), Promise.resolve({ checked: 64, corrupt: ['abc'] }), Promise.resolve({ checked: 64, corrupt: [] })];
    for (const r of results) r.catch(() => undefined); // handled when the schedule awaits it
    let i = 0;
    const schedule = scheduleSelfCheck({ intervalMs: 15, sample: 64, log, run: () => results[Math.min(i++, 2)]! });
    try {
      await expect.poll(() => i, { timeout: 1000 }).toBeGreaterThanOrEqual(3);
      await sleep(5);
      const text = lines.map(([l, t]) => `${l} ${t}`).join('\n');
      expect(text).toMatch(/warn .*self-check-failed error="browser is restarting"/);
      expect(text).toMatch(/warn .*self-check checked=64 corrupt=1 objects=abc/);
      expect(text).toMatch(/info .*self-check checked=64 corrupt=0/);
      expect(schedule.last()).toMatchObject({ checked: 64, error: null });
    } finally {
      schedule.stop();
    }
  });
});
