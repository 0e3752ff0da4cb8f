import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ThumbCache } from './thumb-cache.ts';

/**
 * A virtualised thumbnail grid: only the rows in view (plus a margin) exist in the DOM, so it
 * scrolls smoothly at 10,000+ photos. Emits `open-photo` with the photo id.
 */
@customElement('fv-grid')
export class FvGrid extends LitElement {
  @property({ attribute: false }) ids: string[] = [];
  @property({ attribute: false }) cache!: ThumbCache;
  @state() private first = 0;
  @state() private last = 0;
  @state() private cols = 4;
  @state() private tick = 0;
  private cell = 120;
  private resize = new ResizeObserver(() => this.#measure());

  static override styles = css`
    :host { display: block; height: 70vh; overflow-y: auto; contain: strict; position: relative; }
    .spacer { position: relative; width: 100%; }
    button.cell { position: absolute; padding: 0; border: 0; background: var(--fv-cell, #e4ded3); border-radius: 0.3rem; overflow: hidden; cursor: pointer; }
    button.cell:focus-visible { outline: 3px solid var(--fv-focus, #2f5d50); outline-offset: -3px; }
    img { width: 100%; height: 100%; object-fit: cover; display: block; }
    .pending { display: flex; align-items: center; justify-content: center; height: 100%; font-size: 0.75rem; color: var(--fv-muted, #555e59); }
  `;

  override connectedCallback() {
    super.connectedCallback();
    this.resize.observe(this);
    this.addEventListener('scroll', this.#onScroll, { passive: true });
  }
  override disconnectedCallback() {
    this.resize.disconnect();
    this.removeEventListener('scroll', this.#onScroll);
    super.disconnectedCallback();
  }

  #measure() {
    const w = this.clientWidth || 480;
    this.cols = Math.max(3, Math.floor(w / 130));
    this.cell = Math.floor(w / this.cols);
    this.#onScroll();
  }

  #onScroll = () => {
    const rows = Math.ceil(this.ids.length / this.cols);
    const top = Math.floor(this.scrollTop / this.cell);
    const visible = Math.ceil((this.clientHeight || 600) / this.cell);
    const first = Math.max(0, top - 2) * this.cols;
    const last = Math.min(rows, top + visible + 2) * this.cols;
    if (first !== this.first || last !== this.last) {
      this.first = first;
      this.last = last;
    }
  };

  override updated(changed: Map<string, unknown>) {
    if (changed.has('ids')) this.#onScroll();
  }

  override render() {
    const rows = Math.ceil(this.ids.length / this.cols);
    const slice = this.ids.slice(this.first, Math.max(this.last, this.first + this.cols * 8));
    return html`<div class="spacer" style="height:${rows * this.cell}px" role="list" aria-label="Photos in this album">
      ${slice.map((id, k) => {
        const i = this.first + k;
        const url = this.cache.peek(id);
        if (!url) void this.cache.get(id).then((u) => u && this.tick++);
        const style = `top:${Math.floor(i / this.cols) * this.cell + 2}px;left:${(i % this.cols) * this.cell + 2}px;width:${this.cell - 4}px;height:${this.cell - 4}px`;
        // Each cell in a listitem (a list holds only items); the wrapper is static, so the button is placed by .spacer.
        return html`<div role="listitem"><button class="cell" style=${style} data-id=${id} aria-label="Photo ${i + 1}"
            @click=${() => this.dispatchEvent(new CustomEvent('open-photo', { detail: id, bubbles: true, composed: true }))}>
          ${url ? html`<img src=${url} alt="" loading="lazy" decoding="async" />` : html`<span class="pending">syncing…</span>`}
        </button></div>`;
      })}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-grid': FvGrid }
}
