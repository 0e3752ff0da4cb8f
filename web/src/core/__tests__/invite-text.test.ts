import { describe, expect, it } from 'vitest';
import { encodeInvite, inviteLink, parseInvite } from '../../crypto/invite.ts';
import { inviteCode, inviteIn } from '../invite-text.ts';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const code = encodeInvite({ kind: 'member', vaultSecret: bytes(32, 1), memberSecret: bytes(32, 2), inviter: bytes(32, 3), inviteSeed: bytes(32, 4) });

describe('the invite in scanned or pasted text', () => {
  it('finds the code in an app link, a #join= fragment, join=… and the bare code; parseInvite reads what it found', () => {
    for (const text of [inviteLink('https://vault.example/', parseInvite(code)), `#join=${code}`, `join=${code}`, code, `  ${code}\n`, `https://vault.example/#join=${encodeURIComponent(code)}`]) {
      expect(inviteIn(text), text).toBe(code);
      expect(parseInvite(text).kind).toBe('member');
    }
  });

  it('says no to QR codes that are not our invites (another site, a relay command, garbage)', () => {
    for (const text of ['https://example.com/', 'WIFI:S:home;T:WPA;P:secret;;', `npm run relay -- --invite ${code}`, 'fv', '', `${code} and more`]) {
      expect(inviteIn(text), text).toBeUndefined();
    }
  });

  it('inviteCode leaves a malformed percent escape as it is (parseInvite then names the fault)', () => {
    expect(inviteCode('#join=fv.%zz')).toBe('fv.%zz');
    expect(() => parseInvite('#join=fv.%zz')).toThrow(/characters|mistyped|short/);
  });
});
