import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PhotoId } from '../core/ids.ts';
import type { AppController } from '../vault/app-controller.ts';
import type { IngestProgress } from '../vault/ingest.ts';
import type { QueueState } from '../vault/upload-queue.ts';
import './fv-dialog.ts';
import './fv-grid.ts';
import './upload/fv-upload-panel.ts';
import { errorText, shared } from './styles.ts';
import { ThumbCache } from './thumb-cache.ts';
import { count } from './common/count.ts';
import { TRASH_DAYS } from '../vault/trash.ts';

/** An album: add photos (picker, drag and drop, paste; shares from other apps: fv-shared-inbox), the grid, the viewer. */
@customElement('fv-photos')
export class FvPhotos extends LitElement {
  @property({ attribute: false }) app!: AppController;
  @state() progress: IngestProgress | undefined;
  /** The upload queue: files picked (here or before a reload), each with its state. */
  @state() queue: QueueState | undefined;
  /** Why files could not even be queued (e.g. no key for the album on this device). */
  @state() addError = '';
  @state() open: string | undefined;
  @state() openUrl: string | undefined;
  @state() openInfo = '';
  /** The photo's own file name, for "Download original" and the image's text alternative. */
  @state() openName = '';
  @state() dragging = false;
  @state() version = 0;
  /** Which of the app's own dialogs is open. */
  @state() asking: 'new-album' | 'delete' | 'leave' | undefined;
  @state() error = '';
  cache = new ThumbCache((id) => this.app.session!.thumbnail(this.app.album, id as PhotoId));
  #offs: Array<() => void> = [];

  static override styles = [shared, css`
    .drop { border: 2px dashed var(--fv-border); border-radius: 1rem; padding: 1rem; text-align: center; }
    .drop.over { border-color: var(--fv-accent); background: var(--fv-cell); }
    progress { width: 100%; }
    .viewer { position: fixed; inset: 0; background: rgb(0 0 0 / 0.9); color: #fff; display: flex; flex-direction: column; z-index: 15; }
    .viewer img { flex: 1; min-height: 0; object-fit: contain; width: 100%; }
    .viewer .row { padding: 0.75rem; }
  `];

  override connectedCallback() {
    super.connectedCallback();
    const s = this.app.session!;
    this.#offs.push(
      s.on('changed', () => this.version++),
      s.on('object', () => this.version++),
      s.ingest.on('progress', (p) => (this.progress = p)),
      s.uploads.on('state', (q) => {
        this.queue = q;
        if (q.waiting === 0) this.progress = undefined;
      }),
      s.uploads.on('file', () => this.version++),
    );
    this.queue = s.uploads.state;
    addEventListener('paste', this.#onPaste);
  }
  override disconnectedCallback() {
    this.#offs.forEach((f) => f());
    removeEventListener('paste', this.#onPaste);
    this.cache.clear();
    super.disconnectedCallback();
  }

  async add(files: File[]) {
    if (!files.length) return;
    this.addError = '';
    try {
      await this.app.session!.addFiles(this.app.album, files);
    } catch (e) {
      this.addError = errorText(e);
    }
    this.progress = undefined;
    this.version++;
  }

  #onPaste = (e: ClipboardEvent) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) void this.add(files);
  };

