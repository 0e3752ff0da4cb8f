import { describe, expect, it } from 'vitest';
import { checkRelayInvite } from '../src/invite-check.ts';
import { memberInvite, relayInvite } from './invites.ts';

describe('checkRelayInvite', () => {
  it('accepts a relay invite, bare or as a link', () => {
    expect(checkRelayInvite(relayInvite())).toEqual({ ok: true });
    expect(checkRelayInvite(`https://vault.example.org/#join=${relayInvite()}`)).toEqual({ ok: true });
  });

  it('refuses a member invite and says to make a relay invite', () => {
    const inv = memberInvite();
    const r = checkRelayInvite(inv);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/MEMBER invite/);
    expect(r.error).toMatch(/make a RELAY invite/);
    expect(r.error).toMatch(/no member secret/);
    expect(r.error).not.toContain(inv.slice(3, 20));
  });

  it('refuses damaged invites without echoing them', () => {
    const good = relayInvite();
    const cases = ['', 'hello', good.slice(0, -3), good.slice(0, 40) + (good[40] === 'A' ? 'B' : 'A') + good.slice(41), 'fv.!!!!'];
    for (const bad of cases) {
      const r = checkRelayInvite(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok && bad.length > 8) expect(r.error).not.toContain(bad.slice(3, 20));
    }
  });
});
