import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import './fv-update-prompt.ts';

/** The family app's root element. Screens are added by the vault issues; this is the shell. */
@customElement('fv-app')
export class FvApp extends LitElement {
  /** 'online' | 'offline', shown so a family member knows why nothing syncs. */
  @property() network: 'online' | 'offline' = navigator.onLine ? 'online' : 'offline';
  @property({ type: Boolean }) updateReady = false;

  static override styles = css`
    :host { display: block; min-height: 100vh; }
    header { display: flex; align-items: center; gap: 0.75rem; padding: 1rem; background: #2f5d50; color: #fff; }
    header img { width: 2rem; height: 2rem; }
    h1 { font-size: 1.25rem; margin: 0; flex: 1; }
    .net { font-size: 0.85rem; opacity: 0.9; }
    main { padding: 1rem; max-width: 60rem; margin: 0 auto; }
  `;

  override connectedCallback() {
    super.connectedCallback();
    addEventListener('online', this.#onNetwork);
    addEventListener('offline', this.#onNetwork);
  }

  override disconnectedCallback() {
    removeEventListener('online', this.#onNetwork);
    removeEventListener('offline', this.#onNetwork);
    super.disconnectedCallback();
  }

  #onNetwork = () => {
    this.network = navigator.onLine ? 'online' : 'offline';
  };

  override render() {
    return html`
      <header>
        <img src="/icons/icon-192.png" alt="" />
        <h1>Family Vault</h1>
        <span class="net" id="network">${this.network === 'online' ? 'Online' : 'Offline: changes stay on this device'}</span>
      </header>
      <main id="main">
        <slot></slot>
        <p id="shell-ready">Your photos are encrypted on this device before they go anywhere.</p>
      </main>
      <fv-update-prompt ?open=${this.updateReady}></fv-update-prompt>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-app': FvApp }
}
