import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../vault/app-controller.ts';
import { errorText, shared } from './styles.ts';

/** First screen: create a vault, or join one with an invite (from a link's #join= or pasted). */
@customElement('fv-welcome')
export class FvWelcome extends LitElement {
  static override styles = shared;
  @property({ attribute: false }) app!: AppController;
  @property() invite = '';
  @state() busy = false;
  @state() error = '';

  override render() {
    const joining = this.invite !== '';
    return html`
      ${joining ? '' : html`
      <section class="card" id="create">
        <h2>Start a family vault</h2>
        <p class="muted">Photos are encrypted on this device before they go anywhere. Choose a passphrase you will remember: it unlocks your vault on every device.</p>
        <label for="name">Your name</label><input id="name" type="text" autocomplete="name" />
        <label for="pass">Passphrase</label><input id="pass" type="password" autocomplete="new-password" />
        <label for="pass2">Passphrase again</label><input id="pass2" type="password" autocomplete="new-password" />
        <p class="row"><button id="create-btn" ?disabled=${this.busy} @click=${this.#create}>Create vault</button></p>
      </section>`}
      <section class="card" id="join">
        <h2>Join with an invite</h2>
        <label for="invite">Invite (link or code)</label><input id="invite" type="text" .value=${this.invite} @input=${(e: Event) => (this.invite = (e.target as HTMLInputElement).value)} />
        <label for="jname">Your name</label><input id="jname" type="text" />
        <label for="jpass">Passphrase</label><input id="jpass" type="password" autocomplete="current-password" />
        <label><input id="restore" type="checkbox" /> I already use this vault on another device (restore my keys)</label>
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
      if (pass.length < 8) throw new Error('Use a passphrase of at least 8 characters.');
      if (pass !== this.#val('pass2')) throw new Error('The two passphrases differ.');
      await this.app.create(name, pass);
    });

  #join = () =>
    this.#run(async () => {
      const pass = this.#val('jpass');
      if (!pass) throw new Error('Enter a passphrase.');
      const restore = (this.renderRoot.querySelector('#restore') as HTMLInputElement).checked;
      await this.app.join(this.invite, pass, this.#val('jname').trim() || 'Me', restore);
      history.replaceState(null, '', location.pathname); // the invite must not linger in the address bar
    });
}

declare global {
  interface HTMLElementTagNameMap { 'fv-welcome': FvWelcome }
}
