import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PhotoId } from '../../core/ids.ts';
import type { AppController } from '../../vault/app-controller.ts';
import type { IngestProgress } from '../../vault/ingest.ts';
import type { QueueState } from '../../vault/upload-queue.ts';
import '../common/fv-dialog.ts';
import '../timeline/fv-timeline.ts';
import '../viewer/fv-viewer.ts';
import { followOpen, sameItems, sortItems } from '../timeline/layout.ts';
import { librarySource } from '../viewer/library-source.ts';
import type { LibraryItem } from '../../vault/library.ts';
import '../upload/fv-upload-panel.ts';
import { errorText, shared } from '../styles.ts';
import { shareHint } from '../upload/share-hint.ts';

const SHARE_HINT = typeof navigator === 'undefined' ? undefined : shareHint(navigator);
import { ThumbCache } from '../thumb-cache.ts';
import { count } from '../common/count.ts';
import { TRASH_DAYS } from '../../vault/trash.ts';

/**
 * An album: add photos (picker, drag and drop, paste; shares from other apps: fv-shared-inbox),
 * its photos as a timeline (newest first, in months and days), and the viewer over them.
 */
@customElement('fv-photos')
export class FvPhotos extends LitElement {
  @property({ attribute: false }) app!: AppController;
  @state() progress: IngestProgress | undefined;
  /** The upload queue: files picked (here or before a reload), each with its state. */
  @state() queue: QueueState | undefined;
  /** Why files could not even be queued (e.g. no key for the album on this device). */
  @state() addError = '';
  /** The photo open in the viewer (its index in `items`), or -1. */
  @state() open = -1;
  /** The album's photos, sorted; and the cell that gets focus when the viewer closes. */
  @state() items: LibraryItem[] = [];
  @state() focusIndex = -1;
  /** What the cover button last did. */
  @state() coverNote = '';
  @state() dragging = false;
  @state() version = 0;
  /** Which of the app's own dialogs is open. */
  @state() asking: 'new-album' | 'delete' | 'leave' | undefined;
  @state() error = '';
  cache = new ThumbCache((key) => this.app.photos.thumbnail(key));
  #offs: Array<() => void> = [];

  static override styles = [shared, css`
    .drop { border: 2px dashed var(--fv-border); border-radius: 1rem; padding: 1rem; text-align: center; }
    .drop.over { border-color: var(--fv-accent); background: var(--fv-cell); }
    progress { width: 100%; }
    fv-timeline.album { display: flex; height: 70vh; min-height: 16rem; }
    fv-timeline.album[hidden] { display: none; }
  `];

