/**
 * What the family app's screens talk to: which vault is open, the flows to create, join and
 * unlock one, and what the open vault's screens ask of it, grouped by screen: `photos`
 * (timeline, albums, trash, viewer; screens/photo-actions.ts), `family` (the Family tab;
 * screens/family-actions.ts), `library` (the photo lists), `uploads`, and Settings' calls here.
 * The UI layer imports only this (and core), never storage or crypto directly, and never the
 * session itself (lint: no `.session` under web/src/ui).
 */
import { Emitter } from '../core/emitter.ts';
import type { CryptoApi } from '../crypto/api-types.ts';
import { persistence, usage, type PersistenceState, type Usage } from '../storage/quota.ts';
import type { IngestProgress, MediaPort } from './ingest.ts';
import { autoLockMinutes, IdleLock, setAutoLockMinutes } from './idle-lock.ts';
import type { VaultEnv } from './vault-setup.ts';
import { knownVaults, type KnownVault } from './known-vaults.ts';
import type { VaultSession, VaultSettings } from './vault-session.ts';
import type { UploadQueue } from './upload-queue.ts';
import { FamilyActions } from './screens/family-actions.ts';
import { PhotoActions } from './screens/photo-actions.ts';
import { OtherTabError, WriterLock } from './writer-lock.ts';
import { pendingServerCode, setServerCode } from './server-code.ts';
import { Library } from './library.ts';
import { ServerConnection, type ServerReach } from './server-connection.ts';

export type AppScreen = 'welcome' | 'unlock' | 'recovery' | 'vault';

export interface AppEvents extends Record<string, unknown> {
  screen: AppScreen;
  /** The browser answered (or started asking) whether it keeps this site's data. */
  persistence: PersistenceState;
  /** Whether the open vault reaches its family server (undefined: locked). */
  server: ServerReach | undefined;
  /** The open vault's albums, photos, members or trash changed. */
  changed: void;
  /** An object (a thumbnail, metadata, an original) arrived from a peer: what shows it may redraw. */
  arrived: void;
  /** Connections, transfers or what homes said changed (Family's "Connected now"). */
  status: void;
  /** How adding a photo goes (the file being encrypted, its bytes done). */
  adding: IngestProgress;
}

/**
 * Vault set-up and the session (storage, replication, transport): loaded when a vault is
 * created, joined or unlocked, so the first screen downloads and compiles none of it.
 */
const setup = () => import('./vault-setup.ts');

export class AppController extends Emitter<AppEvents> {
  readonly env: VaultEnv;
  session: VaultSession | undefined;
  /** Shown once after creating a vault. */
  recoveryPhrase: string | undefined;
  screen: AppScreen;
  album = '';
  /** Locks the vault after the device's auto-lock minutes without activity. */
  readonly #idle = new IdleLock(() => void this.lock());
  readonly #writer = new WriterLock();
  /** Why the vault was locked, when the member did not lock it (another tab took it over). */
  lockedBecause = '';
  #library: { session: VaultSession; library: Library } | undefined;
  readonly #server = new ServerConnection();
  /** Ends forwarding the open session's events (at lock). */
  #unforward: (() => void) | undefined;
  /** The photo screens' calls to the open vault. */
  readonly photos = new PhotoActions(() => this.#open());
  /** The Family tab's calls to the open vault. */
  readonly family = new FamilyActions(() => this.#open());

  constructor(crypto: CryptoApi, media: MediaPort, signalUrl: string) {
    super();
    this.env = { crypto, media, signalUrl };
    this.screen = knownVaults().length ? 'unlock' : 'welcome';
    persistence.on('change', (p) => this.emit('persistence', p));
    this.#server.on('change', (r) => this.emit('server', r));
  }

  /** Whether the open vault reaches its family server (undefined while locked). */
  get server(): ServerReach | undefined {
    return this.#server.state;
  }

  /** Whether the browser keeps this site's data under storage pressure, as far as it has said. */
  get persistence(): PersistenceState {
    return persistence.state;
  }

  /** Whether a vault is open (unlocked) here. */
  get unlocked(): boolean {
    return this.session !== undefined;
  }

  #open(): VaultSession {
    const s = this.session;
    if (!s) throw new Error('the vault is locked');
    return s;
  }

  /** The album the Albums tab opens on: the one used last, else the first ('' if there is none). */
  get albumToOpen(): string {
    return this.album || this.session?.albumIds[0] || '';
  }

  /** The open vault's photos and albums, for the timeline and the albums list. */
  get library(): Library {
    const s = this.#open();
    if (this.#library?.session !== s) this.#library = { session: s, library: new Library(s) };
    return this.#library.library;
  }

  /** Whether this member may add to and remove from an album (not a viewer). */
  canWrite(_album: string): boolean {
    const role = this.session?.family.myRole();
    return role !== undefined && role !== 'viewer' && role !== 'removed';
  }

  known(): KnownVault[] {
    return knownVaults();
  }

  #go(s: AppScreen) {
    this.screen = s;
    this.emit('screen', s);
  }

  #opened(s: VaultSession) {
    this.session = s;
    const offs = [
      s.on('changed', () => this.emit('changed', undefined)),
      s.on('object', () => this.emit('arrived', undefined)),
      s.on('status', () => this.emit('status', undefined)),
      s.ingest.on('progress', (p) => this.emit('adding', p)),
    ];
    this.#unforward?.();
    this.#unforward = () => offs.forEach((f) => f());
    this.#server.watch(s);
    this.lockedBecause = '';
    this.#idle.start(autoLockMinutes());
    this.album = s.albumIds[0] ?? '';
    // Photos trashed 30 days ago are removed for good by an allowed device that sees them (trash.ts).
    const expire = () => void s.expireTrash().catch((e: unknown) => console.warn(`vault: photos due to leave the trash stay for now (${e instanceof Error ? e.message : String(e)})`));
    s.on('changed', expire);
    expire();
  }

