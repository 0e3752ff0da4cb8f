import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../vault/app-controller.ts';
import { errorText, shared } from './styles.ts';
import './fv-strength.ts';

/** First screen: create a vault, or join one with an invite (from a link's #join= or pasted). */
@customElement('fv-welcome')
export class FvWelcome extends LitElement {
  static override styles = shared;
  @property({ attribute: false }) app!: AppController;
  @property() invite = '';
  @state() busy = false;
  @state() error = '';
  @state() pass = '';
  @state() jpass = '';
  @state() name = '';
  @state() restore = false;
  @state() useRecovery = false;

  override render() {
    const joining = this.invite !== '';
    return html`
      ${joining ? '' : html`
      <section class="card" id="create">
        <h2>Start a family vault</h2>
        <p class="muted">Photos are encrypted on this device before they go anywhere. Choose a passphrase you will remember: it unlocks your vault on every device.</p>
        <label for="name">Your name</label><input id="name" type="text" autocomplete="name" @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)} />
        <label for="pass">Passphrase</label><input id="pass" type="password" autocomplete="new-password" aria-describedby="pass-strength" @input=${(e: Event) => (this.pass = (e.target as HTMLInputElement).value)} />
        <fv-strength id="pass-strength" .value=${this.pass} .inputs=${[this.name]}></fv-strength>
        <p class="muted">A few uncommon words you will remember work best. Anyone who copies your encrypted keys can try guesses offline, so it must not be easy to guess.</p>
        <label for="pass2">Passphrase again</label><input id="pass2" type="password" autocomplete="new-password" />
        <label for="server-code">Server code (if the person who runs this server gave you one)</label>
        <input id="server-code" type="text" autocomplete="off" spellcheck="false" .value=${this.app.serverCode} />
        <p class="row"><button id="create-btn" ?disabled=${this.busy} @click=${this.#create}>Create vault</button></p>
      </section>`}
      <section class="card" id="join">
        <h2>Join with an invite</h2>
        <label for="invite">Invite (link or code)</label><input id="invite" type="text" .value=${this.invite} @input=${(e: Event) => (this.invite = (e.target as HTMLInputElement).value)} />
        <label><input id="restore" type="checkbox" @change=${(e: Event) => (this.restore = (e.target as HTMLInputElement).checked)} /> I already use this vault on another device (restore my keys)</label>
        ${this.restore ? '' : html`<label for="jname">Your name</label><input id="jname" type="text" @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)} />`}
        ${this.restore ? html`<label><input id="use-recovery" type="checkbox" @change=${(e: Event) => (this.useRecovery = (e.target as HTMLInputElement).checked)} /> I forgot my passphrase: use my 24-word recovery phrase</label>` : ''}
        ${this.restore && this.useRecovery
          ? html`<label for="jrecovery">Recovery phrase</label><textarea id="jrecovery" rows="3" autocomplete="off" spellcheck="false"></textarea>`
          : html`<label for="jpass">${this.restore ? 'Your passphrase' : 'Choose a passphrase'}</label><input id="jpass" type="password" autocomplete=${this.restore ? 'current-password' : 'new-password'} aria-describedby="jpass-strength" @input=${(e: Event) => (this.jpass = (e.target as HTMLInputElement).value)} />
            ${this.restore ? '' : html`<fv-strength id="jpass-strength" .value=${this.jpass} .inputs=${[this.name]}></fv-strength>`}`}
        <p class="row"><button id="join-btn" ?disabled=${this.busy} @click=${this.#join}>Join</button></p>
      </section>
      ${this.busy ? html`<p role="status">Working… (deriving keys from your passphrase takes a second)</p>` : ''}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
    `;
  }

  #val(id: string): string {
    return (this.renderRoot.querySelector(`#${id}`) as HTMLInputElement).value;
  }

  async #run(fn: () => Promise<void>) {
    this.busy = true;
    this.error = '';
    try {
      await fn();
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.busy = false;
    }
  }

  #create = () =>
    this.#run(async () => {
      const name = this.#val('name').trim() || 'Me';
      const pass = this.#val('pass');
      if (pass !== this.#val('pass2')) throw new Error('The two passphrases differ.');
      await this.app.create(name, pass, this.#val('server-code'));
    });

  #join = () =>
    this.#run(async () => {
      const restore = this.restore;
      const secret: { passphrase: string } | { recoveryPhrase: string } = restore && this.useRecovery ? { recoveryPhrase: this.#val('jrecovery') } : { passphrase: this.#val('jpass') };
      if ('passphrase' in secret && !secret.passphrase) throw new Error('Enter a passphrase.');
      if ('recoveryPhrase' in secret && !secret.recoveryPhrase.trim()) throw new Error('Enter your 24-word recovery phrase.');
      await this.app.join(this.invite, secret, restore ? 'Me' : this.#val('jname').trim() || 'Me', restore);
      history.replaceState(null, '', location.pathname); // the invite must not linger in the address bar
    });
}

declare global {
  interface HTMLElementTagNameMap { 'fv-welcome': FvWelcome }
}
