import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import type { AlbumSummary } from '../../vault/library.ts';
import '../common/fv-dialog.ts';
import { errorText, shared } from '../styles.ts';
import { ThumbCache } from '../thumb-cache.ts';
import { count } from '../common/count.ts';

/** "Albums": every album this member reads, with its cover and count; create and rename; the way to Trash. Fires `open-album` (detail: album id) and `open-trash`. */
@customElement('fv-albums')
export class FvAlbums extends LitElement {
  @property({ attribute: false }) app!: AppController;
  @state() albums: AlbumSummary[] = [];
  @state() asking: { kind: 'new' } | { kind: 'rename'; album: AlbumSummary } | undefined;
  @state() error = '';
  @state() tick = 0;
  /** Photos in the trash (the Trash button says how many). */
  @state() trashed = 0;
  cache = new ThumbCache((key) => this.app.photos.thumbnail(key), 100);
  #off: (() => void) | undefined;

  static override styles = [shared, css`
    ul { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(min(9.5rem, 100%), 1fr)); gap: 0.75rem; }
    li { display: flex; flex-direction: column; gap: 0.25rem; }
    button.cover { padding: 0; aspect-ratio: 1; width: 100%; border-radius: 0.8rem; overflow: hidden; background: #e4ded3; color: #1f2a27; display: grid; place-items: center; }
    button.cover img { width: 100%; height: 100%; object-fit: cover; display: block; }
    .name { font-weight: 600; overflow-wrap: anywhere; }
    .line { display: flex; align-items: center; justify-content: space-between; gap: 0.25rem; }
    button.small { min-height: 2.75rem; padding: 0.3rem 0.6rem; font-size: 0.85rem; }
    @media (prefers-color-scheme: dark) { button.cover { background: #26302c; color: #e8ece9; } }
  `];

  override connectedCallback() {
    super.connectedCallback();
    const offs = [this.app.on('changed', () => this.#refresh()), this.app.on('arrived', () => this.#refresh())];
    this.#off = () => offs.forEach((f) => f());
    this.#refresh();
  }
  override disconnectedCallback() {
    this.#off?.();
    this.cache.clear();
    super.disconnectedCallback();
  }

  #refresh() {
    if (!this.app.unlocked) return;
    this.albums = this.app.library.albums();
    this.trashed = this.app.photos.trashCount;
  }

  async #create(name: string) {
    this.asking = undefined;
    try {
      const id = await this.app.photos.createAlbum(name);
      this.#refresh();
      this.dispatchEvent(new CustomEvent('open-album', { detail: id, bubbles: true, composed: true }));
    } catch (e) {
      this.error = errorText(e);
    }
  }

  async #rename(album: string, name: string) {
    this.asking = undefined;
    try {
      await this.app.photos.renameAlbum(album, name);
      this.#refresh();
    } catch (e) {
      this.error = errorText(e);
    }
  }

  #dialog() {
    const a = this.asking;
    const cancel = () => (this.asking = undefined);
    if (a?.kind === 'new') {
      return html`<fv-dialog heading="New album" field="Name of the new album" value="" action="Create album"
        @answer=${(e: CustomEvent<string>) => void this.#create(e.detail)} @cancel=${cancel}></fv-dialog>`;
    }
    if (a?.kind === 'rename') {
      return html`<fv-dialog heading="Rename album" field="New name" .value=${a.album.name} action="Rename"
        @answer=${(e: CustomEvent<string>) => void this.#rename(a.album.id, e.detail)} @cancel=${cancel}></fv-dialog>`;
    }
    return '';
  }

  override render() {
    void this.tick;
    const writer = this.app.canWrite('');
    return html`
      <div class="row" style="justify-content:space-between">
        <h2 style="margin:0.25rem 0">Albums</h2>
        <div class="row">
          <button class="quiet" id="albums-trash" aria-label=${`Trash, ${count(this.trashed, 'photo')}`}
            @click=${() => this.dispatchEvent(new CustomEvent('open-trash', { bubbles: true, composed: true }))}>Trash${this.trashed ? ` (${this.trashed})` : ''}</button>
          ${writer ? html`<button id="albums-new" @click=${() => (this.asking = { kind: 'new' })}>New album</button>` : ''}
        </div>
      </div>
      ${this.error ? html`<p class="error" role="alert" id="albums-error">${this.error}</p>` : ''}
      ${this.albums.length ? html`<ul id="album-list">
        ${this.albums.map((a) => {
          const key = a.cover ? `${a.id}/${a.cover}` : '';
          const url = key ? this.cache.peek(key) : undefined;
          if (key && !url) void this.cache.get(key).then((u) => u && this.tick++);
          return html`<li data-album=${a.id}>
            <button class="cover" aria-label="Open album ${a.name}, ${count(a.count, 'photo')}"
              @click=${() => this.dispatchEvent(new CustomEvent('open-album', { detail: a.id, bubbles: true, composed: true }))}>
              ${url ? html`<img src=${url} alt="" />` : html`<span aria-hidden="true">${a.count ? '…' : 'Empty'}</span>`}
            </button>
            <div class="line"><span class="name">${a.name}</span>
              ${writer ? html`<button class="quiet small" aria-label="Rename ${a.name}" @click=${() => (this.asking = { kind: 'rename', album: a })}>Rename</button>` : ''}</div>
            <span class="muted">${count(a.count, 'photo')}</span>
          </li>`;
        })}
      </ul>` : html`<p class="card" id="albums-empty">No albums yet. ${writer ? 'Create one and add photos to it.' : 'When someone shares an album with you, it appears here.'}</p>`}
      ${this.#dialog()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-albums': FvAlbums }
}