  #takeOver = () => {
    this.lockedBecause = 'This vault was opened in another tab or window, so it was locked here.';
    void this.lock();
  };

  /** The signal server's enrolment code this browser holds until a vault used it ('' if none). */
  get serverCode(): string {
    return pendingServerCode() ?? '';
  }

  /** Keeps a code from the server's admin; the open vault's connection tries it at once. */
  useServerCode(code: string): void {
    setServerCode(code);
    this.session?.reconnectSignal();
  }

  /** `serverCode`: the signal server's enrolment code, when its admin gave one (docs/signal-server.md "Enrolment"). */
  async create(name: string, passphrase: string, serverCode?: string): Promise<void> {
    if (serverCode !== undefined) setServerCode(serverCode);
    const { createVault } = await setup();
    const r = await createVault(this.env, { name, passphrase });
    await this.#writer.acquire(r.session.vaultId, { onLost: this.#takeOver });
    this.#opened(r.session);
    this.album = r.album;
    this.recoveryPhrase = r.recoveryPhrase;
    this.#go('recovery');
  }

  /** Joins with an invite; a restore opens the member's keys with the passphrase or the recovery phrase. */
  async join(invite: string, secret: { passphrase: string } | { recoveryPhrase: string }, name: string, restore: boolean): Promise<void> {
    const { joinVault } = await setup();
    const r = await joinVault(this.env, { invite, ...secret, name, restore });
    await this.#writer.acquire(r.session.vaultId, { onLost: this.#takeOver });
    this.#opened(r.session);
    this.recoveryPhrase = r.recoveryPhrase;
    this.#go(r.recoveryPhrase ? 'recovery' : 'vault');
  }

  /**
   * Unlocks on this tab. Another tab of this browser holding the vault: OtherTabError, unless
   * `takeOver` (the other tab then locks and says why).
   */
  async unlock(vaultId: string, secret: { passphrase: string } | { recoveryPhrase: string }, takeOver = false): Promise<void> {
    performance.mark('fv:unlock-pressed');
    if (!(await this.#writer.acquire(vaultId, { steal: takeOver, onLost: this.#takeOver }))) throw new OtherTabError();
    try {
      const { unlockVault } = await setup();
      this.#opened(await unlockVault(this.env, vaultId, secret));
    } catch (e) {
      this.#writer.release();
      throw e;
    }
    this.#go('vault');
  }

  /** A new passphrase for this member (refused if weak); the old one opens no copy honest peers keep. */
  async changePassphrase(current: string, next: string): Promise<void> {
    if (!this.session) throw new Error('the vault is locked');
    await this.session.changePassphrase(current, next);
  }

  recoveryNoted(): void {
    this.recoveryPhrase = undefined;
    this.#go('vault');
  }

  /** The member touched the app (pointer, key, scroll): the auto-lock countdown starts again. */
  activity(): void {
    if (this.session) this.#idle.activity();
    // Locked, someone is typing (a passphrase, an invite): fetch the session code meanwhile.
    else void setup().catch(() => undefined);
  }

  get autoLockMinutes(): number {
    return autoLockMinutes();
  }

  setAutoLock(minutes: number): void {
    setAutoLockMinutes(minutes);
    if (this.session) this.#idle.start(minutes);
  }

  async lock(): Promise<void> {
    this.#idle.stop();
    this.#server.watch(undefined); // a stopped connection is not one that cannot reach the server
    this.#unforward?.();
    this.#unforward = undefined;
    await this.session?.stop();
    this.session = undefined;
    this.#writer.release();
    this.#go('unlock');
  }

  async usage(): Promise<Usage> {
    return usage(this.session?.store);
  }

  /** The open vault's upload queue: files being added (and shared from other apps), kept sealed until added. */
  get uploads(): UploadQueue {
    return this.#open().uploads;
  }

  /** Settings: whether originals are kept, and how many homes must hold one before it is freed here. */
  get storageSettings(): VaultSettings {
    return this.#open().settings;
  }

  setStorageSettings(next: VaultSettings): Promise<void> {
    return this.#open().setSettings(next);
  }

  /**
   * How many photos exist only on this device (no home holds them whole), over every album this
   * member reads, each photo once: the same count as Family's warning, whichever album is open.
   */
  photosOnlyHere(onProgress: (done: number, total: number) => void): Promise<number> {
    return this.#open().notBackedUpAnywhere(onProgress);
  }

  /** "Free up space now": drops originals enough homes proved they hold. */
  freeSpace(): Promise<{ evicted: number; kept: number }> {
    return this.#open().evictBackedUpOriginals();
  }
}
