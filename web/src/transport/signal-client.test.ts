/** SignalClient counts the tries that fail, which its state ('connecting' while retrying) does not show. */
import { describe, expect, it } from 'vitest';
import { SignalClient } from './signal-client.ts';

/** A WebSocket the test opens, answers and closes by hand. */
class FakeWebSocket {
  static last: FakeWebSocket | undefined;
  readonly OPEN = 1;
  readyState = 0;
  onmessage: ((ev: { data: string }) => void) | undefined;
  onclose: ((ev: { code: number; reason: string }) => void) | undefined;
  readonly sent: string[] = [];
  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }
  send(d: string) {
    this.sent.push(d);
  }
  close() {
    this.readyState = 3;
  }
  serverSays(msg: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

const client = () => new SignalClient({
  url: 'ws://server.test/signal', room: 'r'.repeat(43), peer: 'p'.repeat(22), signJoin: () => 's',
  minBackoffMs: 5, maxBackoffMs: 10, WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket,
});

describe('SignalClient.failures', () => {
  it('counts tries that end without a join, says so each time, and is 0 once joined', async () => {
    const c = client();
    const retries: number[] = [];
    c.on('retrying', ({ failures }) => retries.push(failures));
    c.start();
    expect(c.failures).toBe(0);
    FakeWebSocket.last!.drop(); // the server is unreachable
    expect(c.state).toBe('connecting');
    expect(c.failures).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    FakeWebSocket.last!.drop();
    expect(retries).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 30));
    const ws = FakeWebSocket.last!;
    ws.readyState = 1;
    ws.serverSays({ type: 'joined', room: 'r'.repeat(43), peer: 'p'.repeat(22), peers: [] });
    expect(c.state).toBe('joined');
    expect(c.failures).toBe(0);
    c.stop();
  });
});
