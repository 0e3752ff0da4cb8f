import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeLogger, type LogLevel } from '../src/log.ts';
import { watchStopSignals, type StopSignals } from '../src/stop-signals.ts';

function setup(opts: { deadlineMs?: number } = {}) {
  const lines: Array<[LogLevel, string]> = [];
  const log = makeLogger({ level: 'debug', format: 'text', write: (l, line) => lines.push([l, line]) });
  const source = new EventEmitter();
  let t = 0;
  const exits: number[] = [];
  const watcher = watchStopSignals({ log, source, now: () => t, exit: (c) => exits.push(c), burstMs: 1000, ...opts });
  const send = (sig: NodeJS.Signals, at: number) => {
    t = at;
    source.emit(sig, sig);
  };
  return { lines, exits, watcher, send, source, text: () => lines.map(([l, x]) => `${l} ${x}`).join('\n') };
}

let current: StopSignals | undefined;
afterEach(() => {
  current?.dispose();
  current = undefined;
  vi.useRealTimers();
});

describe('stop signals', () => {
  it('takes two SIGINTs in quick succession (npm and the terminal) as one stop request', async () => {
    const s = setup();
    current = s.watcher;
    s.send('SIGINT', 0);
    s.send('SIGINT', 5);
    s.send('SIGINT', 40); // tsx may forward a third copy when its child was slow to report
    await expect(s.watcher.requested).resolves.toBe('SIGINT');
    expect(s.exits).toEqual([]);
    expect(s.text()).toMatch(/debug .*stop-signal-duplicate signal=SIGINT/);
    expect(s.text()).not.toMatch(/forced-exit|stop-signal-repeated/);
  });

  it('acknowledges a second request, forces the exit on the third', () => {
    const s = setup();
    current = s.watcher;
    s.send('SIGTERM', 0);
    s.send('SIGTERM', 2000);
    expect(s.exits).toEqual([]);
    expect(s.text()).toMatch(/warn .*stop-signal-repeated signal=SIGTERM .*Signal once more to force/);
    s.send('SIGINT', 4000);
    expect(s.exits).toEqual([1]);
    expect(s.text()).toMatch(/warn .*forced-exit signal=SIGINT note="stop signal number 3 during shutdown"/);
    s.send('SIGINT', 6000); // exit() is called once
    expect(s.exits).toEqual([1]);
  });

  it('forces the exit when the stop outlasts the deadline, not when it finished in time', () => {
    vi.useFakeTimers();
    const slow = setup({ deadlineMs: 5000 });
    slow.send('SIGTERM', 0);
    vi.advanceTimersByTime(4999);
    expect(slow.exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(slow.exits).toEqual([1]);
    expect(slow.text()).toMatch(/forced-exit note="the stop took longer than 5 s"/);
    slow.watcher.dispose();

    const quick = setup({ deadlineMs: 5000 });
    current = quick.watcher;
    quick.send('SIGTERM', 0);
    quick.watcher.done();
    vi.advanceTimersByTime(10_000);
    quick.send('SIGTERM', 3000); // after the stop: ignored
    quick.send('SIGTERM', 6000);
    expect(quick.exits).toEqual([]);
  });

  it('keeps one listener per signal until disposed, so no signal falls through to the default action', () => {
    const s = setup();
    s.send('SIGHUP', 0);
    s.send('SIGHUP', 3000);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) expect(s.source.listenerCount(sig)).toBe(1);
    s.watcher.dispose();
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) expect(s.source.listenerCount(sig)).toBe(0);
  });
});
