import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import type { LibraryItem } from '../../vault/library.ts';
import { shared } from '../styles.ts';
import { ThumbCache } from '../thumb-cache.ts';
import { librarySource } from '../viewer/library-source.ts';
import './fv-timeline.ts';
import { followOpen, sameItems, sortItems } from './layout.ts';
import '../viewer/fv-viewer.ts';
import '../common/fv-dialog.ts';
import '../albums/fv-album-picker.ts';
import { count } from '../common/count.ts';
import { TRASH_DAYS } from '../../vault/trash.ts';

/** While objects arrive (a restore), the photo list is read again at most this often. */
const OBJECT_RELIST_MS = 5_000;

/**
 * "Photos": the family's timeline across every album this member can read, and the viewer over
 * it. Empty states say what to do next (add photos, or wait for someone to share albums).
 */
@customElement('fv-timeline-screen')
export class FvTimelineScreen extends LitElement {
  @property({ attribute: false }) app!: AppController;
  @state() items: LibraryItem[] = [];
  @state() open = -1;
  @state() focusIndex = -1;
  @state() asking: 'delete' | 'delete-selected' | 'add-to' | undefined;
  /** What the last action did ("2 photos added to Garden"). */
  @state() note = '';
  /** Keys of the selected photos, and where a Shift range starts. */
  @state() selected = new Set<string>();
  #anchor = -1;
  @state() busy = '';
  @state() error = '';
  cache = new ThumbCache((key) => this.app.photos.thumbnail(key));
  #offs: Array<() => void> = [];
  #pending: { at: number; timer: ReturnType<typeof setTimeout> } | undefined;

  /** The height of what lies over the timeline's bottom (toolbar, messages): the timeline ends that much lower. */
  @state() dockHeight = 0;
  #dock: Element | null = null;
  readonly #dockSize = new ResizeObserver(([e]) => (this.dockHeight = e ? Math.ceil(e.borderBoxSize[0]?.blockSize ?? 0) : 0));

  /*
   * The selection toolbar and the messages of its actions lie over the bottom of the timeline
   * (the dock) instead of taking a place above it: when a long press shows the toolbar, the
   * photo under the finger stays where it is. Above the tabs at phone size; at the window's
   * bottom in a desktop window (tabs at the top), clear of a phone's home indicator.
   */
  static override styles = [shared, css`
    :host { display: flex; flex-direction: column; height: 100%; min-height: 0; position: relative; }
    fv-timeline { flex: 1; min-height: 0; }
    .head { display: flex; align-items: baseline; gap: 0.5rem; padding: 0 0.5rem; }
    h2 { margin: 0.25rem 0; font-size: 1.2rem; }
    .dock { position: absolute; left: 0; right: 0; bottom: 0; z-index: 3; display: flex; flex-direction: column; align-items: center; gap: 0.25rem;
      padding: 0 max(0.25rem, env(safe-area-inset-right)) 0.5rem max(0.25rem, env(safe-area-inset-left)); pointer-events: none; }
    .dock:empty { display: none; }
    .dock > * { pointer-events: auto; width: 100%; max-width: 40rem; box-sizing: border-box; margin: 0; padding: 0.4rem 0.75rem;
      background: var(--fv-surface); border-radius: 0.8rem; box-shadow: 0 2px 10px rgb(0 0 0 / 0.25); }
    .selbar { display: flex; flex-wrap: wrap; gap: 0.4rem 0.5rem; align-items: center; padding: 0.4rem; background: #e7efe9; }
    .selbar .count { font-weight: 700; flex: 1; min-width: 6rem; margin: 0 0.25rem; }
    .selbar .actions { display: flex; flex-wrap: wrap; gap: 0.4rem; }
    .selbar .actions button { flex: 1 1 auto; padding: 0.5rem; white-space: nowrap; }
    /* At phone size the actions take a row of their own, under Cancel and the count: two rows, not three. */
    @media (max-width: 47.99rem) { .selbar .actions { flex: 1 1 100%; } .selbar .actions button { font-size: 0.9rem; } }
    @media (min-width: 48rem) { .dock { padding-bottom: max(0.5rem, env(safe-area-inset-bottom)); } }
    @media (prefers-color-scheme: dark) { .selbar { background: #26302c; } }
  `];

