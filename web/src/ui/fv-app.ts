import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../vault/app-controller.ts';
import './fv-update-prompt.ts';
import './onboarding/fv-welcome.ts';
import './onboarding/fv-unlock.ts';
import { count } from './common/count.ts';
import './onboarding/fv-recovery.ts';
import { networkWords } from './network-words.ts';
import { shared } from './styles.ts';

/** timeline: "Photos"; albums: the list, or the open album; members: "Family" (people, devices, homes); storage: "Settings". */
type Tab = 'timeline' | 'albums' | 'members' | 'storage';
const TABS: Array<[Tab, string, string]> = [
  ['timeline', 'Photos', '▦'], ['albums', 'Albums', '▤'], ['members', 'Family', '☺'], ['storage', 'Settings', '⚙'],
];

/** What counts as the member using the app, for auto-lock. */
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;

/** The open vault's screens (vault-screens.ts), fetched when a vault opens, or sooner when idle. */
const vaultScreens = {
  loaded: false,
  promise: undefined as Promise<void> | undefined,
  load(): Promise<void> {
    this.promise ??= import('./vault-screens.ts').then(() => {
      this.loaded = true;
    }, (e: unknown) => {
      this.promise = undefined; // a later try may work (a flaky network without the service worker)
      throw e;
    });
    return this.promise;
  },
};

/** The family app's root element: the shell, and the screen the controller is on. */
@customElement('fv-app')
export class FvApp extends LitElement {
  @property({ attribute: false }) app: AppController | undefined;
  /** 'online' | 'offline': the device's network; with the server's reach it says why nothing syncs. */
  @property() network: 'online' | 'offline' = navigator.onLine ? 'online' : 'offline';
  /** Whether the open vault reaches its family server (undefined: locked). */
  @state() server: AppController['server'];
  @property({ type: Boolean }) updateReady = false;
  @state() tab: Tab = 'timeline';
  /** On the Albums tab: the album open (its photos and uploads), or '' for the list. */
  @state() albumOpen = '';
  /** On the Albums tab: Trash is open. */
  @state() trashOpen = false;
  @state() screen = '';
  @state() loadError = '';
  #off: (() => void) | undefined;
  #offServer: (() => void) | undefined;

  static override styles = [shared, css`
    :host { display: flex; flex-direction: column; min-height: 100vh; min-height: 100dvh; }
    /*
     * The timeline scrolls inside itself, so the app is then exactly the window's height and its
     * main takes what the header and tabs leave. With only a min-height, main grew to the whole
     * timeline's height: the page scrolled instead, taking the header, the selection toolbar and
     * the month headers away, and every cell was laid out as "in view".
     */
    :host([fill]) { height: 100vh; height: 100dvh; }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; padding: 0.5rem 0.75rem; background: #2f5d50; color: #fff; }
    header img { width: 2rem; height: 2rem; }
    h1 { font-size: 1.2rem; margin: 0; flex: 1; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    header button { background: rgb(255 255 255 / 0.15); padding: 0.4rem 0.75rem; }
    .net { font-size: 0.8rem; opacity: 0.9; white-space: nowrap; }
    .offline { margin: 0 -1rem 0.25rem; padding: 0.3rem 1rem; font-size: 0.85rem; background: #fbf1d9; color: #4a3b12; }
    @media (prefers-color-scheme: dark) { .offline { background: #3a3220; color: #f3e6c4; } }
    main { flex: 1; min-height: 0; padding: 0.5rem 1rem; max-width: 72rem; width: 100%; margin: 0 auto; box-sizing: border-box; }
    main.fill { display: flex; flex-direction: column; padding-bottom: 0; }
    main.fill > fv-timeline-screen { flex: 1; min-height: 0; }
    nav.tabs { position: sticky; bottom: 0; display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); background: var(--fv-surface, #fff); border-top: 1px solid #d9d2c5; z-index: 5; padding-bottom: env(safe-area-inset-bottom, 0px); }
    nav.tabs button { background: none; color: #4d5652; border-radius: 0; display: flex; flex-direction: column; align-items: center; gap: 0.1rem; padding: 0.35rem 0.25rem; font-size: 0.8rem; min-width: 0; overflow-wrap: anywhere; }
    nav.tabs button .icon { font-size: 1.2rem; line-height: 1; }
    nav.tabs button[aria-current='page'] { color: #2f5d50; font-weight: 700; box-shadow: inset 0 3px 0 #2f5d50; }
    @media (min-width: 48rem) { header { order: -2; } nav.tabs { position: static; order: -1; padding-bottom: 0; border: 0; border-bottom: 1px solid #d9d2c5; grid-template-columns: repeat(4, max-content); justify-content: center; gap: 1rem; } }
    @media (prefers-color-scheme: dark) { nav.tabs { background: #1b211f; border-color: #333d39; } nav.tabs button { color: #b8c2bd; } nav.tabs button[aria-current='page'] { color: #9fd3bf; box-shadow: inset 0 3px 0 #9fd3bf; } }
    .back { margin: 0.25rem 0; }
  `];

