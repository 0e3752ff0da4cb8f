/**
 * Authority statements: the entries of the vault log (docs/crypto.md "Authority"). Each is
 * signed by a member identity (or, for a home's enrolment, the home's device key) and bound to
 * the vault's genesis. The public part is readable by every holder of the vault secret, relays
 * included, so they can check who may write; names, albums and key grants travel in a part
 * sealed under the members-only directory key (`p`).
 *
 * Bytes: [1][0x0b][u32 json length][json][Ed25519 signature 64], signed with context
 * 'authority' over everything before the signature. The JSON names its signer (`by`).
 */
import { concatBytes, fromBase64Url, fromUtf8, toBase64Url, u32be, utf8 } from '../../core/bytes.ts';
import { IntegrityError, VersionError } from '../../core/errors.ts';
import type { CryptoApi } from '../../crypto/api-types.ts';

export const STATEMENT_VERSION = 1;
export const STATEMENT_ALG = 0x0b;
const SIG_CONTEXT = 'authority';
/** What an invite key signs to admit one device (the hello credential) or one join. */
export const INVITE_DEVICE_CONTEXT = 'invite-device';
export const INVITE_JOIN_CONTEXT = 'invite-join';
const MAX_JSON = 48 * 1024;

export type MemberRole = 'admin' | 'contributor' | 'viewer';
export type RoleChange = MemberRole | 'removed';
/** 'device': a member's own new device (a restore); 'home': a relay. */
export type InviteRole = MemberRole | 'home' | 'device';
/** device key → log → highest seq of that device's ops the changer had seen. */
export type Cut = Record<string, Record<string, number>>;

export type StatementBody =
  /** The vault's root: the creator's identity (66-byte public identity) and first device. */
  | { t: 'genesis'; root: string; device: string; p?: string }
  /** An admin's one-time invite: whoever holds `key`'s secret may join as `role` (or enrol a home). */
  | { t: 'invite'; key: string; role: InviteRole }
  /** A new member joins with an invite: `isig` is the invite key's signature over who ‖ device. */
  | { t: 'join'; who: string; device: string; bundle: string; key: string; isig: string; p?: string }
  /** A home relay enrols with a home invite; signed by the relay's device key; `box` gets rotated secrets. */
  | { t: 'enroll'; device: string; box: string; name: string; key: string; isig: string }
  /** An admin sets a member's role (or removes them); `cut` is what of theirs the admin had seen. */
  | { t: 'role'; who: string; role: RoleChange; cut: Cut }
  /** A member certifies one more device of theirs (published by that device). */
  /** `key`: the device invite it came in with (from then on that invite lets no other device in). */
  | { t: 'device'; device: string; key?: string }
  /**
   * A member revokes one of their devices, or an admin any device, home or unused invite key.
   * `upTo`: log → the device's last seq the revoker had seen; later ops of that device are void.
   */
  | { t: 'revoke'; device: string; upTo: Record<string, number> }
  /** A member's key bundle (for restores) and name (sealed). */
  | { t: 'profile'; bundle: string; p?: string }
  /** Members-only content (album creation, epochs, key grants): see sealed.ts. */
  | { t: 'sealed'; p: string }
  /**
   * A new generation of the vault and member secrets, sealed to each remaining member (both) and
   * home (vault secret only), after a removal or revocation; `room` is its signaling room id.
   * Later statements of the same generation and room extend it to who joined since (rotation.ts).
   */
  | { t: 'rotate'; gen: number; room: string; to: Array<{ box: string; vault: string; member?: string }> };

export type StatementType = StatementBody['t'];

export interface Statement {
  /** Genesis id this statement belongs to ('' in the genesis itself). */
  g: string;
  /** Ed25519 public key (base64url) of the signer. */
  by: string;
  body: StatementBody;
  /** BLAKE3 of the whole statement bytes: its id. */
  id: string;
  bytes: Uint8Array;
}

const B64 = /^[A-Za-z0-9_-]+$/;
const isB64 = (x: unknown, len?: number): x is string => typeof x === 'string' && B64.test(x) && (len === undefined || x.length === len);
const KEY = 43; // 32 bytes
const IDENTITY = 88; // 66 bytes
const ROLES = new Set(['admin', 'contributor', 'viewer']);

function checkCut(c: unknown): c is Cut {
  if (typeof c !== 'object' || c === null) return false;
  for (const [d, logs] of Object.entries(c)) {
    if (!isB64(d, KEY) || typeof logs !== 'object' || logs === null) return false;
    for (const v of Object.values(logs as Record<string, unknown>)) if (!Number.isSafeInteger(v) || (v as number) < 0) return false;
  }
  return true;
}

