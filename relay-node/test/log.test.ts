import { describe, expect, it } from 'vitest';
import { makeLogger, type LogLevel } from '../src/log.ts';
import { relayInvite } from './invites.ts';

function capture(level: LogLevel, format: 'text' | 'json') {
  const lines: Array<[LogLevel, string]> = [];
  const log = makeLogger({ level, format, write: (l, line) => lines.push([l, line]), now: () => new Date(0) });
  return { log, lines };
}

describe('log', () => {
  it('filters by level and writes one line per event', () => {
    const { log, lines } = capture('info', 'text');
    log.debug('hidden');
    log.info('browser-started', { pid: 12, note: 'two words', empty: '', skipped: undefined });
    log.error('boom', { error: 'line1\nline2' });
    expect(lines).toEqual([
      ['info', '1970-01-01T00:00:00.000Z INFO browser-started pid=12 note="two words" empty=""'],
      ['error', '1970-01-01T00:00:00.000Z ERROR boom error="line1\\nline2"'],
    ]);
  });

  it('writes JSON lines when asked', () => {
    const { log, lines } = capture('debug', 'json');
    log.warn('self-check', { checked: 64, objects: ['a', 'b'] });
    expect(JSON.parse(lines[0]![1])).toEqual({ time: '1970-01-01T00:00:00.000Z', level: 'warn', event: 'self-check', checked: 64, objects: ['a', 'b'] });
  });

  it('cuts anything that looks like an invite out of every line', () => {
    for (const format of ['text', 'json'] as const) {
      const { log, lines } = capture('debug', format);
      const inv = relayInvite();
      log.error(`page said ${inv}`, { text: `invite was ${inv}`, list: [inv] });
      expect(lines[0]![1]).not.toContain(inv.slice(3, 30));
      expect(lines[0]![1]).toContain('fv.<redacted>');
    }
  });
});
