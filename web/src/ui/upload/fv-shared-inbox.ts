import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import { count } from '../common/count.ts';
import { errorText, shared } from '../styles.ts';

/**
 * Files shared to the app from another one (the PWA share target) wait, sealed in the upload
 * spool, until the member says which album they go to, or discards them (vault/share-inbox.ts):
 * a share is never added to an album unasked. Fires `open-album` (detail: album id) once they are
 * queued, so the album's upload panel shows them being added.
 */
@customElement('fv-shared-inbox')
export class FvSharedInbox extends LitElement {
  @property({ attribute: false }) app!: AppController;
  @state() waiting = 0;
  @state() error = '';
  @state() busy = false;

  static override styles = [shared, css`:host { display: block; }`];

  #off: (() => void) | undefined;

  override connectedCallback() {
    super.connectedCallback();
    // Album names and roles arrive as the vault's state is read: show them when they do.
    this.#off = this.app.on('changed', () => this.requestUpdate());
    void this.refresh();
  }
  override disconnectedCallback() {
    this.#off?.();
    super.disconnectedCallback();
  }

  async refresh() {
    this.waiting = this.app.unlocked ? await this.app.uploads.sharedWaiting().catch(() => 0) : 0;
  }

  async #add() {
    const album = (this.renderRoot.querySelector('#shared-album') as HTMLSelectElement).value;
    this.busy = true;
    this.error = '';
    try {
      await this.app.uploads.addShared(album);
      this.waiting = 0;
      history.replaceState(null, '', location.pathname);
      this.dispatchEvent(new CustomEvent('open-album', { detail: album, bubbles: true, composed: true }));
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.busy = false;
    }
  }

  async #discard() {
    this.busy = true;
    try {
      await this.app.uploads.discardShared();
      this.waiting = 0;
      history.replaceState(null, '', location.pathname);
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    if (!this.app.unlocked || this.waiting === 0) return '';
    const photos = this.app.photos;
    const albums = photos.albumIds.filter((a) => this.app.canWrite(a));
    return html`<section class="card" id="shared-inbox" aria-labelledby="shared-heading">
      <h2 id="shared-heading">${count(this.waiting, 'photo')} shared from another app</h2>
      <p class="muted">Kept sealed on this device until you choose where they go.</p>
      ${albums.length ? html`<p class="row"><label for="shared-album">Add to</label>
        <select id="shared-album">${albums.map((a) => html`<option value=${a} ?selected=${a === this.app.album}>${photos.album(a)?.name ?? 'Album'}</option>`)}</select>
        <button id="shared-add" ?disabled=${this.busy} @click=${() => void this.#add()}>Add ${this.waiting === 1 ? 'it' : 'them'}</button>
        <button class="quiet" id="shared-discard" ?disabled=${this.busy} @click=${() => void this.#discard()}>Discard</button></p>`
        : html`<p>You have no album you can add to yet: make one under Albums, or ask the family to share one with you.</p>
          <p class="row"><button class="quiet" id="shared-discard" ?disabled=${this.busy} @click=${() => void this.#discard()}>Discard</button></p>`}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-shared-inbox': FvSharedInbox }
}
