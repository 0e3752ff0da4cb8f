/**
 * Invites: a compact string that travels in a URL fragment (never sent to a server).
 *   member invite: vault secret + member secret + inviter fingerprint + invite key — joins as a family device;
 *   relay invite:  vault secret + inviter fingerprint + invite key — can replicate ciphertext, can decrypt nothing.
 * The invite key (an Ed25519 seed) is what the family's admin announced in a signed `invite`
 * statement: signing with it proves this device was invited (docs/crypto.md "Authority").
 * Text form: "fv." + base64url([ver][alg][kind][vaultSecret 32][memberSecret 32]?[fingerprint 32][inviteSeed 32][check 4]).
 * The check is 4 bytes of SHA-256 so a mistyped or truncated invite is caught with a clear message.
 */
import { assertBytes, concatBytes, equalBytes, fromBase64Url, toBase64Url, utf8 } from '../core/bytes.ts';
import { VersionError } from '../core/errors.ts';
import { INVITE_FRAGMENT_KEY, INVITE_PREFIX, inviteCode } from '../core/invite-text.ts';
import { ALG, VERSION, header } from './envelope.ts';
import { LABEL } from './labels.ts';
import { sha256 } from './primitives.ts';

export type Invite =
  | { kind: 'member'; vaultSecret: Uint8Array; memberSecret: Uint8Array; inviter: Uint8Array; inviteSeed: Uint8Array }
  | { kind: 'relay'; vaultSecret: Uint8Array; inviter: Uint8Array; inviteSeed: Uint8Array };

export { INVITE_PREFIX, INVITE_FRAGMENT_KEY } from '../core/invite-text.ts';
// Kinds 1 and 2 were invites without an invite key (before family roles).
const KIND = { member: 3, relay: 4 } as const;
const OLD_KINDS = new Set([1, 2]);
const LENGTH = { member: 3 + 32 + 32 + 32 + 32 + 4, relay: 3 + 32 + 32 + 32 + 4 } as const;

const check = (body: Uint8Array): Uint8Array => sha256(concatBytes(utf8(LABEL.inviteCheck), body)).subarray(0, 4);

export function encodeInvite(inv: Invite): string {
  if (typeof inv !== 'object' || inv === null) throw new TypeError('invite: expected an object');
  assertBytes(inv.vaultSecret, 32, 'invite.vaultSecret');
  assertBytes(inv.inviter, 32, 'invite.inviter');
  assertBytes(inv.inviteSeed, 32, 'invite.inviteSeed');
  let body: Uint8Array;
  if (inv.kind === 'member') {
    assertBytes(inv.memberSecret, 32, 'invite.memberSecret');
    body = concatBytes(header(ALG.invite), Uint8Array.of(KIND.member), inv.vaultSecret, inv.memberSecret, inv.inviter, inv.inviteSeed);
  } else if (inv.kind === 'relay') {
    body = concatBytes(header(ALG.invite), Uint8Array.of(KIND.relay), inv.vaultSecret, inv.inviter, inv.inviteSeed);
  } else {
    throw new RangeError('invite: unknown kind');
  }
  return INVITE_PREFIX + toBase64Url(concatBytes(body, check(body)));
}

/** A link whose fragment carries the invite; browsers never send fragments to the server. */
export function inviteLink(appUrl: string, inv: Invite): string {
  const u = new URL(appUrl);
  u.hash = `${INVITE_FRAGMENT_KEY}=${encodeInvite(inv)}`;
  return u.toString();
}

export function parseInvite(input: string): Invite {
  if (typeof input !== 'string') throw new TypeError('invite: expected a string');
  const code = inviteCode(input); // the bare code, a `#join=…` fragment, or a whole link
  if (!code.startsWith(INVITE_PREFIX)) throw new RangeError('invite: not a Family Vault invite');
  let b: Uint8Array;
  try {
    b = fromBase64Url(code.slice(INVITE_PREFIX.length));
  } catch {
    throw new RangeError('invite: contains characters that do not belong in an invite');
  }
  // Only the canonical spelling: otherwise a typo in the last character's unused bits would pass.
  if (toBase64Url(b) !== code.slice(INVITE_PREFIX.length)) throw new RangeError('invite: mistyped at the end');
  if (b.length < 3 + 4) throw new RangeError('invite: too short (cut off?)');
  if (!equalBytes(check(b.subarray(0, b.length - 4)), b.subarray(b.length - 4))) {
    throw new RangeError('invite: checksum mismatch (mistyped or cut off?)');
  }
  if (b[0] !== VERSION) throw new VersionError(`invite: unknown version ${b[0]} (made by a newer app?)`);
  if (b[1] !== ALG.invite) throw new VersionError(`invite: unknown algorithm ${b[1]}`);
  if (OLD_KINDS.has(b[2]!)) throw new RangeError('invite: made by an older version of Family Vault; ask for a new invite');
  const kind = b[2] === KIND.member ? 'member' : b[2] === KIND.relay ? 'relay' : undefined;
  if (kind === undefined) throw new VersionError(`invite: unknown kind ${b[2]} (made by a newer app?)`);
  if (b.length !== LENGTH[kind]) throw new RangeError('invite: wrong length');
  const vaultSecret = b.slice(3, 35);
  if (kind === 'relay') return { kind, vaultSecret, inviter: b.slice(35, 67), inviteSeed: b.slice(67, 99) };
  return { kind, vaultSecret, memberSecret: b.slice(35, 67), inviter: b.slice(67, 99), inviteSeed: b.slice(99, 131) };
}