  override connectedCallback() {
    super.connectedCallback();
    const uploads = this.app.uploads;
    this.#offs.push(
      this.app.on('changed', () => this.version++),
      // An arrival changes no photo's place: the cells in view ask again for what they lack.
      this.app.on('arrived', () => this.renderRoot.querySelector('fv-timeline')?.redraw()),
      this.app.on('adding', (p) => (this.progress = p)),
      uploads.on('state', (q) => {
        this.queue = q;
        if (q.waiting === 0) this.progress = undefined;
      }),
      uploads.on('file', () => this.version++),
      // Dates of older photos, read from their metadata: the order may change.
      this.app.library.on('dates', () => this.version++),
    );
    this.queue = uploads.state;
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
      await this.app.photos.addFiles(this.app.album, files);
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
    this.app.album = await this.app.photos.createAlbum(name);
    this.addError = '';
    this.cache.clear();
    this.version++;
  }

  async #leave() {
    this.asking = undefined;
    this.error = '';
    const photos = this.app.photos;
    try {
      await photos.leaveAlbum(this.app.album);
    } catch (e) {
      this.error = errorText(e);
      return;
    }
    this.app.album = photos.albumIds[0] ?? '';
    this.cache.clear();
    this.dispatchEvent(new CustomEvent('left-album', { bubbles: true, composed: true }));
  }

  async #setCover(photo: PhotoId) {
    this.coverNote = '';
    try {
      await this.app.photos.setCover(this.app.album, photo);
    } catch (e) {
      this.coverNote = errorText(e);
    }
    this.version++;
  }

  async #delete() {
    this.asking = undefined;
    const item = this.items[this.open];
    if (!item) return;
    const at = this.open;
    this.error = '';
    try {
      await this.app.photos.moveToTrash([item]);
    } catch (e) {
      this.error = errorText(e);
      return;
    }
    // The viewer keeps what it decrypted by position: a fresh one opens on the photo that took its place.
    this.open = -1;
    this.version++;
    await this.updateComplete;
    this.open = this.items.length ? Math.min(at, this.items.length - 1) : -1;
  }

  /** Focus goes back to the photo's cell (set each time: the timeline clears it once used). */
  #closeViewer() {
    this.focusIndex = this.open;
    this.open = -1;
    void this.updateComplete.then(() => (this.focusIndex = -1));
  }

  override willUpdate() {
    if (!this.app.unlocked) return;
    this.app.album = this.app.albumToOpen;
    // The album's photos, newest first; re-read when the album or its photos change (version).
    const key = `${this.app.album} ${this.version}`;
    if (key !== this.#listed) {
      this.#listed = key;
      const next = sortItems(this.app.library.albumItems(this.app.album));
      if (!sameItems(next, this.items)) {
        // The viewer stays on its photo (or closes if it went).
        this.open = followOpen(this.items, next, this.open);
        this.items = next;
      }
    }
  }
  #listed = '';

  override render() {
    const photos = this.app.photos;
    this.app.album = this.app.albumToOpen;
    if (!this.app.album) {
      return html`<section class="card" id="no-album"><h2>Almost there</h2>
        <p>Ask a family member to share the albums with you: on their Family page, you both read the safety words of your name aloud, and if they match, they press Share.</p>
        <p>Or start an album of your own: <button id="new-album" @click=${this.#newAlbum}>New album</button></p></section>${this.#dialog()}`;
    }
    const items = this.items;
    const album = photos.album(this.app.album);
    const item = items[this.open];
    return html`
      <div class="row">
        <h2 id="album-name">${album?.name ?? 'Photos'}</h2><span class="muted" id="count">${count(items.length, 'photo')}</span>
        ${photos.albumIds.length > 1 ? html`<select id="album" aria-label="Album" @change=${(e: Event) => { this.app.album = (e.target as HTMLSelectElement).value; this.addError = ''; this.open = -1; this.cache.clear(); this.version++; }}>
          ${photos.albumIds.map((a) => html`<option value=${a} ?selected=${a === this.app.album}>${photos.album(a)?.name ?? a}</option>`)}
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
        ${SHARE_HINT ? html`<p class="muted" id=${SHARE_HINT.id}>${SHARE_HINT.text}</p>` : ''}
        ${this.addError ? html`<p class="error" role="alert" id="add-error">${this.addError}</p>` : ''}
        <fv-upload-panel .queue=${this.app.uploads} .state=${this.queue} .progress=${this.progress} .album=${this.app.album}
          .albumName=${(id: string) => photos.album(id)?.name ?? 'another album'}></fv-upload-panel>
      </div>
      ${items.length ? '' : html`<p class="muted" id="album-empty">No photos in this album yet.</p>`}
      <fv-timeline class="album" ?hidden=${!items.length} .items=${items} .cache=${this.cache} .focusIndex=${this.focusIndex} data-version=${this.version}
        @open-photo=${(e: CustomEvent<number>) => { this.coverNote = ''; this.open = e.detail; }}></fv-timeline>
      ${item ? html`<fv-viewer .source=${librarySource(photos, items, this.cache)} .index=${this.open} ?canDelete=${photos.mayRemove(item)} ?inert=${this.asking !== undefined}
          @index=${(e: CustomEvent<number>) => { this.coverNote = ''; this.open = e.detail; this.renderRoot.querySelector('fv-timeline')?.reveal(e.detail); }}
          @close=${() => this.#closeViewer()}
          @delete=${() => (this.asking = 'delete')}>
        ${this.app.canWrite(this.app.album) ? html`<button slot="actions" class="quiet" id="viewer-cover" ?disabled=${album?.cover === item.photo}
          @click=${() => void this.#setCover(item.photo)}>${album?.cover === item.photo ? 'The album cover' : 'Use as album cover'}</button>` : ''}
        ${this.coverNote ? html`<span slot="actions" role="alert" class="error">${this.coverNote}</span>` : ''}
      </fv-viewer>` : ''}
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
      const name = this.app.photos.album(this.app.album)?.name ?? 'this album';
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
