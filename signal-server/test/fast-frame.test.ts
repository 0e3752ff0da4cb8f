/** The fast path must agree exactly with the full parser whenever it accepts a frame. */
import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../web/src/core/signal-messages.ts';
import { forwardFrame, matchFastForward } from '../src/fast-frame.ts';

const agree = (text: string) => {
  const fast = matchFastForward(text);
  if (!fast) return false;
  const slow = parseClientMessage(text, 1 << 20);
  expect(slow, text).toEqual({ type: fast.type, to: fast.to, data: fast.data });
  expect(forwardFrame(fast.type, 'fromPeer_-1', fast.data)).toBe(JSON.stringify({ type: fast.type, from: 'fromPeer_-1', data: fast.data }));
  return true;
};

describe('fast frame path', () => {
  it('takes the canonical signal and relay shapes', () => {
    expect(agree(JSON.stringify({ type: 'signal', to: 'peerAbc123', data: 'QUJD-_' }))).toBe(true);
    expect(agree(JSON.stringify({ type: 'relay', to: 'peerAbc123', data: 'x'.repeat(1000) }))).toBe(true);
    expect(agree(JSON.stringify({ type: 'signal', to: 'p', data: '' }))).toBe(true);
    expect(agree(JSON.stringify({ type: 'signal', to: 'p', data: 'ünïcødé ✓ 😀' }))).toBe(true);
  });

  it('leaves everything else to the full parser', () => {
    for (const t of [
      JSON.stringify({ type: 'signal', data: 'broadcast' }),
      JSON.stringify({ to: 'p', type: 'signal', data: 'x' }),
      JSON.stringify({ type: 'signal', to: 'p', data: 'has "quote"' }),
      JSON.stringify({ type: 'signal', to: 'p', data: 'back\\slash' }),
      JSON.stringify({ type: 'signal', to: 'p', data: 'new\nline' }),
      JSON.stringify({ type: 'signal', to: 'p q', data: 'x' }),
      JSON.stringify({ type: 'signal', to: 'x'.repeat(65), data: 'x' }),
      '{"type":"signal","to":"p","data":"x","data":"y"}',
      '{"type":"signal","to":"p","data":"x"} ',
      '{"type":"signal","to":"p","data":"x"',
      '{"type":"signal","to":"","data":"x"}',
      '{"type":"signal","to":"p","data":"\\u0041"}',
      '{"type":"ping"}',
      '{"type":"relay","to":"peer84","data":"}', // found by the mutation test below
    ]) {
      expect(matchFastForward(t), t).toBeUndefined();
    }
  });

  it('never disagrees with the full parser on mutated frames', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = ['"', '\\', ',', ':', '{', '}', 'a', 'Z', '0', '-', '_', ' ', '\u0001', 'é', 'x'];
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) {
      let t = JSON.stringify({ type: rnd(2) ? 'signal' : 'relay', to: 'peer' + rnd(1000), data: 'd'.repeat(rnd(20)) });
      for (let k = rnd(3); k > 0; k--) {
        const at = rnd(t.length + 1);
        t = rnd(2) ? t.slice(0, at) + alphabet[rnd(alphabet.length)] + t.slice(at) : t.slice(0, at) + t.slice(at + 1);
      }
      if (agree(t)) accepted++;
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});
