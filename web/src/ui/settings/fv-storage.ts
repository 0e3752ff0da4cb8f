import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import { AUTO_LOCK_CHOICES } from '../../vault/idle-lock.ts';
import { APP_VERSION, BUILD_HASH } from '../../core/build-info.ts';
import { errorText, shared } from '../styles.ts';
import '../common/fv-strength.ts';
import { agree, count } from '../common/count.ts';

/** Where the photos' encrypted bytes live, in words (the technical name in brackets for helpers). */
const STORE_WORDS: Record<string, string> = {
  opfs: "this browser's private file system (OPFS)",
  idb: "this browser's database (IndexedDB, the fallback where the private file system does not work)",
  memory: 'this tab only (nothing is kept when it closes)',
};

const fmt = (n: number | undefined) => (n === undefined ? '?' : n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : `${(n / 1e6).toFixed(1)} MB`);

/** Storage: what this browser holds, whether it may evict it, and the originals setting. */
@customElement('fv-storage')
export class FvStorage extends LitElement {
  static override styles = shared;
  @property({ attribute: false }) app!: AppController;
  @state() info = '';
  @state() storeKind = '';
  @state() persisted = false;
  @state() asking = false;
  #offPersistence: (() => void) | undefined;
  @state() onlyCopy = 0;
  @state() note = '';
  @state() checking = '';
  @state() newPass = '';
  @state() passNote = '';
  @state() passError = '';
  @state() changing = false;

  override connectedCallback() {
    super.connectedCallback();
    // Firefox answers its prompt whenever the person does: show the answer when it comes.
    this.#offPersistence = this.app.on('persistence', (p) => this.#showPersistence(p));
    this.#showPersistence(this.app.persistence);
    void this.#refresh();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#offPersistence?.();
  }