/** Shape of the body; anything else is refused (fail closed). */
export function checkBody(b: Record<string, unknown>): StatementBody | undefined {
  const p = b.p === undefined || isB64(b.p);
  switch (b.t) {
    case 'genesis': return isB64(b.root, IDENTITY) && isB64(b.device, KEY) && p ? (b as StatementBody) : undefined;
    case 'invite': return isB64(b.key, KEY) && (ROLES.has(b.role as string) || b.role === 'home' || b.role === 'device') ? (b as StatementBody) : undefined;
    case 'join':
      return isB64(b.who, IDENTITY) && isB64(b.device, KEY) && typeof b.bundle === 'string' && /^[0-9a-f]{64}$/.test(b.bundle)
        && isB64(b.key, KEY) && isB64(b.isig, 86) && p ? (b as StatementBody) : undefined;
    case 'enroll':
      return isB64(b.device, KEY) && isB64(b.box, KEY) && typeof b.name === 'string' && b.name.length <= 64 && isB64(b.key, KEY) && isB64(b.isig, 86)
        ? (b as StatementBody) : undefined;
    case 'role': return isB64(b.who, IDENTITY) && (ROLES.has(b.role as string) || b.role === 'removed') && checkCut(b.cut) ? (b as StatementBody) : undefined;
    case 'device': return isB64(b.device, KEY) && (b.key === undefined || isB64(b.key, KEY)) ? (b as StatementBody) : undefined;
    case 'revoke': return isB64(b.device, KEY) && checkCut({ [b.device as string]: b.upTo }) ? (b as StatementBody) : undefined;
    case 'profile': return typeof b.bundle === 'string' && /^[0-9a-f]{64}$/.test(b.bundle) && p ? (b as StatementBody) : undefined;
    case 'sealed': return isB64(b.p) ? (b as StatementBody) : undefined;
    case 'rotate':
      return Number.isSafeInteger(b.gen) && (b.gen as number) > 0 && isB64(b.room, KEY) && Array.isArray(b.to) && b.to.length <= 512
        && b.to.every((x: { box?: unknown; vault?: unknown; member?: unknown }) => isB64(x.box, KEY) && isB64(x.vault) && (x.member === undefined || isB64(x.member)))
        ? (b as StatementBody) : undefined;
    default: return undefined;
  }
}

/** Signs a statement with an Ed25519 secret key (a member identity's signSecret, or a home's device key). */
export async function signStatement(crypto: CryptoApi, signer: { secretKey: Uint8Array; publicKey: Uint8Array }, g: string, body: StatementBody): Promise<Uint8Array> {
  const json = utf8(JSON.stringify({ v: STATEMENT_VERSION, g, by: toBase64Url(signer.publicKey), ...body }));
  if (json.length > MAX_JSON) throw new RangeError('statement: too large');
  const head = concatBytes(Uint8Array.of(STATEMENT_VERSION, STATEMENT_ALG), u32be(json.length), json);
  return concatBytes(head, await crypto.signDetached(signer.secretKey, SIG_CONTEXT, head));
}

/**
 * Parses and verifies the signer's signature (and, for joins and enrolments, the invite key's).
 * IntegrityError for anything malformed or forged; VersionError for an unknown version.
 */
export async function readStatement(crypto: CryptoApi, bytes: Uint8Array): Promise<Statement> {
  if (bytes.length < 6 + 64) throw new IntegrityError('statement: too short');
  if (bytes[0] !== STATEMENT_VERSION) throw new VersionError(`statement: unknown version ${bytes[0]}`);
  if (bytes[1] !== STATEMENT_ALG) throw new VersionError(`statement: unknown algorithm ${bytes[1]}`);
  const len = ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
  if (len > MAX_JSON || bytes.length !== 6 + len + 64) throw new IntegrityError('statement: wrong length');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fromUtf8(bytes.subarray(6, 6 + len))) as Record<string, unknown>;
  } catch {
    throw new IntegrityError('statement: not JSON');
  }
  if (raw.v !== STATEMENT_VERSION) throw new VersionError('statement: unknown body version');
  if (typeof raw.g !== 'string' || (raw.g !== '' && !/^[0-9a-f]{64}$/.test(raw.g)) || !isB64(raw.by, KEY)) throw new IntegrityError('statement: bad header');
  const body = checkBody(raw);
  if (!body) throw new IntegrityError(`statement: malformed ${typeof raw.t === 'string' ? raw.t.slice(0, 16) : '?'}`);
  if ((body.t === 'genesis') !== (raw.g === '')) throw new IntegrityError('statement: genesis binding');
  const head = bytes.subarray(0, 6 + len);
  if (!(await crypto.verifyDetached(fromBase64Url(raw.by), SIG_CONTEXT, head, bytes.subarray(6 + len)).catch(() => false))) {
    throw new IntegrityError('statement: signature does not verify');
  }
  if (body.t === 'join' || body.t === 'enroll') {
    const msg = body.t === 'join' ? joinTranscript(body.who, body.device) : fromBase64Url(body.device);
    const ctx = body.t === 'join' ? INVITE_JOIN_CONTEXT : INVITE_DEVICE_CONTEXT;
    if (!(await crypto.verifyDetached(fromBase64Url(body.key), ctx, msg, fromBase64Url(body.isig)).catch(() => false))) {
      throw new IntegrityError('statement: invite signature does not verify');
    }
  }
  const { v: _v, g, by, ...rest } = raw;
  void _v;
  return { g: g as string, by: by as string, body: checkBody(rest)!, id: await crypto.hashObject(bytes), bytes };
}

export const joinTranscript = (who: string, device: string): Uint8Array => concatBytes(fromBase64Url(who), fromBase64Url(device));

/** The public identity's Ed25519 key (base64url) from its 66-byte encoding (base64url). */
export function signKeyOf(identity: string): string {
  return toBase64Url(fromBase64Url(identity).subarray(2, 34));
}
export function boxKeyOf(identity: string): string {
  return toBase64Url(fromBase64Url(identity).subarray(34, 66));
}
