/**
 * Which rooms the server's admin enrolled (docs/signal-server.md "Enrolment"). Only enrolled
 * rooms get TURN credentials and, by default, only they may signal: a public signal server is
 * then not an open TURN relay for anyone with a fresh Ed25519 key.
 *
 * A room is enrolled in one of two ways, both checked at the join:
 * - with a one-time code the admin minted (`npm run signal -- enroll`): the room starts a family;
 * - with a vouch, a signature by the key of an enrolled room over (that room, this room): the
 *   room joins the voucher's family. A rotation gives a family a new room id; its devices vouch
 *   for it with the previous generation's key, and for earlier rooms with the newest key.
 *
 * Anyone who ever held an enrolled room's key (a removed member holds the old generations') can
 * vouch, so a family holds at most MAX_ROOMS_PER_FAMILY rooms: the server's TURN and room
 * capacity cannot be multiplied from one code.
 */
import { roomPublicKey, verifyVouch } from './join-auth.ts';
import { normalizeEnrolCode } from './enrol-code.ts';

export const MAX_ROOMS_PER_FAMILY = 32;

export interface EnrolledRoom {
  room: string;
  /** Unix ms. */
  at: number;
  via: 'code' | 'vouch';
  /** The room that started the family (enrolled with a code). */
  family: string;
  /** For a vouch: the enrolled room that vouched. */
  by?: string;
}

export type RedeemResult = 'enrolled' | 'already' | 'bad-code';
export type VouchResult = 'enrolled' | 'already' | 'voucher-not-enrolled' | 'family-full';

/** A file (enrolment-file.ts) or Redis (enrolment-redis.ts); shared by the server and the CLI. */
export interface EnrolmentStore {
  /** Where it lives, for messages (a path, or the Redis URL without its password). */
  readonly where: string;
  isEnrolled(room: string): Promise<boolean>;
  /** Uses up `code` (normalized) and enrols `room` as a new family. A room already enrolled keeps the code unused. */
  redeem(code: string, room: string, now: number): Promise<RedeemResult>;
  /** Enrols `room` into the family of `voucher` (whose signature the caller checked). */
  vouch(voucher: string, room: string, now: number): Promise<VouchResult>;
  /** Stores a new code's hash (expiring at `expiresAt`) and returns the code. */
  mint(expiresAt: number, now: number): Promise<string>;
  list(): Promise<EnrolledRoom[]>;
  /** Codes not used yet and not expired. */
  pendingCodes(now: number): Promise<number>;
  /** Unenrols `room`; false if it was not enrolled. */
  remove(room: string): Promise<boolean>;
  close(): Promise<void>;
}

export type EnrolRefusal = 'not-enrolled' | 'bad-enrol-code' | 'bad-vouch';

export type EnrolOutcome =
  | { enrolled: true; by?: 'code' | 'vouch' }
  | { enrolled: false; reason: EnrolRefusal; detail: string };

export interface EnrolClaim {
  enrol?: string;
  vouch?: { room: string; sig: string };
}

/**
 * Whether `room` is enrolled, enrolling it first with the join's vouch or code. A vouch is tried
 * before a code, so a code is not used up by a room its family could vouch for.
 */
export async function decideEnrolment(store: EnrolmentStore, room: string, claim: EnrolClaim, now: number): Promise<EnrolOutcome> {
  if (await store.isEnrolled(room)) return { enrolled: true };
  let vouchDetail: string | undefined;
  if (claim.vouch) {
    const { room: voucher, sig } = claim.vouch;
    const key = voucher !== room ? roomPublicKey(voucher) : undefined;
    if (!key || !verifyVouch(key, voucher, room, sig)) vouchDetail = 'the vouch signature does not verify';
    else {
      const r = await store.vouch(voucher, room, now);
      if (r === 'enrolled') return { enrolled: true, by: 'vouch' };
      if (r === 'already') return { enrolled: true };
      vouchDetail = r === 'family-full'
        ? `this family already has ${MAX_ROOMS_PER_FAMILY} rooms: ask the server's admin for a new code`
        : 'the vouching room is not enrolled';
    }
  }
  if (claim.enrol !== undefined) {
    const code = normalizeEnrolCode(claim.enrol);
    const r = code === undefined ? 'bad-code' : await store.redeem(code, room, now);
    if (r === 'enrolled') return { enrolled: true, by: 'code' };
    if (r === 'already') return { enrolled: true };
    return { enrolled: false, reason: 'bad-enrol-code', detail: 'this enrolment code is unknown, used or expired' };
  }
  if (vouchDetail) return { enrolled: false, reason: 'bad-vouch', detail: vouchDetail };
  return { enrolled: false, reason: 'not-enrolled', detail: "this server's admin has not enrolled this family" };
}
