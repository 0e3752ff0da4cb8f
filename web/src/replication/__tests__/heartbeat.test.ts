import { afterEach, describe, expect, it } from 'vitest';
import { Directory, closeAll, link, makeNode, waitFor, type TestNode } from './harness.ts';

let nodes: TestNode[] = [];
afterEach(async () => {
  await closeAll(nodes);
  nodes = [];
});

describe('heartbeat', () => {
  it('keeps a quiet link open and detects a vanished peer within the timeout', async () => {
    const dir = new Directory();
    const heartbeat = { intervalMs: 40, timeoutMs: 150 };
    const a = makeNode('alice', { dir, config: { heartbeat } });
    const b = makeNode('bob', { dir, config: { heartbeat } });
    nodes = [a, b];
    const l = link(a, b);
    await waitFor(() => l.a.ready && l.b.ready, 'ready');
    await new Promise((r) => setTimeout(r, 400)); // idle, but pings flow
    expect(l.a.state).toBe('open');
    expect(l.a.outbox.sentFrames.ping ?? 0).toBeGreaterThan(0);
    const closed: string[] = [];
    a.engine.on('peer-closed', (e) => closed.push(`a:${e.reason}`));
    b.engine.on('peer-closed', (e) => closed.push(`b:${e.reason}`));
    const t0 = Date.now();
    l.pair.blackhole(); // no close event ever reaches either side
    await waitFor(() => closed.length === 2, 'both sides notice');
    const took = Date.now() - t0;
    expect(closed.sort()).toEqual(['a:peer-timeout', 'b:peer-timeout']);
    expect(took).toBeLessThan(heartbeat.timeoutMs + 2 * heartbeat.intervalMs + 100);
    expect(a.engine.peers()).toEqual([]);
  });
});
