/** The header's "is the family server reachable" state, over fake signal clients. */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../core/emitter.ts';
import type { SignalState } from '../../transport/signal-client.ts';
import { ServerConnection, type ServerReach, type WatchedSession } from '../server-connection.ts';

class FakeSignal extends Emitter<{ state: void; retrying: void }> {
  state: SignalState = 'connecting';
  failures = 0;
  to(state: SignalState, failures = this.failures) {
    this.state = state;
    this.failures = failures;
    this.emit(failures && state === 'connecting' ? 'retrying' : 'state', undefined);
  }
}

class FakeNode {
  signal = new FakeSignal();
  readonly joined: Array<() => void> = [];
  onJoined(fn: () => void) {
    this.joined.push(fn);
  }
}

class FakeSession extends Emitter<{ status: void }> implements WatchedSession {
  needsServerCode = false;
  readonly node = new FakeNode();
  get signal() {
    return this.node.signal;
  }
}

function watched(o: { slowMs?: number } = {}) {
  const session = new FakeSession();
  const c = new ServerConnection(o);
  const seen: Array<ServerReach | undefined> = [];
  c.on('change', (r) => seen.push(r));
  c.watch(session);
  return { session, c, seen };
}

describe('ServerConnection', () => {
  it('connecting, connected, then unreachable as soon as a reconnect fails (the state stays "connecting")', () => {
    const { session, c, seen } = watched();
    expect(c.state).toBe('connecting');
    session.signal.to('joined', 0);
    expect(c.state).toBe('connected');
    session.signal.to('connecting', 1); // the server went away; the client retries
    expect(c.state).toBe('unreachable');
    session.signal.to('joined', 0);
    expect(seen).toEqual(['connecting', 'connected', 'unreachable', 'connected']);
    c.watch(undefined);
  });

  it('a first try that hangs (no answer at all) counts as unreachable after a while', async () => {
    const { c } = watched({ slowMs: 30 });
    expect(c.state).toBe('connecting');
    await new Promise((r) => setTimeout(r, 80));
    expect(c.state).toBe('unreachable');
    c.watch(undefined);
  });

  it('a server that wants a code says so; locking says nothing', () => {
    const { session, c, seen } = watched();
    session.signal.to('joined', 0);
    session.needsServerCode = true;
    session.emit('status', undefined);
    expect(c.state).toBe('needs-code');
    c.watch(undefined);
    expect(c.state).toBeUndefined();
    session.signal.to('closed'); // the stopped session's client: no longer followed
    expect(seen.at(-1)).toBeUndefined();
  });

  it("follows the new room's signal client after a rotation", () => {
    const { session, c } = watched();
    const old = session.signal;
    old.to('joined', 0);
    session.node.signal = new FakeSignal();
    session.signal.to('joined', 0);
    session.node.joined.forEach((fn) => fn());
    expect(c.state).toBe('connected');
    old.to('connecting', 1); // the old room's client is left behind: it says nothing now
    expect(c.state).toBe('connected');
    session.signal.to('connecting', 1);
    expect(c.state).toBe('unreachable');
    c.watch(undefined);
  });
});