  #showPersistence(p: AppController['persistence']) {
    this.asking = p === 'asking';
    if (p === 'granted') this.persisted = true;
  }

  async #refresh() {
    const u = await this.app.usage();
    this.persisted = u.browser.persisted || this.app.persistence === 'granted';
    this.storeKind = u.kind ? (STORE_WORDS[u.kind] ?? u.kind) : '';
    this.info = `${u.store?.count ?? 0} encrypted objects, ${fmt(u.store?.bytes)} · this site uses ${fmt(u.browser.usage)} of ${fmt(u.browser.quota)} the browser allows`;
    this.onlyCopy = await this.app.photosOnlyHere((done, total) => {
      this.checking = `Checking which photos a home holds: ${done} of ${total}…`;
    });
    this.checking = '';
  }

  override render() {
    const s = this.app.storageSettings;
    return html`<section class="card">
      <h2>Storage</h2>
      <p id="usage">${this.info}</p>
      ${this.storeKind ? html`<p id="store-kind">Photos are stored in: ${this.storeKind}</p>` : ''}
      <p id="persisted" aria-live="polite">${this.persisted ? 'This browser will keep the vault even when space runs low.' : this.asking ? 'Your browser is asking whether this site may keep its data: answer "Allow" so the vault is not cleared when space runs low.' : html`<span class="error">This browser may clear the vault when space runs low.</span> Install the app (Add to Home Screen) to make it keep it.`}</p>
      ${this.checking ? html`<p role="status" id="checking">${this.checking}</p>` : ''}
      ${this.onlyCopy ? html`<p class="error" id="only-copy">${count(this.onlyCopy, 'photo')} ${agree(this.onlyCopy, 'exists', 'exist')} only on this device: connect a home relay so they are not lost with it.</p>` : ''}
      <h3>Originals on this device</h3>
      <label><input type="radio" name="orig" ?checked=${s.originals === 'all'} @change=${() => this.#set({ originals: 'all', k: s.k })} /> Keep all originals</label>
      <label><input type="radio" name="orig" ?checked=${s.originals === 'save-space'} @change=${() => this.#set({ originals: 'save-space', k: s.k })} /> Save space: keep thumbnails, fetch originals when opened</label>
      <label for="k">Free an original only once this many homes hold it</label>
      <input id="k" type="text" inputmode="numeric" .value=${String(s.k)} @change=${(e: Event) => this.#set({ originals: s.originals, k: Math.max(1, Number((e.target as HTMLInputElement).value) || 2) })} />
      <p class="row"><button id="free" ?disabled=${s.originals !== 'save-space'} @click=${this.#free}>Free up space now</button></p>
      ${this.note ? html`<p role="status">${this.note}</p>` : ''}
    </section>
    <section class="card">
      <h2>Lock</h2>
      <label for="auto-lock">Lock the vault when this device is not used for</label>
      <select id="auto-lock" @change=${(e: Event) => { this.app.setAutoLock(Number((e.target as HTMLSelectElement).value)); this.requestUpdate(); }}>
        ${AUTO_LOCK_CHOICES.map((m) => html`<option value=${m} ?selected=${m === this.app.autoLockMinutes}>${m === 0 ? 'Never (not on a shared device)' : m === 1 ? '1 minute' : `${m} minutes`}</option>`)}
      </select>
      <p class="muted">Locked, the photos and their keys leave this browser's memory; your passphrase opens the vault again.</p>
    </section>
    <section class="card" id="trash">
      <h2>Trash</h2>
      <p class="muted">Deleted photos stay in the trash for 30 days, for the whole family, and can be restored until then.</p>
      <p class="row"><button class="quiet" id="open-trash" @click=${() => this.dispatchEvent(new CustomEvent('open-trash', { bubbles: true, composed: true }))}>Open trash</button></p>
    </section>
    <section class="card" id="about">
      <h2>About this app</h2>
      <p>Family Vault ${APP_VERSION} · build <code id="build-hash">${BUILD_HASH}</code></p>
      <p class="muted">Whoever runs your family's server sends this app to your browser, so they could send a different one. The build is a fingerprint of the app's source: it must match the one published for the release you trust (or the one your own build gives), and the server's <code>/healthz</code> names the build it serves. See the operations guide for serving the app from your own home.</p>
    </section>
    <section class="card" id="passphrase">
      <h2>Passphrase</h2>
      <p class="muted">Your passphrase opens your keys on every device. After a change, the old one opens no copy your family's devices and homes keep. Your recovery phrase stays the same.</p>
      <label for="old-pass">Current passphrase</label><input id="old-pass" type="password" autocomplete="current-password" />
      <label for="new-pass">New passphrase</label><input id="new-pass" type="password" autocomplete="new-password" aria-describedby="new-pass-strength" @input=${(e: Event) => (this.newPass = (e.target as HTMLInputElement).value)} />
      <fv-strength id="new-pass-strength" .value=${this.newPass}></fv-strength>
      <label for="new-pass2">New passphrase again</label><input id="new-pass2" type="password" autocomplete="new-password" />
      <p class="row"><button id="change-pass" ?disabled=${this.changing} @click=${this.#changePass}>Change passphrase</button></p>
      ${this.changing ? html`<p role="status">Changing… (deriving a key from the new passphrase takes a second)</p>` : ''}
      ${this.passError ? html`<p class="error" role="alert" id="pass-error">${this.passError}</p>` : ''}
      ${this.passNote ? html`<p role="status" id="pass-note">${this.passNote}</p>` : ''}
    </section>`;
  }

  async #set(next: { originals: 'all' | 'save-space'; k: number }) {
    await this.app.setStorageSettings(next);
    this.requestUpdate();
  }

  #changePass = async () => {
    const field = (id: string) => this.renderRoot.querySelector<HTMLInputElement>(`#${id}`)!;
    this.passError = '';
    this.passNote = '';
    if (field('new-pass').value !== field('new-pass2').value) {
      this.passError = 'The two new passphrases differ.';
      return;
    }
    this.changing = true;
    try {
      await this.app.changePassphrase(field('old-pass').value, field('new-pass').value);
      for (const id of ['old-pass', 'new-pass', 'new-pass2']) field(id).value = '';
      this.newPass = '';
      this.passNote = 'Passphrase changed. Use the new one on every device from now on.';
    } catch (e) {
      this.passError = errorText(e);
    } finally {
      this.changing = false;
    }
  };

  #free = async () => {
    const r = await this.app.freeSpace();
    this.note = `Freed ${count(r.evicted, 'part')} of originals; ${r.kept} ${agree(r.kept, 'stays', 'stay')} until enough homes hold them.`;
    await this.#refresh();
  };
}

declare global {
  interface HTMLElementTagNameMap { 'fv-storage': FvStorage }
}