  override connectedCallback() {
    super.connectedCallback();
    addEventListener('online', this.#onNetwork);
    addEventListener('offline', this.#onNetwork);
    // An invite link opened in the tab the app is already in changes only the #fragment: the
    // page does not load again, so the welcome screen takes the invite from here.
    addEventListener('hashchange', this.#onHash);
    for (const t of ACTIVITY) addEventListener(t, this.#onActivity, { passive: true, capture: true });
  }
  override disconnectedCallback() {
    removeEventListener('online', this.#onNetwork);
    removeEventListener('offline', this.#onNetwork);
    removeEventListener('hashchange', this.#onHash);
    for (const t of ACTIVITY) removeEventListener(t, this.#onActivity, { capture: true });
    this.#off?.();
    this.#offServer?.();
    super.disconnectedCallback();
  }

  /** The timeline is shown: it fills the window (the host's `fill` attribute) and scrolls inside. */
  get #fills(): boolean {
    return this.screen === 'vault' && !!this.app?.unlocked && this.tab === 'timeline';
  }

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('app') && this.app) {
      this.#off?.();
      this.#off = this.app.on('screen', (s) => {
        this.app!.screen = s;
        this.screen = s;
        // An unlocked vault opens on the timeline.
        if (s === 'vault') {
          this.tab = 'timeline';
          this.albumOpen = '';
          this.trashOpen = false;
        }
      });
      this.screen = this.app.screen;
      this.#offServer?.();
      this.#offServer = this.app.on('server', (r) => (this.server = r));
      this.server = this.app.server;
    }
    this.toggleAttribute('fill', this.#fills);
  }

  override firstUpdated() {
    // index.html's shell (painted before any script ran) is not part of the app.
    this.replaceChildren();
  }

  #onActivity = () => {
    this.app?.activity();
    // The member is typing a passphrase or an invite: fetch the vault's screens meanwhile.
    if (!vaultScreens.loaded) void vaultScreens.load().catch(() => undefined);
  };

  #onHash = () => this.requestUpdate();

  #onNetwork = () => {
    this.network = navigator.onLine ? 'online' : 'offline';
  };

  #body() {
    const app = this.app;
    if (!app) return html`<p>Starting…</p>`;
    // The field shows the invite code itself, not the link's `join=` prefix.
    const invite = location.hash.startsWith('#join=') ? decodeURIComponent(location.hash.slice('#join='.length)) : '';
    if (invite && !app.unlocked) return html`<fv-welcome .app=${app} .invite=${invite}></fv-welcome>`;
    switch (this.screen) {
      case 'welcome':
        return html`<fv-welcome .app=${app}></fv-welcome>`;
      case 'unlock':
        return html`<fv-unlock .app=${app}></fv-unlock>`;
      case 'recovery':
        return html`<fv-recovery .phrase=${app.recoveryPhrase ?? ''} @done=${() => app.recoveryNoted()}></fv-recovery>`;
      default:
        if (!vaultScreens.loaded) {
          void vaultScreens.load().then(() => this.requestUpdate(), (e: unknown) => {
            this.loadError = `This part of the app did not load (${e instanceof Error ? e.message : String(e)}). Reload the page.`;
          });
          return this.loadError ? html`<p class="card" role="alert">${this.loadError}</p>` : html`<p role="status">Opening your photos…</p>`;
        }
        // Files shared to the app while it was locked ask for their album first, on any tab.
        return html`<fv-shared-inbox .app=${app} @open-album=${(e: CustomEvent<string>) => this.#openAlbum(e.detail)}></fv-shared-inbox>${this.#tabBody(app)}`;
    }
  }

  /** Before unlock, after a share from another app (the service worker's redirect says how it went). */
  #shareNote() {
    const q = new URLSearchParams(location.search);
    const n = q.get('shared');
    if (n === null) return '';
    const failed = Number(q.get('share-failed') ?? 0);
    const text = n === 'none'
      ? 'Nothing shared was kept: set up a vault on this device first (create or join one), then share the photos again.'
      : `${count(Number(n), 'photo')} shared from another app ${Number(n) === 1 ? 'is' : 'are'} kept sealed on this device: unlock to choose ${Number(n) === 1 ? 'its' : 'their'} album.${failed ? ` ${count(failed, 'photo')} could not be kept (not enough space?): share ${failed === 1 ? 'it' : 'them'} again.` : ''}`;
    return html`<p class="card" role="status" id="share-note">${text}</p>`;
  }

