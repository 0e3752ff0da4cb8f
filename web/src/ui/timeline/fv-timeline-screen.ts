import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import type { LibraryItem } from '../../vault/library.ts';
import { shared } from '../styles.ts';
import { ThumbCache } from '../thumb-cache.ts';
import type { ViewerSource } from '../viewer/fv-viewer.ts';
import './fv-timeline.ts';
import { sortItems } from './layout.ts';
import { photoInfo } from '../viewer/photo-info.ts';
import '../viewer/fv-viewer.ts';
import '../fv-dialog.ts';

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
  @state() asking: 'delete' | undefined;
  cache = new ThumbCache((key) => {
    const [album, photo] = key.split('/') as [string, string];
    return this.app.session!.thumbnail(album, photo as never);
  });
  #offs: Array<() => void> = [];
  #pending = false;

  static override styles = [shared, css`
    :host { display: flex; flex-direction: column; height: 100%; min-height: 0; }
    fv-timeline { flex: 1; min-height: 0; }
    .head { display: flex; align-items: baseline; gap: 0.5rem; padding: 0 0.5rem; }
    h2 { margin: 0.25rem 0; font-size: 1.2rem; }
  `];

  override connectedCallback() {
    super.connectedCallback();
    const s = this.app.session!;
    this.#offs.push(
      s.on('changed', () => this.#refresh()),
      this.app.library.on('dates', () => this.#refresh()),
    );
    this.#refresh();
  }
  override disconnectedCallback() {
    this.#offs.forEach((f) => f());
    this.cache.clear();
    super.disconnectedCallback();
  }

  /** Coalesces bursts of changes (a sync delivers ops in batches) into one re-sort per frame. */
  #refresh() {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      if (this.app.session) this.items = sortItems(this.app.library.items());
    });
  }

  get #source(): ViewerSource {
    const items = this.items;
    const s = this.app.session!;
    return {
      count: items.length,
      thumb: (i) => this.cache.get(items[i]!.key),
      original: (i) => s.original(items[i]!.album, items[i]!.photo),
      info: (i) => photoInfo(s, items[i]!.album, items[i]!.photo),
    };
  }

  async #delete() {
    this.asking = undefined;
    const item = this.items[this.open];
    if (!item) return;
    await this.app.session!.removePhoto(item.album, item.photo);
    this.open = this.items.length > 1 ? Math.min(this.open, this.items.length - 2) : -1;
  }

  override render() {
    const s = this.app.session!;
    if (!s.albumIds.length) {
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
      <div class="head"><h2 id="timeline-title">Photos</h2><span class="muted" id="timeline-count">${this.items.length} photos</span></div>
      <fv-timeline .items=${this.items} .cache=${this.cache} .focusIndex=${this.focusIndex}
        @open-photo=${(e: CustomEvent<number>) => (this.open = e.detail)}></fv-timeline>
      ${item ? html`<fv-viewer .source=${this.#source} .index=${this.open} ?canDelete=${this.app.canWrite(item.album)}
        @index=${(e: CustomEvent<number>) => { this.open = e.detail; this.renderRoot.querySelector('fv-timeline')?.reveal(e.detail); }}
        @close=${() => { this.focusIndex = this.open; this.open = -1; }}
        @delete=${() => (this.asking = 'delete')}></fv-viewer>` : ''}
      ${this.asking === 'delete' ? html`<fv-dialog heading="Delete this photo?" text="It moves out of the album for the whole family, on every device and home." action="Delete" danger
        @answer=${() => void this.#delete()} @cancel=${() => (this.asking = undefined)}></fv-dialog>` : ''}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-timeline-screen': FvTimelineScreen }
}
