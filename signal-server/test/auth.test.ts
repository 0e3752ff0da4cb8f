/** Join authentication: the room id is an Ed25519 public key; the join signs a fresh nonce. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNAL_PROTOCOL } from '../../web/src/core/signal-messages.ts';
import { connect, joined, makePeerId, makeRoom, signJoin, type TestServer, startTestServer } from './support/client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const join = (room: string, peer: string, sig: string, protocol = SIGNAL_PROTOCOL) => ({ type: 'join', room, peer, sig, protocol });

describe('join authentication', () => {
  it('sends a fresh random nonce to every connection', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const c = await connect(server);
      expect(c.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      nonces.add(c.nonce);
      c.close();
    }
    expect(nonces.size).toBe(5);
  });

  it('accepts a correct signature', async () => {
    const c = await joined(server, makeRoom());
    expect(c.isOpen).toBe(true);
    c.close();
  });

  it('closes 4001 on a bad signature, with one log line', async () => {
    const room = makeRoom();
    const c = await connect(server);
    const peer = makePeerId();
    const sig = signJoin(room, c.nonce, peer);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const before = server.logs.length;
    c.send(join(room.id, peer, flipped));
    expect(await c.closedWithin()).toEqual({ code: 4001, reason: 'bad-signature' });
    const lines = server.logs.slice(before).filter((l) => l.includes(' refuse '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ refuse ip=127\.0\.0\.1 conn=\d+ code=4001 reason=bad-signature$/);
  });

  it('closes 4001 when signed with another room key', async () => {
    const room = makeRoom();
    const other = makeRoom();
    const c = await connect(server);
    const peer = makePeerId();
    c.send(join(room.id, peer, signJoin(other, c.nonce, peer, room.id)));
    expect((await c.closedWithin()).code).toBe(4001);
  });

  it('closes 4001 when a signature is replayed against a new nonce', async () => {
    const room = makeRoom();
    const peer = makePeerId();
    const first = await connect(server);
    const sig = signJoin(room, first.nonce, peer);
    first.send(join(room.id, peer, sig));
    await first.next('joined');
    const second = await connect(server);
    expect(second.nonce).not.toBe(first.nonce);
    second.send(join(room.id, peer, sig)); // the recorded join, replayed
    expect(await second.closedWithin()).toEqual({ code: 4001, reason: 'bad-signature' });
    expect(first.isOpen).toBe(true); // and the replay did not kick the real peer out
    first.close();
  });

  it('closes 4001 when the signature covers a different peer id', async () => {
    const room = makeRoom();
    const c = await connect(server);
    c.send(join(room.id, makePeerId(), signJoin(room, c.nonce, makePeerId())));
    expect((await c.closedWithin()).code).toBe(4001);
  });

  it('closes 4001 for a room id that is not a 32-byte key', async () => {
    for (const bad of ['short', 'A'.repeat(42), 'A'.repeat(44), '!'.repeat(43), 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB']) {
      const c = await connect(server);
      const peer = makePeerId();
      c.send(join(bad, peer, 'A'.repeat(86)));
      const closed = await c.closedWithin();
      expect(closed.code, bad).toBe(4001);
      expect(closed.reason, bad).toBe('bad-room-id');
    }
  });

  it('closes 4000 for a malformed peer id', async () => {
    const room = makeRoom();
    for (const peer of ['short', 'has space in it', 'dots.are.not.allowed']) {
      const c = await connect(server);
      c.send(join(room.id, peer, signJoin(room, c.nonce, peer)));
      expect(await c.closedWithin(), peer).toEqual({ code: 4000, reason: 'bad-peer-id' });
    }
    // Over the wire format's 64 characters: the message itself is malformed (counted, answered).
    const c = await connect(server);
    const long = 'x'.repeat(65);
    c.send(join(room.id, long, signJoin(room, c.nonce, long)));
    expect((await c.next('error')).code).toBe('bad-message');
    c.close();
  });

  it('closes 4008 on a protocol mismatch', async () => {
    const room = makeRoom();
    const c = await connect(server);
    const peer = makePeerId();
    c.send(join(room.id, peer, signJoin(room, c.nonce, peer), SIGNAL_PROTOCOL + 1));
    expect(await c.closedWithin()).toEqual({ code: 4008, reason: `protocol-mismatch: server speaks ${SIGNAL_PROTOCOL}` });
  });

});
