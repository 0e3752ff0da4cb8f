/**
 * The roster: who is a member with which role, which devices are theirs, which homes are
 * enrolled, computed from the vault log's verified statements (docs/crypto.md "Authority").
 *
 * Order: statements are applied by (Lamport clock, id). A statement is valid only if its signer
 * held the needed role at that point and it was published by one of the signer's devices.
 * A role change (or a revocation) carries a cut: what of the target's ops the admin had seen.
 * Any statement of the target beyond that cut is moved after the change, whatever Lamport clock
 * it claims, so a removed admin cannot back-date a change to before their removal. The result
 * depends only on the set of statements, never on the order they arrived in.
 */
import type { Cut, InviteRole, MemberRole, RoleChange, Statement } from './statement.ts';
import { boxKeyOf, signKeyOf } from './statement.ts';

/** A statement as the vault log carries it: which device published it, at which seq and clock. */
export interface LogEntry {
  st: Statement;
  author: string;
  seq: number;
  lamport: number;
}

export interface Member {
  identity: string;
  sign: string;
  box: string;
  role: RoleChange;
  /** Role when they joined; `changes` then apply in order. */
  initialRole: MemberRole;
  changes: Array<{ role: RoleChange; cut: Cut }>;
  devices: Set<string>;
  bundle?: string;
  /** Sealed profile (name), members only. */
  p?: string;
  joinedBy?: string;
}

export interface Home {
  device: string;
  box: string;
  name: string;
  revoked: boolean;
}

export interface SealedEntry {
  by: string;
  /** The signer's role when it was written. */
  role: MemberRole;
  p: string;
  lamport: number;
  id: string;
}

type Key = Array<number | string>;
const cmp = (a: Key, b: Key): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
};

export const withinCut = (cut: Cut, device: string, log: string, seq: number): boolean => (cut[device]?.[log] ?? 0) >= seq;

export class Roster {
  readonly members = new Map<string, Member>();
  /** device → owner's signing key. */
  readonly devices = new Map<string, string>();
  /** device → log → last valid seq, for revoked devices. */
  readonly revoked = new Map<string, Record<string, number>>();
  readonly homes = new Map<string, Home>();
  readonly invites = new Map<string, { role: InviteRole; by: string; usedBy?: string; revoked?: boolean }>();
  readonly sealed: SealedEntry[] = [];
  /** Applied `rotate` statements, in order; `rooms`: generation → its room (the first statement of a generation fixes it). */
  readonly rotations: LogEntry[] = [];
  readonly rooms = new Map<number, string>();
  /** Key bundles replaced by a newer one of the same member (a passphrase change): honest peers drop them. */
  readonly supersededBundles = new Set<string>();
  /** A member was removed or a device or home revoked since the newest generation began. */
  rotationDue = false;
  /** Statement id → why it was ignored. */
  readonly ignored = new Map<string, string>();
  readonly applied = new Set<string>();
  /** Role changes and revocations, each with its cut (`device`: a revocation moves only that device's statements). */
  readonly changes: Array<{ target: string; cut: Cut; key: Key; device?: string }> = [];
  root: string | undefined;

  constructor(readonly genesis: string) {}

  /** The member a device belongs to, if it is certified, not revoked, and they are not removed. */
  deviceOwner(device: string): Member | undefined {
    if (this.revoked.has(device)) return undefined;
    const m = this.members.get(this.devices.get(device) ?? '');
    return m && m.role !== 'removed' ? m : undefined;
  }

  isHome(device: string): boolean {
    const h = this.homes.get(device);
    return h !== undefined && !h.revoked;
  }

  /** The role under which a device's op (log, seq) was written, or undefined if it is void. */
  opRole(device: string, log: string, seq: number): MemberRole | undefined {
    const m = this.members.get(this.devices.get(device) ?? '');
    if (!m) return undefined;
    const r = this.revoked.get(device);
    if (r && (r[log] ?? 0) < seq) return undefined;
    let role: RoleChange = m.initialRole;
    for (const c of m.changes) {
      if (withinCut(c.cut, device, log, seq)) break;
      role = c.role;
    }
    return role === 'removed' ? undefined : role;
  }

