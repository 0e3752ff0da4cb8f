import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import { errorText, shared } from '../styles.ts';

/** Unlock a vault set up on this device with the passphrase, or the recovery phrase. */
@customElement('fv-unlock')
export class FvUnlock extends LitElement {
  static override styles = shared;
  @property({ attribute: false }) app!: AppController;
  @state() busy = false;
  @state() error = '';
  @state() useRecovery = false;
  /** Another tab holds the vault: offer to open it here instead. */
  @state() elsewhere = false;

  override render() {
    const vaults = this.app.known();
    return html`<section class="card">
      <h2>Unlock ${vaults[0]?.name ? `${vaults[0].name}'s vault` : 'your vault'}</h2>
      ${vaults.length < 2 ? '' : html`<label for="vault">Vault</label>`}
      <select id="vault" ?hidden=${vaults.length < 2}>${vaults.map((v) => html`<option value=${v.vaultId}>${v.name}</option>`)}</select>
      ${this.useRecovery
        ? html`<label for="secret">Recovery phrase (24 words)</label><textarea id="secret" rows="3"></textarea>`
        : html`<label for="secret">Passphrase</label><input id="secret" type="password" autocomplete="current-password" @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && void this.#unlock()} />`}
      <p class="row">
        <button id="unlock-btn" ?disabled=${this.busy} @click=${() => this.#unlock()}>Unlock</button>
        <button class="quiet" @click=${() => (this.useRecovery = !this.useRecovery)}>${this.useRecovery ? 'Use passphrase' : 'Use recovery phrase'}</button>
        <button class="quiet" @click=${() => this.app.emit('screen', 'welcome')}>Join another vault</button>
      </p>
      ${this.busy ? html`<p role="status">Unlocking…</p>` : ''}
      ${this.app.lockedBecause && !this.error ? html`<p class="muted" role="status" id="locked-because">${this.app.lockedBecause}</p>` : ''}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.elsewhere ? html`<p class="row"><button id="take-over" @click=${() => this.#unlock(true)}>Open it here instead</button></p>` : ''}
    </section>`;
  }

  #unlock = async (takeOver = false) => {
    const vaults = this.app.known();
    const vaultId = (this.renderRoot.querySelector('#vault') as HTMLSelectElement | null)?.value || vaults[0]?.vaultId;
    const secret = (this.renderRoot.querySelector('#secret') as HTMLInputElement).value;
    if (!vaultId) return;
    this.busy = true;
    this.error = '';
    this.elsewhere = false;
    try {
      await this.app.unlock(vaultId, this.useRecovery ? { recoveryPhrase: secret } : { passphrase: secret }, takeOver);
    } catch (e) {
      this.error = errorText(e);
      this.elsewhere = (e as Error).name === 'OtherTabError';
    } finally {
      this.busy = false;
    }
  };
}

declare global {
  interface HTMLElementTagNameMap { 'fv-unlock': FvUnlock }
}