  /** The ARIA toolbar's arrow keys: Left/Right (and Home/End) move between its buttons; Escape ends the selection. */
  #toolbarKey(e: KeyboardEvent) {
    if (e.key === 'Escape') return this.#clearSelection();
    const buttons = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLButtonElement>('button:not(:disabled)')];
    const at = buttons.indexOf(e.target as HTMLButtonElement);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[e.key];
    if (at < 0 || to === undefined) return;
    e.preventDefault();
    buttons[(to + buttons.length) % buttons.length]?.focus();
  }

  override connectedCallback() {
    super.connectedCallback();
    this.#offs.push(
      this.app.on('changed', () => this.#refresh()),
      // An arrival changes no cell's place: the cells in view ask again for what they lack, and
      // the list is read again only now and then (dates that metadata brought).
      this.app.on('arrived', () => {
        this.renderRoot.querySelector('fv-timeline')?.redraw();
        this.#refresh(OBJECT_RELIST_MS);
      }),
      this.app.library.on('dates', () => this.#refresh()),
    );
    this.#refresh();
  }
  override updated() {
    const dock = this.renderRoot.querySelector('.dock');
    if (dock === this.#dock) return;
    if (this.#dock) this.#dockSize.unobserve(this.#dock);
    if (dock) this.#dockSize.observe(dock);
    else this.dockHeight = 0;
    this.#dock = dock;
  }
  override disconnectedCallback() {
    this.#dockSize.disconnect();
    this.#dock = null;
    this.#offs.forEach((f) => f());
    if (this.#pending) clearTimeout(this.#pending.timer);
    this.#pending = undefined;
    this.cache.clear();
    super.disconnectedCallback();
  }

  /**
   * Coalesces bursts of changes (a sync delivers ops in batches) into one re-sort per frame, and
   * while changes keep coming, at most one per four times the last re-sort's cost: re-listing
   * 10,000 photos at every frame of a restore took most of the main thread from the sync itself.
   */
  #refresh(atLeastMs = 0) {
    const at = Math.max(performance.now(), this.#lastRefresh.at + Math.max(atLeastMs, 4 * this.#lastRefresh.ms));
    // One pending at a time; a sooner one (a photo op behind an arrival's slow re-list) replaces it.
    if (this.#pending && this.#pending.at <= at) return;
    if (this.#pending) clearTimeout(this.#pending.timer);
    const timer = setTimeout(() => requestAnimationFrame(() => {
      this.#pending = undefined;
      void this.#list();
    }), at - performance.now());
    this.#pending = { at, timer };
  }
  #lastRefresh = { at: 0, ms: 0 };
  /** A listing is under way; another is due when it ends; bumped by a list set at once (#setList). */
  #listing = false;
  #listAgain = false;
  #listGen = 0;

  /**
   * Reads and sorts the list, a few thousand photos per task (100,000 at once: a 150 ms task).
   * Changes during a listing make one more when it ends (one listing started per change would
   * drop the one under way, and under a stream of changes none would ever finish).
   */
  async #list() {
    if (this.#listing) {
      this.#listAgain = true;
      return;
    }
    this.#listing = true;
    try {
      do {
        this.#listAgain = false;
        if (!this.app.unlocked) return;
        const gen = this.#listGen;
        const t0 = performance.now();
        const listed = await this.app.library.itemsInSlices();
        if (!this.app.unlocked) return;
        // A list set meanwhile (a photo moved to the trash) is newer than this one: list again.
        if (gen !== this.#listGen) {
          this.#listAgain = true;
          continue;
        }
        this.#setList(sortItems(listed));
        // The render the new list causes counts too: measured once it is done.
        void this.updateComplete.then(() => {
          const done = performance.now();
          this.#lastRefresh = { at: done, ms: done - t0 };
        });
      } while (this.#listAgain);
    } finally {
      this.#listing = false;
    }
  }

  #setList(items: LibraryItem[]) {
    this.#listGen++;
    if (sameItems(items, this.items)) return;
    // The viewer stays on its photo (or closes if it went).
    this.open = followOpen(this.items, items, this.open);
    this.items = items;
  }

  #onSelect(index: number, range: boolean) {
    const next = new Set(this.selected);
    if (range && this.#anchor >= 0) {
      const [a, b] = this.#anchor < index ? [this.#anchor, index] : [index, this.#anchor];
      for (let i = a; i <= Math.min(b, this.items.length - 1); i++) next.add(this.items[i]!.key);
    } else {
      const key = this.items[index]?.key;
      if (key === undefined) return;
      if (next.has(key)) next.delete(key);
      else next.add(key);
      this.#anchor = index;
    }
    this.selected = next;
  }

  #clearSelection() {
    this.selected = new Set();
    this.#anchor = -1;
  }

  #chosen(): LibraryItem[] {
    return this.items.filter((i) => this.selected.has(i.key));
  }

  /**
   * The originals of the selection as one zip, each under its own name (a second "IMG_1.jpg"
   * becomes "IMG_1 (2).jpg"), streamed to the download as it is made (vault/media/zip-download.ts).
   */
  async #download() {
    const chosen = this.#chosen();
    this.error = '';
    try {
      await this.app.photos.downloadZip(chosen, `Family Vault, ${count(chosen.length, 'photo')}.zip`, (i, n) => {
        this.busy = `Preparing the download: ${i + 1} of ${n}…`;
      });
      this.busy = '';
    } catch (e) {
      this.busy = '';
      this.error = `The download could not be made: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  async #deleteSelected() {
    this.asking = undefined;
    const chosen = this.#chosen();
    try {
      this.busy = `Moving ${count(chosen.length, 'photo')} to the trash…`;
      await this.app.photos.moveToTrashEverywhere(chosen);
      this.#clearSelection();
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.busy = '';
  }

  /** Adds the selection to an album (a new one if named): no upload, the same encrypted objects. */
  async #addTo(to: { album: string } | { name: string }) {
    this.asking = undefined;
    const chosen = this.#chosen();
    this.error = '';
    this.note = '';
    try {
      this.busy = `Adding ${count(chosen.length, 'photo')}…`;
      const { added: n, albumName } = await this.app.photos.addToAlbum(to, chosen);
      const name = albumName ?? 'the album';
      this.note = n === 0 ? `Already in ${name}.` : `${count(n, 'photo')} added to ${name}.`;
      this.#clearSelection();
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.busy = '';
  }

  async #delete() {
    this.asking = undefined;
    const at = this.open;
    const item = this.items[at];
    if (!item) return;
    try {
      await this.app.photos.moveToTrashEverywhere([item]);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return;
    }
    // The viewer keeps what it decrypted by position: a fresh one opens on the photo that took
    // this one's place (else it would go on showing the photo just moved to the trash).
    this.open = -1;
    this.#setList(sortItems(this.app.library.items()));
    await this.updateComplete;
    this.open = this.items.length ? Math.min(at, this.items.length - 1) : -1;
  }

  override render() {
    const photos = this.app.photos;
    if (!photos.albumIds.length) {
      return html`<section class="card" id="timeline-empty"><h2>Waiting for your family</h2>
        <p>Nobody has shared an album with you yet. Ask a family member to open <b>Family</b> on their phone, compare the safety words next to your name with the ones on your screen, and press <b>Share albums</b>.</p>
        <p>Or start an album of your own under <b>Albums</b>.</p></section>`;
    }
    if (!this.items.length) {
      const go = (tab: string) => this.dispatchEvent(new CustomEvent('go-tab', { detail: tab, bubbles: true, composed: true }));
      return html`<section class="card" id="timeline-empty"><h2>No photos yet</h2>
        <p>Open <b>Albums</b>, choose an album and press <b>Add photos</b>. They are encrypted on this device before they go anywhere.</p>
        <p class="row"><button id="start-add" @click=${() => go('albums')}>Add photos</button></p></section>
        ${this.app.canWrite('') ? html`<section class="card" id="next-steps"><h2>Next steps</h2>
          <p><b>Invite your family</b>: each person gets a link or a QR code that works once. <b>Set up a home</b>: a small computer at home that keeps an encrypted copy of every photo, so nothing is lost with a phone. Both are under <b>Family</b>, whenever you are ready.</p>
          <p class="row"><button class="quiet" id="start-invite" @click=${() => go('members')}>Invite your family</button>
          <button class="quiet" id="start-home" @click=${() => go('members')}>Set up a home</button></p></section>` : ''}`;
    }
    const item = this.items[this.open];
    return html`
      <div class="head"><h2 id="timeline-title">Photos</h2><span class="muted" id="timeline-count" role="status">${photos.restoring ? 'the newest photos; reading the rest of your library…' : count(this.items.length, 'photo')}</span></div>
      <div class="dock">${this.busy ? html`<p role="status" class="muted" id="selection-busy">${this.busy}</p>` : ''}${this.error ? html`<p role="alert" class="error" id="selection-error">${this.error}</p>` : ''}${this.note ? html`<p role="status" class="muted" id="selection-note">${this.note}</p>` : ''}${this.selected.size ? html`<div class="selbar" role="toolbar" aria-label="Selected photos" @keydown=${(e: KeyboardEvent) => this.#toolbarKey(e)}>
          <button class="quiet" id="selection-clear" @click=${() => this.#clearSelection()}>Cancel</button>
          <h2 class="count" id="selection-count" aria-live="polite">${this.selected.size} selected</h2>
          <div class="actions">
            <button id="selection-download" ?disabled=${!!this.busy} @click=${() => void this.#download()}>Download</button>
            ${this.app.canWrite('') ? html`<button id="selection-add" ?disabled=${!!this.busy} @click=${() => (this.asking = 'add-to')}>Add to album…</button>` : ''}
            ${this.#chosen().every((i) => photos.mayRemove(i)) ? html`<button class="danger" id="selection-delete" ?disabled=${!!this.busy} @click=${() => (this.asking = 'delete-selected')}>Delete</button>` : ''}
          </div>
        </div>` : ''}</div>
      <fv-timeline .items=${this.items} .cache=${this.cache} .focusIndex=${this.focusIndex} .selected=${this.selected} .endInset=${this.dockHeight}
        @open-photo=${(e: CustomEvent<number>) => (this.open = e.detail)}
        @select-photo=${(e: CustomEvent<{ index: number; range: boolean }>) => this.#onSelect(e.detail.index, e.detail.range)}
        @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && this.#clearSelection()}></fv-timeline>
      ${item ? html`<fv-viewer .source=${librarySource(photos, this.items, this.cache)} .index=${this.open} ?canDelete=${photos.mayRemove(item)} ?inert=${this.asking !== undefined}
        @index=${(e: CustomEvent<number>) => { this.open = e.detail; this.renderRoot.querySelector('fv-timeline')?.reveal(e.detail); }}
        @close=${() => {
          this.focusIndex = this.open;
          this.open = -1;
          void this.updateComplete.then(() => (this.focusIndex = -1)); // set each time: the timeline clears it once used
        }}
        @delete=${() => (this.asking = 'delete')}></fv-viewer>` : ''}
      ${this.asking === 'delete-selected' ? html`<fv-dialog heading=${`Delete ${count(this.selected.size, 'photo')}?`} text=${`They move to the trash for the whole family, on every device. Restore them from Trash (under Albums) within ${TRASH_DAYS} days; after that they are removed for good.`} action="Move to trash" danger
        @answer=${() => void this.#deleteSelected()} @cancel=${() => (this.asking = undefined)}></fv-dialog>` : ''}
      ${this.asking === 'add-to' ? html`<fv-album-picker heading=${`Add ${count(this.selected.size, 'photo')} to an album`}
        .albums=${this.app.library.albums().filter((a) => this.app.canWrite(a.id))}
        @pick=${(e: CustomEvent<{ album: string } | { name: string }>) => void this.#addTo(e.detail)} @cancel=${() => (this.asking = undefined)}></fv-album-picker>` : ''}
      ${this.asking === 'delete' ? html`<fv-dialog heading="Delete this photo?" text=${`It moves to the trash for the whole family, on every device. Restore it from Trash (under Albums) within ${TRASH_DAYS} days; after that it is removed for good.`} action="Move to trash" danger
        @answer=${() => void this.#delete()} @cancel=${() => (this.asking = undefined)}></fv-dialog>` : ''}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-timeline-screen': FvTimelineScreen }
}