  admins(): Member[] {
    return [...this.members.values()].filter((m) => m.role === 'admin');
  }

  /** Applies one statement at its place in the order; returns why it is ignored, or undefined. */
  apply(e: LogEntry): string | undefined {
    const { st, author } = e;
    const b = st.body;
    if (b.t === 'genesis') {
      if (st.id !== this.genesis) return 'the root of another vault';
      if (author !== b.device || st.by !== signKeyOf(b.root)) return 'genesis not published by its own device';
      this.root = st.by;
      this.#add(b.root, 'admin', st.by);
      this.devices.set(b.device, st.by);
      return undefined;
    }
    if (st.g !== this.genesis) return 'bound to another vault root';
    const signer = this.members.get(st.by);
    const active = signer && signer.role !== 'removed' ? signer : undefined;
    const fromSignersDevice = active !== undefined && this.deviceOwner(author) === active;
    switch (b.t) {
      case 'invite':
        // Any member may invite a new device of their own (a restore); only admins invite people and homes.
        if (!active || !fromSignersDevice || (b.role !== 'device' && active.role !== 'admin')) return 'invite not made by an admin';
        if (this.invites.has(b.key)) return 'invite key used twice';
        this.invites.set(b.key, { role: b.role, by: st.by });
        return undefined;
      case 'join': {
        const inv = this.invites.get(b.key);
        if (!inv || inv.revoked || inv.role === 'home' || inv.role === 'device') return 'join without a valid member invite';
        if (inv.usedBy !== undefined) return 'invite already used';
        if (st.by !== signKeyOf(b.who) || author !== b.device) return 'join not published by the joining device';
        if (this.members.has(st.by) || this.devices.has(b.device)) return 'already a member';
        inv.usedBy = st.by;
        const m = this.#add(b.who, inv.role, inv.by);
        m.bundle = b.bundle;
        if (b.p) m.p = b.p;
        this.devices.set(b.device, st.by);
        return undefined;
      }
      case 'enroll': {
        const inv = this.invites.get(b.key);
        if (!inv || inv.revoked || inv.role !== 'home') return 'enrolment without a valid home invite';
        if (inv.usedBy !== undefined) return 'invite already used';
        if (st.by !== b.device || author !== b.device || this.homes.has(b.device) || this.devices.has(b.device)) return 'enrolment not published by the home itself';
        inv.usedBy = b.device;
        this.homes.set(b.device, { device: b.device, box: b.box, name: b.name, revoked: false });
        return undefined;
      }
      case 'role': {
        if (active?.role !== 'admin' || !fromSignersDevice) return 'role change not signed by an admin';
        const target = this.members.get(signKeyOf(b.who));
        if (!target) {
          if (b.role === 'removed') return 'removing someone who is not a member';
          this.#add(b.who, b.role, st.by);
          return undefined;
        }
        if (target.role === 'admin' && b.role !== 'admin' && this.admins().length === 1) return 'would leave the vault without an admin';
        target.role = b.role;
        if (b.role === 'removed') this.rotationDue = true;
        target.changes.push({ role: b.role, cut: b.cut });
        this.changes.push({ target: target.sign, cut: b.cut, key: [e.lamport, st.id] });
        return undefined;
      }
      case 'device':
        if (!active || author !== b.device) return 'device certificate not from a member';
        if (this.devices.has(b.device) || this.homes.has(b.device)) return 'device already certified';
        if (this.revoked.has(b.device)) return 'device was revoked';
        if (b.key !== undefined) {
          // The device invite it came in with is used now: it lets no other device in ("works once").
          // A restore with another kind of invite (a member invite) leaves that invite as it was.
          const inv = this.invites.get(b.key);
          if (inv?.role === 'device' && inv.by === st.by) {
            if (inv.usedBy !== undefined) return 'invite already used';
            inv.usedBy = b.device;
          }
        }
        active.devices.add(b.device);
        this.devices.set(b.device, st.by);
        return undefined;
      case 'revoke': {
        if (!active || !fromSignersDevice) return 'revocation not from a member';
        const owner = this.devices.get(b.device);
        const isAdmin = active.role === 'admin';
        if (owner !== undefined) {
          if (owner !== st.by && !isAdmin) return 'revoking another member\'s device';
          this.revoked.set(b.device, b.upTo);
          this.rotationDue = true;
          this.changes.push({ target: owner, cut: { [b.device]: b.upTo }, key: [e.lamport, st.id], device: b.device });
        } else if (this.homes.has(b.device)) {
          if (!isAdmin) return 'only an admin removes a home';
          this.homes.get(b.device)!.revoked = true;
          this.rotationDue = true;
        } else if (this.invites.has(b.device)) {
          if (!isAdmin) return 'only an admin cancels an invite';
          this.invites.get(b.device)!.revoked = true;
        } else return 'revoking an unknown device';
        return undefined;
      }
      case 'profile':
        if (!active || !fromSignersDevice) return 'profile not from a member';
        if (active.bundle !== undefined && active.bundle !== b.bundle) this.supersededBundles.add(active.bundle);
        this.supersededBundles.delete(b.bundle);
        active.bundle = b.bundle;
        if (b.p) active.p = b.p;
        return undefined;
      case 'sealed':
        if (!active || !fromSignersDevice) return 'sealed entry not from a member';
        this.sealed.push({ by: st.by, role: active.role as MemberRole, p: b.p, lamport: e.lamport, id: st.id });
        return undefined;
      case 'rotate':
        if (active?.role !== 'admin' || !fromSignersDevice) return 'rotation not signed by an admin';
        if (this.rooms.has(b.gen) ? this.rooms.get(b.gen) !== b.room : b.gen !== Math.max(0, ...this.rooms.keys()) + 1) return 'rotation out of order (another generation of that number exists, or one was skipped)';
        if (!this.rooms.has(b.gen)) this.rotationDue = false;
        this.rooms.set(b.gen, b.room);
        this.rotations.push(e);
        return undefined;
    }
  }

