/**
 * Where an invite's code sits in what a person pasted or a camera read: the bare code, a
 * `#join=…` fragment, or a whole link. No crypto here, so the first screen can check a scanned
 * QR code without loading it (crypto/invite.ts parses and verifies the code itself).
 */
export const INVITE_PREFIX = 'fv.';
/** The URL fragment parameter that carries the invite: https://host/#join=fv.… */
export const INVITE_FRAGMENT_KEY = 'join';

/** The code part of `input` (not yet checked). Never echoes the input in errors: it throws none. */
export function inviteCode(input: string): string {
  let s = input.trim();
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(hash + 1);
  if (s.startsWith(`${INVITE_FRAGMENT_KEY}=`)) s = s.slice(INVITE_FRAGMENT_KEY.length + 1);
  try {
    s = decodeURIComponent(s);
  } catch {
    // Not percent-encoded after all: the code as it is (parseInvite says what is wrong with it).
  }
  return s.trim();
}

/** The invite code in a QR code's or a paste's text, if it looks like one of ours. */
export function inviteIn(text: string): string | undefined {
  const code = inviteCode(text);
  return code.startsWith(INVITE_PREFIX) && /^[A-Za-z0-9_.-]+$/.test(code) ? code : undefined;
}
