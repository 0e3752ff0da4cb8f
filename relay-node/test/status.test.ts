import { describe, expect, it } from 'vitest';
import type { BrowserSnapshot } from '../src/browser-supervisor.ts';
import type { RelayStatus } from '../src/page-contract.ts';
import { sanitizeStatus } from '../src/page-contract.ts';
import { formatStatus } from '../src/status-format.ts';
import { buildStatus, type StatusInputs } from '../src/status-report.ts';

const now = 1_800_000_000_000;
const page: RelayStatus = {
  ready: true, peerId: 'relaypeer', objects: 1234, bytes: 12_300_000_000, quotaBytes: 500e9,
  peers: [{ peerId: 'p1', name: "Mum's phone", role: 'member', transport: 'direct', lastSyncAt: now - 120_000 }],
  queueDepth: 3, lastSyncAt: now - 10_000, signal: 'joined', corrupt: 0, version: '0.1.0',
};
const browser = (over: Partial<BrowserSnapshot> = {}): BrowserSnapshot => ({
  state: 'running', pid: 4242, restarts: 1, startedAt: now - 60_000, lastRestartReason: 'browser exited', lastError: null,
  storagePersisted: true, status: page, statusAt: now - 1000, ...over,
});
const inputs = (over: Partial<StatusInputs> = {}): StatusInputs => ({
  now, startedAt: now - 3_600_000, name: 'Oak', version: '0.1.0', origin: 'http://127.0.0.1:8788', peerId: 'relaypeer',
  quotaBytes: 500e9, signalUrl: 'wss://v.example/signal', executable: '/usr/bin/chromium', browser: browser(),
  signalCheck: { url: 'https://v.example/healthz', reachable: true, lastCheckAt: now, lastError: null },
  selfCheck: { startedAt: now - 601_000, at: now - 600_000, checked: 64, corrupt: [], error: null }, staleAfterMs: 60_000, ...over,
});

describe('status report', () => {
  it('is healthy when the browser runs and the page answered recently and is ready', () => {
    const r = buildStatus(inputs());
    expect(r).toMatchObject({ ok: true, problem: null, objects: 1234, queueDepth: 3, uptimeSec: 3600, browser: { pid: 4242, restarts: 1 } });
    expect(r.peers[0]).toMatchObject({ transport: 'direct' });
  });

  it('is unhealthy while restarting, when the answer is stale, or when the page is not ready', () => {
    expect(buildStatus(inputs({ browser: browser({ state: 'restarting', status: null }) })).problem).toMatch(/browser is restarting/);
    expect(buildStatus(inputs({ browser: browser({ statusAt: now - 120_000 }) })).problem).toMatch(/not answered recently/);
    expect(buildStatus(inputs({ browser: browser({ status: { ...page, ready: false, signal: 'connecting' } }) })).problem).toMatch(/not ready \(signal: connecting\)/);
  });

  it('prints for a person', () => {
    const text = formatStatus(buildStatus(inputs()), now);
    expect(text).toMatch(/relay "Oak": OK, ready/);
    expect(text).toMatch(/1,234 objects, 12\.3 GB of 500 GB quota \(2\.5%\)/);
    expect(text).toMatch(/restarts 1 \(last: browser exited\)/);
    expect(text).toMatch(/Mum's phone\s+member\s+direct\s+last sync 2 min ago/);
    expect(text).toMatch(/self-check\s+10 min ago: 64 checked, 0 corrupt/);
  });

  it('takes only well-typed fields from the page', () => {
    const s = sanitizeStatus({ ready: 'yes', objects: '5', peers: [{ peerId: 1, transport: 'turn' }], extra: 'x' });
    expect(s).toMatchObject({ ready: false, objects: 0, peers: [{ peerId: '', transport: 'turn', lastSyncAt: null }], signal: 'unknown' });
    expect(s).not.toHaveProperty('extra');
  });
});
