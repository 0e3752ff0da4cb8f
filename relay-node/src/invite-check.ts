/**
 * Checks the invite in Node before any browser starts, so a wrong invite fails fast with a
 * message a person can act on. A relay must hold no member secret (it would let the relay
 * act as a family member), so a MEMBER invite is refused, not quietly used.
 * Messages never include the invite itself.
 */
import { parseInvite } from '../../web/src/crypto/invite.ts';

export type InviteCheck = { ok: true } | { ok: false; error: string };

export function checkRelayInvite(invite: string): InviteCheck {
  if (invite.trim() === '') return { ok: false, error: 'the relay invite is empty' };
  let kind: string;
  try {
    kind = parseInvite(invite).kind;
  } catch (e) {
    // parseInvite's messages describe the problem without echoing the input.
    const why = e instanceof Error ? e.message.replace(/^invite: /, '') : 'unreadable';
    return { ok: false, error: `the relay invite is not valid: ${why}. Copy the relay invite again from the family app.` };
  }
  if (kind === 'member') {
    return {
      ok: false,
      error: 'this is a MEMBER invite: its member secret lets the holder join the family as a person. ' +
        'A relay must hold no member secret: make a RELAY invite in the family app and use that instead.',
    };
  }
  if (kind !== 'relay') return { ok: false, error: 'the invite is of an unknown kind (made by a newer app?)' };
  return { ok: true };
}
