/**
 * The one place both composition roots (family app and relay page) ask "may this device
 * connect, may this op be stored, does this peer count as a home?". It holds the vault log's
 * statements, the pinned genesis, and the roster computed from them (roster.ts).
 *
 * Pinning: the creator pins its own genesis. A joining device or a new home knows only its
 * invite: it pins the genesis under which an `invite` statement for its invite key exists,
 * signed by an admin whose identity fingerprint is the one the invite carries. A genesis made
 * by someone else who holds the vault secret cannot carry that admin's signature.
 */
import { equalBytes, fromBase64Url, toBase64Url } from '../../core/bytes.ts';
import { describeError } from '../../core/errors.ts';
import type { CryptoApi } from '../../crypto/api-types.ts';
import { VAULT_LOG } from '../../replication/op-envelope.ts';
import type { OpEnvelope, PeerAuthorization } from '../../replication/ports.ts';
import { computeRoster, type LogEntry, type Roster } from './roster.ts';
import { INVITE_DEVICE_CONTEXT, readStatement, type Statement } from './statement.ts';

export type Admission = true | false | 'later';

export interface AuthorityOptions {
  crypto: CryptoApi;
  /** The pinned genesis id, if known. */
  genesis?: string;
  /** How to pin when the genesis is not known yet (a device joining with an invite). */
  pinBy?: { inviteKey: string; inviterFingerprint: Uint8Array };
  onPinned?(genesis: string): void | Promise<void>;
  /** A known party (a home, a member's or former member's device) tried a change it may not make. */
  onRefused?(what: string, why: string): void;
  log(line: string): void;
}

export class Authority {
  readonly #o: AuthorityOptions;
  #g: string | undefined;
  readonly #entries = new Map<string, LogEntry>();
  /** op key (author/seq) → statement id, so a stored op is parsed once. */
  readonly #byOp = new Map<string, string>();
  #roster: Roster | undefined;
  #maxLamport = 0;
  readonly #listeners = new Set<() => void>();

  constructor(o: AuthorityOptions) {
    this.#o = o;
    this.#g = o.genesis;
  }

  get genesis(): string | undefined {
    return this.#g;
  }
  get nextLamport(): number {
    return this.#maxLamport + 1;
  }

  /** Called when the roster changed (new statements applied). */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  roster(): Roster {
    this.#roster ??= computeRoster(this.#g ?? '', [...this.#entries.values()]);
    return this.#roster;
  }

  /** Statements already stored (at start): taken without the admission check they passed then. */
  async load(ops: OpEnvelope[]): Promise<void> {
    for (const op of ops) {
      if (op.log !== VAULT_LOG) continue;
      const e = await this.#entry(op);
      if (e) this.#entries.set(e.st.id, e);
    }
    this.#roster = undefined;
    await this.#tryPin();
  }

