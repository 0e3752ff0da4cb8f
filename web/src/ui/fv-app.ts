import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../vault/app-controller.ts';
import './fv-update-prompt.ts';
import './fv-welcome.ts';
import './fv-unlock.ts';
import './fv-photos.ts';
import './fv-devices.ts';
import './fv-members.ts';
import './fv-storage.ts';
import { shared } from './styles.ts';

type Tab = 'photos' | 'members' | 'devices' | 'storage';

/** What counts as the member using the app, for auto-lock. */
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;

/** The family app's root element: the shell, and the screen the controller is on. */
@customElement('fv-app')
export class FvApp extends LitElement {
  @property({ attribute: false }) app: AppController | undefined;
  /** 'online' | 'offline', shown so a family member knows why nothing syncs. */
  @property() network: 'online' | 'offline' = navigator.onLine ? 'online' : 'offline';
  @property({ type: Boolean }) updateReady = false;
  @state() tab: Tab = 'photos';
  @state() screen = '';
  #off: (() => void) | undefined;

  static override styles = [shared, css`
    :host { display: block; min-height: 100vh; }
    header { display: flex; align-items: center; gap: 0.75rem; padding: 0.75rem 1rem; background: #2f5d50; color: #fff; }
    header img { width: 2rem; height: 2rem; }
    h1 { font-size: 1.25rem; margin: 0; flex: 1; }
    .net { font-size: 0.85rem; opacity: 0.9; }
    main { padding: 1rem; max-width: 60rem; margin: 0 auto; }
    nav { display: flex; flex-wrap: wrap; gap: 0.25rem; margin-bottom: 0.5rem; }
    nav button[aria-current='page'] { background: #1f2a27; }
  `];

  override connectedCallback() {
    super.connectedCallback();
    addEventListener('online', this.#onNetwork);
    addEventListener('offline', this.#onNetwork);
    for (const t of ACTIVITY) addEventListener(t, this.#onActivity, { passive: true, capture: true });
  }
  override disconnectedCallback() {
    removeEventListener('online', this.#onNetwork);
    removeEventListener('offline', this.#onNetwork);
    for (const t of ACTIVITY) removeEventListener(t, this.#onActivity, { capture: true });
    this.#off?.();
    super.disconnectedCallback();
  }
  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('app') && this.app) {
      this.#off?.();
      this.#off = this.app.on('screen', (s) => {
        this.app!.screen = s;
        this.screen = s;
      });
      this.screen = this.app.screen;
    }
  }

  #onActivity = () => this.app?.activity();

  #onNetwork = () => {
    this.network = navigator.onLine ? 'online' : 'offline';
  };

  #body() {
    const app = this.app;
    if (!app) return html`<p>Starting…</p>`;
    // The field shows the invite code itself, not the link's `join=` prefix.
    const invite = location.hash.startsWith('#join=') ? decodeURIComponent(location.hash.slice('#join='.length)) : '';
    if (invite && !app.session) return html`<fv-welcome .app=${app} .invite=${invite}></fv-welcome>`;
    switch (this.screen) {
      case 'welcome':
        return html`<fv-welcome .app=${app}></fv-welcome>`;
      case 'unlock':
        return html`<fv-unlock .app=${app}></fv-unlock>`;
      case 'recovery':
        return html`<section class="card" id="recovery">
          <h2>Write down your recovery phrase</h2>
          <p>If you forget your passphrase, these 24 words are the only way back into your vault. Keep them on paper, somewhere safe. They are shown once.</p>
          <p id="recovery-phrase" style="font-family:monospace;font-size:1.1rem">${app.recoveryPhrase}</p>
          <button id="recovery-done" @click=${() => app.recoveryNoted()}>I wrote it down</button>
        </section>`;
      default:
        return html`
          <nav>
            ${(['photos', 'members', 'devices', 'storage'] as Tab[]).map((t) => html`<button id="tab-${t}" aria-current=${this.tab === t ? 'page' : 'false'} @click=${() => (this.tab = t)}>${{ photos: 'Photos', members: 'Family', devices: 'Devices & homes', storage: 'Settings' }[t]}</button>`)}
            <button class="quiet" id="lock" @click=${() => void app.lock()}>Lock</button>
          </nav>
          ${{ photos: () => html`<fv-photos .app=${app}></fv-photos>`, members: () => html`<fv-members .app=${app}></fv-members>`,
            devices: () => html`<fv-devices .app=${app}></fv-devices>`, storage: () => html`<fv-storage .app=${app}></fv-storage>` }[this.tab]()}`;
    }
  }

  override render() {
    return html`
      <header>
        <img src="/icons/icon-192.png" alt="" />
        <h1>Family Vault</h1>
        <span class="net" id="network">${this.network === 'online' ? 'Online' : 'Offline: changes stay on this device'}</span>
      </header>
      <main id="main">
        ${this.#body()}
        <p id="shell-ready" class="muted">Your photos are encrypted on this device before they go anywhere.</p>
      </main>
      <fv-update-prompt ?open=${this.updateReady}></fv-update-prompt>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-app': FvApp }
}