  #newAlbum = () => {
    this.asking = 'new-album';
  };

  async #createAlbum(name: string) {
    this.asking = undefined;
    this.app.album = await this.app.session!.createAlbum(name);
    this.addError = '';
    this.cache.clear();
    this.version++;
  }

  async #show(id: string) {
    this.open = id;
    const s = this.app.session!;
    const meta = await s.metadata(this.app.album, id as PhotoId).catch(() => undefined);
    this.openName = meta?.name ?? '';
    const homes = await s.backedUpOn(this.app.album, id as PhotoId);
    this.openInfo = `${meta?.name ?? ''}${meta?.takenAt ? ` · ${new Date(meta.takenAt).toLocaleString()}` : ''} · backed up on ${count(homes, 'home')}`;
    try {
      const file = await s.original(this.app.album, id as PhotoId);
      this.openUrl = URL.createObjectURL(file);
    } catch (e) {
      this.openUrl = await this.cache.get(id);
      this.openInfo += ` · ${errorText(e)}`;
    }
  }

  #close() {
    if (this.openUrl?.startsWith('blob:') && !this.cache.peek(this.open ?? '')) URL.revokeObjectURL(this.openUrl);
    this.open = undefined;
    this.openUrl = undefined;
    this.openName = '';
  }

  async #leave() {
    this.asking = undefined;
    this.error = '';
    const s = this.app.session!;
    try {
      await s.leaveAlbum(this.app.album);
    } catch (e) {
      this.error = errorText(e);
      return;
    }
    this.app.album = s.albumIds[0] ?? '';
    this.cache.clear();
    this.dispatchEvent(new CustomEvent('left-album', { bubbles: true, composed: true }));
  }

  async #setCover(photo: PhotoId) {
    try {
      await this.app.session!.setCover(this.app.album, photo);
    } catch (e) {
      this.openInfo += ` · ${errorText(e)}`;
    }
    this.version++;
  }

  async #delete() {
    this.asking = undefined;
    if (!this.open) return;
    await this.app.session!.trashPhotos([{ album: this.app.album, photo: this.open as PhotoId }]);
    this.#close();
  }

  override render() {
    const s = this.app.session!;
    this.app.album ||= s.albumIds[0] ?? '';
    if (!this.app.album) {
      return html`<section class="card" id="no-album"><h2>Almost there</h2>
        <p>Ask a family member to share the albums with you: on their Devices &amp; homes page, you both read the safety words of your name aloud, and if they match, they press Share.</p>
        <p>Or start an album of your own: <button id="new-album" @click=${this.#newAlbum}>New album</button></p></section>${this.#dialog()}`;
    }
    const ids = s.photos(this.app.album).map((p) => p.photo).reverse();
    const album = s.albums.get(this.app.album);
    return html`
      <div class="row">
        <h2 id="album-name">${album?.name ?? 'Photos'}</h2><span class="muted" id="count">${count(ids.length, 'photo')}</span>
        ${s.albumIds.length > 1 ? html`<select id="album" aria-label="Album" @change=${(e: Event) => { this.app.album = (e.target as HTMLSelectElement).value; this.addError = ''; this.cache.clear(); this.version++; }}>
          ${s.albumIds.map((a) => html`<option value=${a} ?selected=${a === this.app.album}>${s.albums.get(a)?.name ?? a}</option>`)}
        </select>` : ''}
        <button class="quiet" id="new-album" @click=${this.#newAlbum}>New album</button>
        <button class="quiet" id="leave-album" @click=${() => (this.asking = 'leave')}>Leave album</button>
      </div>
      ${this.error ? html`<p class="error" role="alert" id="album-error">${this.error}</p>` : ''}
      <div class="drop ${this.dragging ? 'over' : ''}"
        @dragover=${(e: DragEvent) => { e.preventDefault(); this.dragging = true; }}
        @dragleave=${() => (this.dragging = false)}
        @drop=${(e: DragEvent) => { e.preventDefault(); this.dragging = false; void this.add([...(e.dataTransfer?.files ?? [])]); }}>
        <label class="row" style="justify-content:center">
          <input id="picker" type="file" multiple accept="image/*,video/*" hidden
            @change=${(e: Event) => { const i = e.target as HTMLInputElement; void this.add([...(i.files ?? [])]); i.value = ''; }} />
          <button @click=${() => (this.renderRoot.querySelector('#picker') as HTMLInputElement).click()}>Add photos</button>
          <span class="muted">or drop or paste them here</span>
        </label>
        ${this.addError ? html`<p class="error" role="alert" id="add-error">${this.addError}</p>` : ''}
        <fv-upload-panel .queue=${s.uploads} .state=${this.queue} .progress=${this.progress} .album=${this.app.album}
          .albumName=${(id: string) => s.albums.get(id)?.name ?? 'another album'}></fv-upload-panel>
      </div>
      <fv-grid .ids=${ids} .cache=${this.cache} data-version=${this.version} @open-photo=${(e: CustomEvent<string>) => void this.#show(e.detail)}></fv-grid>
      ${this.open ? html`<div class="viewer" role="dialog" aria-label="Photo">
        ${this.openUrl ? html`<img id="viewer-img" src=${this.openUrl} alt=${this.openName || 'Photo'} />` : html`<p>Decrypting…</p>`}
        <p class="muted" style="color:#ddd;padding:0 .75rem" id="viewer-info">${this.openInfo}</p>
        <div class="row">
          ${this.openUrl ? html`<a class="button" href=${this.openUrl} download=${this.openName || 'photo'}>Download original</a>` : ''}
          ${this.app.canWrite(this.app.album) ? html`<button class="quiet" id="viewer-cover" ?disabled=${album?.cover === this.open}
            @click=${() => void this.#setCover(this.open as PhotoId)}>${album?.cover === this.open ? 'The album cover' : 'Use as album cover'}</button>` : ''}
          ${s.mayRemove(this.app.album, this.open as PhotoId) ? html`<button class="danger" @click=${() => (this.asking = 'delete')}>Delete</button>` : ''}
          <button class="quiet" @click=${this.#close}>Close</button>
        </div>
      </div>` : ''}
      ${this.#dialog()}
    `;
  }

  #dialog() {
    const cancel = () => (this.asking = undefined);
    if (this.asking === 'new-album') {
      return html`<fv-dialog heading="New album" field="Name of the new album" value="Holidays" action="Create album"
        @answer=${(e: CustomEvent<string>) => void this.#createAlbum(e.detail)} @cancel=${cancel}></fv-dialog>`;
    }
    if (this.asking === 'leave') {
      const name = this.app.session!.albums.get(this.app.album)?.name ?? 'this album';
      return html`<fv-dialog heading=${`Leave ${name}?`} action="Leave album" danger
        text="It goes from your albums, on all your devices. The rest of the family keeps it, with the photos you added. Someone in it can share it with you again."
        @answer=${() => void this.#leave()} @cancel=${cancel}></fv-dialog>`;
    }
    if (this.asking === 'delete') {
      return html`<fv-dialog heading="Delete this photo?" text=${`It moves to the trash for the whole family, on every device. Restore it from Trash (under Albums) within ${TRASH_DAYS} days; after that it is removed for good.`} action="Move to trash" danger
        @answer=${() => void this.#delete()} @cancel=${cancel}></fv-dialog>`;
    }
    return '';
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-photos': FvPhotos }
}
