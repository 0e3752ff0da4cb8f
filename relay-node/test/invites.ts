/** Invites for tests, made with the app's own encoder. */
import { encodeInvite } from '../../web/src/crypto/invite.ts';

const bytes = (b: number): Uint8Array => new Uint8Array(32).fill(b);
export const relayInvite = (): string => encodeInvite({ kind: 'relay', vaultSecret: bytes(1), inviter: bytes(2), inviteSeed: new Uint8Array(32).fill(7) });
export const memberInvite = (): string => encodeInvite({ kind: 'member', vaultSecret: bytes(1), memberSecret: bytes(3), inviter: bytes(2), inviteSeed: new Uint8Array(32).fill(8) });
