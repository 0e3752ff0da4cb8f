/** The header's words: what is really reachable, not just whether the device has a network. */
import { describe, expect, it } from 'vitest';
import { networkWords } from '../network-words.ts';

describe('networkWords', () => {
  it("online but the family server unreachable: says so, not \"Online\"", () => {
    const w = networkWords(true, 'unreachable');
    expect(w.chip).toBe("Can't reach the server");
    expect(w.note).toContain('stays on this device');
  });

  it('offline when the device has no network and no server is reached', () => {
    expect(networkWords(false, 'unreachable').chip).toBe('Offline');
    expect(networkWords(false, 'connecting').chip).toBe('Offline');
    expect(networkWords(false, undefined).chip).toBe('Offline');
  });

  it('a server it is joined to is reached, even if the browser thinks it is offline', () => {
    expect(networkWords(false, 'connected')).toEqual({ chip: 'Connected', note: '' });
  });

  it('connected, connecting, a server that wants a code, and locked', () => {
    expect(networkWords(true, 'connected')).toEqual({ chip: 'Connected', note: '' });
    expect(networkWords(true, 'connecting')).toEqual({ chip: 'Connecting…', note: '' });
    expect(networkWords(true, 'needs-code').note).toContain('under Family');
    expect(networkWords(true, undefined)).toEqual({ chip: '', note: '' });
  });
});