  /**
   * The replication policy's op check. Vault-log statements must verify and be applied by the
   * roster (a signer without the right, a forged or foreign statement: refused, and logged);
   * album ops must come from a device of a current member whose role may write.
   */
  async admit(op: OpEnvelope): Promise<Admission> {
    if (op.log !== VAULT_LOG) {
      if (this.#g === undefined) return 'later';
      const role = this.roster().opRole(op.author, op.log, op.seq);
      if (role === 'admin' || role === 'contributor') return true;
      const r = this.roster();
      if (role === undefined && !r.devices.has(op.author) && !r.isHome(op.author)) return 'later'; // its certificate may still come
      const why = role ?? (r.isHome(op.author) ? 'a home writes no album' : 'not a current member');
      this.#o.log(`authority: refused an album op of ${op.author.slice(0, 8)}… (${why})`);
      this.#o.onRefused?.('album change', why);
      return false;
    }
    const e = await this.#entry(op);
    if (!e) {
      if (this.#g !== undefined && this.#known(op.author)) this.#o.onRefused?.('vault change', 'not a valid signed statement');
      return false;
    }
    if (this.#g === undefined) {
      // Not pinned yet: keep verified statements; the roster is decided once pinned.
      this.#entries.set(e.st.id, e);
      this.#roster = undefined;
      await this.#tryPin();
      return true;
    }
    const trial = computeRoster(this.#g, [...this.#entries.values(), e]);
    const why = trial.ignored.get(e.st.id);
    if (why !== undefined) {
      this.#o.log(`authority: refused a vault-log ${e.st.body.t} from ${op.author.slice(0, 8)}… (${why})`);
      // From a party the roster knows (a home, a member's or removed member's device), a refusal is
      // final and the member is told. From an unknown device it may become valid once what it
      // depends on arrives (its join, its certificate): asked for again.
      if (this.#known(op.author) && !(e.st.body.t === 'enroll' && !this.roster().homes.has(op.author))) {
        this.#o.onRefused?.(`vault change (${e.st.body.t})`, why);
        return false;
      }
      return why.startsWith('already') || why.includes('another vault') ? false : 'later';
    }
    this.#entries.set(e.st.id, e);
    this.#roster = trial;
    this.#changed();
    return true;
  }

  #known(device: string): boolean {
    const r = this.roster();
    return r.isHome(device) || r.homes.has(device) || r.devices.has(device);
  }

  /** The handshake's device check: certified and not revoked, an enrolled home, or an invite credential. */
  async authorizeDevice(deviceKey: Uint8Array, credential?: Uint8Array): Promise<PeerAuthorization> {
    if (this.#g === undefined) return 'ok'; // joining: nothing to check against yet (the MAC proved the vault secret)
    const d = toBase64Url(deviceKey);
    const r = this.roster();
    if (r.revoked.has(d) || r.homes.get(d)?.revoked) return 'revoked-device';
    if (r.deviceOwner(d) || r.isHome(d)) return 'ok';
    if (r.devices.has(d)) return 'revoked-device'; // its member was removed
    if (credential && credential.length === 96) {
      const key = toBase64Url(credential.subarray(0, 32));
      const inv = r.invites.get(key);
      const ok = inv && !inv.revoked && inv.usedBy === undefined
        && (await this.#o.crypto.verifyDetached(credential.subarray(0, 32), INVITE_DEVICE_CONTEXT, deviceKey, credential.subarray(32)).catch(() => false));
      if (ok) return 'ok';
    }
    return 'unknown-device';
  }

  /** Does this device count as a home ("backed up on N homes", save space)? */
  isHome(deviceKey: Uint8Array | string): boolean {
    return this.#g !== undefined && this.roster().isHome(typeof deviceKey === 'string' ? deviceKey : toBase64Url(deviceKey));
  }

  async #entry(op: OpEnvelope): Promise<LogEntry | undefined> {
    const k = `${op.author}/${op.seq}`;
    const known = this.#byOp.get(k);
    if (known) return this.#entries.get(known) ?? this.#parse(op, k);
    return this.#parse(op, k);
  }

  async #parse(op: OpEnvelope, k: string): Promise<LogEntry | undefined> {
    let st: Statement;
    try {
      st = await readStatement(this.#o.crypto, op.ciphertext);
    } catch (e) {
      this.#o.log(`authority: refused a vault-log op of ${op.author.slice(0, 8)}… that is not a valid statement (${describeError(e)})`);
      return undefined;
    }
    this.#byOp.set(k, st.id);
    this.#maxLamport = Math.max(this.#maxLamport, op.lamport);
    return { st, author: op.author, seq: op.seq, lamport: op.lamport };
  }

  async #tryPin(): Promise<void> {
    if (this.#g !== undefined || !this.#o.pinBy) return;
    const { inviteKey, inviterFingerprint } = this.#o.pinBy;
    for (const e of this.#entries.values()) {
      if (e.st.body.t !== 'genesis') continue;
      const r = computeRoster(e.st.id, [...this.#entries.values()]);
      const inv = r.invites.get(inviteKey);
      const inviter = inv ? r.members.get(inv.by) : undefined;
      if (!inviter) continue;
      const fp = await this.#o.crypto.fingerprint(await this.#o.crypto.decodePublicIdentity(fromBase64Url(inviter.identity)));
      if (!equalBytes(fp, inviterFingerprint)) continue;
      this.#g = e.st.id;
      this.#roster = r;
      this.#o.log(`authority: pinned the vault root (invited by ${inviter.sign.slice(0, 8)}…)`);
      await this.#o.onPinned?.(e.st.id);
      this.#changed();
      return;
    }
  }

  #changed(): void {
    for (const fn of this.#listeners) {
      try {
        fn();
      } catch (e) {
        this.#o.log(`authority: listener failed (${describeError(e)})`);
      }
    }
  }
}
