/**
 * What the Family tab asks of the open vault: members and their devices, invites, the homes and
 * their storage proofs, and what is connected now. Reached as `app.family` (app-controller.ts);
 * every call needs the vault unlocked.
 */
import type { PeerStatus } from '../../replication/engine-api.ts';
import type { SignalState } from '../../transport/signal-client.ts';
import type { InviteRole, MemberRole } from '../authority/statement.ts';
import type { MemberView } from '../family.ts';
import type { HomeView, VaultSession } from '../vault-session.ts';

export type { HomeView, MemberView };

/** An invite nobody used yet: its key (to cancel it) and who it is for. */
export interface PendingInvite { key: string; role: string }

/** "Connected now": the family server, the devices and homes linked to this one, transfers. */
export interface ConnectionView {
  server: SignalState;
  /** The server lets in only families its admin enrolled, and has not been given this one's code. */
  needsServerCode: boolean;
  /** This device was revoked (a family device refused it, or the log says so). */
  revokedHere: boolean;
  /** Links that got as far as saying which peer they are; `name` in the family's words, once it proved which device it is. */
  peers: Array<PeerStatus & { peerId: string; name: string | undefined }>;
  /** Transfers queued or sending; failed ones, and the last one's reason. */
  transfers: { active: number; failed: number; lastError: string | undefined };
  /** Homes that said they are full. */
  full: Array<{ name?: string; reason?: string }>;
}

export class FamilyActions {
  readonly #session: () => VaultSession;

  /** `session`: the open one (throws while locked). */
  constructor(session: () => VaultSession) {
    this.#session = session;
  }

  /** This member is an admin (invites people and homes, changes roles, removes). */
  get isAdmin(): boolean {
    return this.#session().family.myRole() === 'admin';
  }

  /** This device was revoked: it says so instead of "photos wait here and sync". */
  get revokedHere(): boolean {
    return this.#session().revokedHere;
  }

  /** What the family's log says a member must see (a refused change, a key that did not open). */
  get notices(): readonly string[] {
    return this.#session().family.notices;
  }

  /** How many albums this member reads (a member holding fewer of them can be given the rest). */
  get myAlbumCount(): number {
    return this.#session().albumIds.length;
  }

  isThisDevice(key: string): boolean {
    return key === this.#session().deviceKey;
  }

  members(): Promise<MemberView[]> {
    return this.#session().members();
  }

  pendingInvites(): PendingInvite[] {
    return this.#session().pendingInvites();
  }

  /** An invite code for a member's device: a new member with `role`, or 'device' for one of this member's own. */
  memberInvite(role: InviteRole): Promise<string> {
    return this.#session().memberInvite(role);
  }

  /** An invite code that enrols one home relay (it gets no key that decrypts). */
  relayInvite(): Promise<string> {
    return this.#session().relayInvite();
  }

  cancelInvite(key: string): Promise<void> {
    return this.#session().cancelInvite(key);
  }

  setRole(identity: string, role: MemberRole): Promise<void> {
    return this.#session().setRole(identity, role);
  }

  removeMember(identity: string): Promise<void> {
    return this.#session().removeMember(identity);
  }

  /** Revokes a device or a home (a lost phone, a home taken away): it can no longer connect. */
  revokeDevice(device: string): Promise<void> {
    return this.#session().revokeDevice(device);
  }

  /** Gives `identity` every album key this member may share (after the safety words matched). */
  shareAlbumsWith(identity: string): Promise<number> {
    return this.#session().shareAlbumsWith(identity);
  }

  /** The enrolled homes, whether each is connected, and when each last proved it holds the photos. */
  homes(): Promise<HomeView[]> {
    return this.#session().homes();
  }

  /** How many photos no home holds whole (they are only on family devices). */
  photosAtNoHome(): Promise<number> {
    return this.#session().notBackedUpAnywhere();
  }

  /** Asks each connected home to prove it holds a photo. */
  checkHomes(): Promise<{ passed: number; failed: number; unchecked: number }> {
    return this.#session().checkHomes();
  }

  connection(): ConnectionView {
    const s = this.#session();
    const peers = s.node.engine.peers()
      .filter((p): p is PeerStatus & { peerId: string } => !!p.peerId)
      .map((p) => ({ ...p, name: s.peerName(p.peerId) ?? s.peerStatus.get(p.peerId)?.name }));
    const jobs = s.node.engine.jobs();
    const failed = jobs.filter((j) => j.state === 'failed');
    return {
      server: s.node.signal.state,
      needsServerCode: s.needsServerCode,
      revokedHere: s.revokedHere,
      peers,
      transfers: { active: jobs.filter((j) => j.state === 'queued' || j.state === 'sending').length, failed: failed.length, lastError: failed[failed.length - 1]?.lastError },
      full: [...s.peerStatus.values()].filter((st) => st.full),
    };
  }
}
