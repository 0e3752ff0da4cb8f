import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { isDecryptError, isPolicyError } from '../../core/errors.ts';
import type { AppController } from '../../vault/app-controller.ts';
import { assertStrongPassphrase } from '../../vault/passphrase-strength.ts';
import { errorText, shared } from '../styles.ts';
import '../common/fv-strength.ts';
import './fv-qr-scan.ts';

/** First screen: create a vault, or join one with an invite (from a link's #join= or pasted). */
@customElement('fv-welcome')
export class FvWelcome extends LitElement {
  static override styles = shared;
  @property({ attribute: false }) app!: AppController;
  @property() invite = '';
  /** The form at work ('' when none). */
  @state() busy: '' | 'create' | 'join' = '';
  /**
   * What went wrong, shown next to what caused it: under the field (which gets focus and is
   * marked invalid), or at the button of its form. On a phone an error at the foot of the
   * screen, below the other form, made the button seem dead.
   */
  @state() error: { text: string; form: 'create' | 'join'; field?: string } | undefined;
  #focusField = '';
  @state() pass = '';
  @state() jpass = '';
  @state() name = '';
  @state() restore = false;
  @state() useRecovery = false;
  @state() scanning = false;

  override render() {
    const joining = this.invite !== '';
    return html`
      ${joining ? '' : html`
      <section class="card" id="create">
        <h2>Start a family vault</h2>
        <p class="muted">Photos are encrypted on this device before they go anywhere. Choose a passphrase you will remember: it unlocks your vault on every device.</p>
        <label for="name">Your name</label><input id="name" type="text" autocomplete="name" @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)} />
        <label for="pass">Passphrase</label><input id="pass" type="password" autocomplete="new-password" aria-describedby=${this.#describedBy('pass', 'pass-strength')} aria-invalid=${this.#invalid('pass')} @input=${(e: Event) => { this.pass = (e.target as HTMLInputElement).value; this.#edited('pass'); }} />
        ${this.#fieldError('pass')}
        <fv-strength id="pass-strength" .value=${this.pass} .inputs=${[this.name]}></fv-strength>
        <p class="muted">A few uncommon words you will remember work best. Anyone who copies your encrypted keys can try guesses offline, so it must not be easy to guess.</p>
        <label for="pass2">Passphrase again</label><input id="pass2" type="password" autocomplete="new-password" aria-describedby=${this.#describedBy('pass2')} aria-invalid=${this.#invalid('pass2')} @input=${() => this.#edited('pass2')} />
        ${this.#fieldError('pass2')}
        <label for="server-code">Server code (if the person who runs this server gave you one)</label>
        <input id="server-code" type="text" autocomplete="off" spellcheck="false" .value=${this.app.serverCode} />
        ${this.#formError('create')}
        <p class="row"><button id="create-btn" ?disabled=${this.busy !== ''} @click=${this.#create}>Create vault</button></p>
        ${this.busy === 'create' ? html`<p role="status">Working… (deriving keys from your passphrase takes a second)</p>` : ''}
      </section>`}
      <section class="card" id="join">
        <h2>Join with an invite</h2>
        <label for="invite">Invite (link or code)</label><input id="invite" type="text" .value=${this.invite} aria-describedby=${this.#describedBy('invite')} aria-invalid=${this.#invalid('invite')} @input=${(e: Event) => { this.invite = (e.target as HTMLInputElement).value; this.#edited('invite'); }} />
        ${this.#fieldError('invite')}
        <p class="row"><button id="scan-invite" class="quiet" @click=${() => (this.scanning = true)}>Scan QR code</button></p>
        ${this.scanning ? html`<fv-qr-scan @cancel=${() => (this.scanning = false)} @scanned=${(e: CustomEvent<string>) => this.#scanned(e.detail)}></fv-qr-scan>` : ''}
        <label><input id="restore" type="checkbox" @change=${(e: Event) => (this.restore = (e.target as HTMLInputElement).checked)} /> I already use this vault on another device (restore my keys)</label>
        ${this.restore ? '' : html`<label for="jname">Your name</label><input id="jname" type="text" @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)} />`}
        ${this.restore ? html`<label><input id="use-recovery" type="checkbox" @change=${(e: Event) => (this.useRecovery = (e.target as HTMLInputElement).checked)} /> I forgot my passphrase: use my 24-word recovery phrase</label>` : ''}
        ${this.restore && this.useRecovery
          ? html`<label for="jrecovery">Recovery phrase</label><textarea id="jrecovery" rows="3" autocomplete="off" spellcheck="false" aria-describedby=${this.#describedBy('jrecovery')} aria-invalid=${this.#invalid('jrecovery')} @input=${() => this.#edited('jrecovery')}></textarea>
            ${this.#fieldError('jrecovery')}`
          : html`<label for="jpass">${this.restore ? 'Your passphrase' : 'Choose a passphrase'}</label><input id="jpass" type="password" autocomplete=${this.restore ? 'current-password' : 'new-password'} aria-describedby=${this.#describedBy('jpass', this.restore ? '' : 'jpass-strength')} aria-invalid=${this.#invalid('jpass')} @input=${(e: Event) => { this.jpass = (e.target as HTMLInputElement).value; this.#edited('jpass'); }} />
            ${this.#fieldError('jpass')}
            ${this.restore ? '' : html`<fv-strength id="jpass-strength" .value=${this.jpass} .inputs=${[this.name]}></fv-strength>`}`}
        ${this.#formError('join')}
        <p class="row"><button id="join-btn" ?disabled=${this.busy !== ''} @click=${this.#join}>Join</button></p>
        ${this.busy === 'join' ? html`<p role="status">Working… (deriving keys from your passphrase takes a second)</p>` : ''}
      </section>
    `;
  }

  /** A scanned invite fills the field; the name (or passphrase) is what is asked next. */
  #scanned(code: string) {
    this.scanning = false;
    this.invite = code;
    this.#edited('invite');
    this.#focusField = this.restore ? (this.useRecovery ? 'jrecovery' : 'jpass') : 'jname';
  }

  #fieldError(field: string) {
    return this.error?.field === field ? html`<p class="error" role="alert" id="${field}-error">${this.error.text}</p>` : '';
  }

  #formError(form: 'create' | 'join') {
    return this.error && !this.error.field && this.error.form === form ? html`<p class="error" role="alert" id="${form}-error">${this.error.text}</p>` : '';
  }

  /** The field the error was about is being changed: the error goes. */
  #edited(field: string) {
    if (this.error?.field === field) this.error = undefined;
  }

  #invalid(field: string): 'true' | 'false' {
    return this.error?.field === field ? 'true' : 'false';
  }

  #describedBy(field: string, also = ''): string {
    return [also, this.error?.field === field ? `${field}-error` : ''].filter(Boolean).join(' ');
  }

  override updated() {
    if (!this.#focusField) return;
    this.renderRoot.querySelector<HTMLElement>(`#${this.#focusField}`)?.focus();
    this.#focusField = '';
  }

  #val(id: string): string {
    return (this.renderRoot.querySelector(`#${id}`) as HTMLInputElement).value;
  }

  /** Runs a form's action; an error names the field it is about, if `fieldOf` knows it. */
  async #run(form: 'create' | 'join', fn: () => Promise<void>, fieldOf: (e: unknown) => string | undefined) {
    this.busy = form;
    this.error = undefined;
    try {
      await fn();
    } catch (e) {
      const field = e instanceof FieldError ? e.field : fieldOf(e);
      this.error = { text: errorText(e), form, ...(field ? { field } : {}) };
      this.#focusField = field ?? '';
    } finally {
      this.busy = '';
    }
  }

  #create = () =>
    this.#run('create', async () => {
      const name = this.#val('name').trim() || 'Me';
      const pass = this.#val('pass');
      await assertStrongPassphrase(pass, [name]);
      if (pass !== this.#val('pass2')) throw new FieldError('The two passphrases differ.', 'pass2');
      await this.app.create(name, pass, this.#val('server-code'));
    }, (e) => (isPolicyError(e) ? 'pass' : undefined));

  #join = () =>
    this.#run('join', async () => {
      const restore = this.restore;
      const secret: { passphrase: string } | { recoveryPhrase: string } = restore && this.useRecovery ? { recoveryPhrase: this.#val('jrecovery') } : { passphrase: this.#val('jpass') };
      if (!this.invite.trim()) throw new FieldError('Paste the invite link or code you were sent.', 'invite');
      if ('passphrase' in secret && !secret.passphrase) throw new FieldError('Enter a passphrase.', 'jpass');
      if ('recoveryPhrase' in secret && !secret.recoveryPhrase.trim()) throw new FieldError('Enter your 24-word recovery phrase.', 'jrecovery');
      if ('passphrase' in secret && !restore) await assertStrongPassphrase(secret.passphrase, [this.#val('jname')]).catch((e: unknown) => { throw new FieldError(errorText(e), 'jpass'); });
      await this.app.join(this.invite, secret, restore ? 'Me' : this.#val('jname').trim() || 'Me', restore);
      history.replaceState(null, '', location.pathname); // the invite must not linger in the address bar
    }, (e) => {
      if (isDecryptError(e) && this.restore) return this.useRecovery ? 'jrecovery' : 'jpass';
      // A word not in the list, a phrase of the wrong length: said under the phrase, not at Join.
      if (this.restore && this.useRecovery && e instanceof RangeError && e.message.startsWith('recovery phrase')) return 'jrecovery';
      return undefined;
    });
}

/** An error about one field of the form (its id). */
class FieldError extends Error {
  constructor(message: string, readonly field: string) {
    super(message);
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-welcome': FvWelcome }
}