  #add(identity: string, role: MemberRole, by: string): Member {
    const sign = signKeyOf(identity);
    const m: Member = { identity, sign, box: boxKeyOf(identity), role, initialRole: role, changes: [], devices: new Set(), joinedBy: by };
    this.members.set(sign, m);
    return m;
  }
}

/**
 * Computes the roster of genesis `g` from every statement held. Statements of a member beyond
 * the cut of a change to that member are moved after the change, and the whole is recomputed
 * until nothing moves (each move only ever pushes a statement later, so this ends).
 */
export function computeRoster(g: string, entries: LogEntry[], onIgnored?: (e: LogEntry, why: string) => void): Roster {
  const keys = new Map<string, Key>(entries.map((e) => [e.st.id, [e.lamport, e.st.id]]));
  for (let round = 0; ; round++) {
    const order = [...entries].sort((a, b) => cmp(keys.get(a.st.id)!, keys.get(b.st.id)!));
    const r = new Roster(g);
    for (const e of order) {
      const why = r.apply(e);
      if (why === undefined) r.applied.add(e.st.id);
      else r.ignored.set(e.st.id, why);
    }
    let moved = false;
    for (const c of r.changes) {
      for (const e of entries) {
        const signer = e.st.by;
        const byTarget = c.device !== undefined ? e.author === c.device : signer === c.target || r.devices.get(e.author) === c.target;
        if (!byTarget || withinCut(c.cut, e.author, 'vault', e.seq)) continue;
        if (cmp(keys.get(e.st.id)!, c.key) < 0) {
          keys.set(e.st.id, [...c.key, 1, e.st.id]);
          moved = true;
        }
      }
    }
    if (!moved || round > entries.length) {
      if (onIgnored) for (const e of order) { const why = r.ignored.get(e.st.id); if (why) onIgnored(e, why); }
      return r;
    }
  }
}
