import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { count } from '../common/count.ts';
import { shared } from '../styles.ts';
import { trapTab } from '../common/modal.ts';

export interface PickableAlbum {
  id: string;
  name: string;
  count: number;
}

/**
 * "Add to album…": the app's own modal list of albums (focus kept inside, Escape or Cancel
 * closes), with "New album…", which asks for the new album's name in the same dialog. Fires
 * `pick` (detail: `{ album }` or `{ name }` for a new one) or `cancel`.
 */
@customElement('fv-album-picker')
export class FvAlbumPicker extends LitElement {
  static override styles = [shared, css`
    .backdrop { position: fixed; inset: 0; background: rgb(0 0 0 / 0.45); display: grid; place-items: center; z-index: 20; }
    .box { width: min(24rem, calc(100vw - 2rem)); max-height: calc(100dvh - 4rem); overflow: auto; box-sizing: border-box; }
    ul { list-style: none; padding: 0; margin: 0 0 0.75rem; display: flex; flex-direction: column; gap: 0.4rem; }
    ul button { width: 100%; text-align: left; display: flex; justify-content: space-between; gap: 0.5rem; }
  `];
  @property() heading = 'Add to album';
  @property({ attribute: false }) albums: PickableAlbum[] = [];
  @state() naming = false;

  override firstUpdated() {
    this.renderRoot.querySelector<HTMLElement>('ul button, button')?.focus();
  }

  override updated(changed: Map<string, unknown>) {
    if (changed.has('naming') && this.naming) this.renderRoot.querySelector<HTMLInputElement>('input')?.focus();
  }

  #pick(detail: { album: string } | { name: string }) {
    this.dispatchEvent(new CustomEvent('pick', { detail }));
  }

  #create() {
    const input = this.renderRoot.querySelector<HTMLInputElement>('input');
    const name = input?.value.trim();
    if (!name) return input?.focus();
    this.#pick({ name });
  }

  #keydown(e: KeyboardEvent) {
    if (e.key === 'Escape') return this.dispatchEvent(new CustomEvent('cancel'));
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement) return this.#create();
    if (e.key === 'Tab') trapTab(e, this.renderRoot as ShadowRoot);
  }

  override render() {
    return html`<div class="backdrop" @keydown=${this.#keydown}>
      <div class="card box" role="dialog" aria-modal="true" aria-labelledby="h">
        <h2 id="h">${this.heading}</h2>
        ${this.naming ? html`<label>Name of the new album <input type="text" value="" /></label>
          <div class="row">
            <button class="quiet" @click=${() => (this.naming = false)}>Back</button>
            <button @click=${() => this.#create()}>Create and add</button>
          </div>` : html`
          ${this.albums.length ? html`<ul aria-label="Albums">${this.albums.map((a) => html`<li>
            <button class="quiet" @click=${() => this.#pick({ album: a.id })}><span>${a.name}</span><span class="muted">${count(a.count, 'photo')}</span></button>
          </li>`)}</ul>` : html`<p class="muted">No other album yet.</p>`}
          <div class="row">
            <button class="cancel quiet" @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>Cancel</button>
            <button @click=${() => (this.naming = true)}>New album…</button>
          </div>`}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-album-picker': FvAlbumPicker }
}