  #openAlbum(album: string) {
    if (!this.app) return;
    this.app.album = album;
    this.tab = 'albums';
    this.trashOpen = false;
    this.albumOpen = album;
  }

  #tabBody(app: AppController) {
    switch (this.tab) {
      case 'timeline':
        return html`<fv-timeline-screen .app=${app} @go-tab=${(e: CustomEvent<Tab>) => this.#go(e.detail)}></fv-timeline-screen>`;
      case 'albums':
        if (this.trashOpen) {
          return html`<button class="quiet back" id="all-albums" @click=${() => { this.trashOpen = false; this.albumOpen = ''; }}>‹ All albums</button>
            <fv-trash .app=${app}></fv-trash>`;
        }
        if (!this.albumOpen) {
          return html`<fv-albums .app=${app} @open-album=${(e: CustomEvent<string>) => { app.album = e.detail; this.albumOpen = e.detail; }}
            @open-trash=${() => (this.trashOpen = true)}></fv-albums>`;
        }
        return html`<button class="quiet back" id="all-albums" @click=${() => (this.albumOpen = '')}>‹ All albums</button>
          <fv-photos .app=${app} @left-album=${() => (this.albumOpen = '')}></fv-photos>`;
      case 'members':
        return html`<fv-members .app=${app}></fv-members><fv-devices .app=${app}></fv-devices>`;
      case 'storage':
        return html`<fv-storage .app=${app} @open-trash=${() => { this.tab = 'albums'; this.albumOpen = ''; this.trashOpen = true; }}></fv-storage>`;
    }
  }

  #go(t: Tab) {
    // The Albums tab opens on the album used last; pressed again, it shows the list.
    if (t === 'albums') this.albumOpen = this.tab === 'albums' ? '' : this.app?.albumToOpen ?? '';
    this.trashOpen = false;
    this.tab = t;
  }

  override render() {
    const inVault = this.screen === 'vault' && !!this.app?.unlocked;
    const net = networkWords(this.network === 'online', this.server);
    return html`
      <header>
        <img src="/icons/icon-192.png" alt="" />
        <h1>Family Vault</h1>
        <span class="net" id="network" role="status" aria-live="polite">${net.chip}</span>
        ${inVault ? html`<button id="lock" @click=${() => void this.app!.lock()}>Lock</button>` : ''}
      </header>
      <main id="main" class=${this.#fills ? 'fill' : ''}>
        ${net.note ? html`<p class="offline" id="offline-note">${net.note}</p>` : ''}
        ${inVault ? '' : this.#shareNote()}
        ${this.#body()}
        ${inVault ? '' : html`<p id="shell-ready" class="muted">Your photos are encrypted on this device before they go anywhere.</p>`}
      </main>
      ${inVault ? html`<nav class="tabs" aria-label="Sections">
        ${TABS.map(([t, label, icon]) => html`<button id="tab-${t}" aria-current=${this.tab === t ? 'page' : 'false'} @click=${() => this.#go(t)}><span class="icon" aria-hidden="true">${icon}</span>${label}</button>`)}
      </nav>` : ''}
      <fv-update-prompt ?open=${this.updateReady}></fv-update-prompt>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-app': FvApp }
}
