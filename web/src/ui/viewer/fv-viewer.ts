import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles.ts';
import { trapTab } from '../common/modal.ts';
import type { InfoRow } from './photo-info.ts';

/** What the viewer shows of one photo; the screen that opens it provides them. */
export interface ViewerSource {
  count: number;
  /** The decrypted thumbnail's object URL (owned by the thumbnail cache). */
  thumb(index: number): Promise<string | undefined>;
  /** The decrypted original; the viewer owns (and revokes) the URL it makes of it. */
  original(index: number): Promise<File>;
  /**
   * A video as a stream (decrypted chunk by chunk as the player reads), or undefined when the
   * item is not a video or this page cannot stream (then `original` is used).
   */
  stream?(index: number): Promise<{ url: string; name: string; type: string; release(): void } | undefined>;
  /** Rows of the info panel: label, value, and what to add to the value once the panel shows it. */
  info(index: number): Promise<InfoRow[]>;
}

interface Shown {
  index: number;
  name?: string;
  type?: string;
  /** The original's object URL (or the stream's URL for a streamed video). */
  url?: string;
  file?: File;
  /** What the <img> shows when it is not the original (a HEIC decoded to JPEG). */
  displayUrl?: string;
  /** Ends a streamed video. */
  release?(): void;
  error?: string;
}

function dispose(s: Shown): void {
  if (s.release) s.release();
  else if (s.url) URL.revokeObjectURL(s.url);
  if (s.displayUrl) URL.revokeObjectURL(s.displayUrl);
}

const ZOOM_MAX = 6;

/**
 * The full-screen viewer: the thumbnail at once, then the original; previous / next by button,
 * arrow key or swipe; zoom by wheel, pinch, double-click or +/−; an info panel; the original
 * downloaded under its own name; videos play where the browser can, and say so where it cannot.
 * Modal (focus stays inside, Escape closes). Fires `index` (detail: the new index), `close`,
 * and `delete` (detail: the index).
 */
@customElement('fv-viewer')
export class FvViewer extends LitElement {
  @property({ attribute: false }) source!: ViewerSource;
  @property({ type: Number }) index = 0;
  @property({ type: Boolean }) canDelete = false;
  @state() private shown: Shown | undefined;
  @state() private thumbUrl: string | undefined;
  @state() private infoRows: InfoRow[] = [];
  /** What the rows' `more` added (the place name), by row; asked once per rows, when the panel shows them. */
  @state() private infoMore: Array<string | undefined> = [];
  #moreFor: InfoRow[] | undefined;
  @state() private infoOpen = false;
  @state() private zoom = 1;
  @state() private pan = { x: 0, y: 0 };
  @state() private videoError = '';
  /** Originals decrypted for the current photo and its neighbours, by index. */
  readonly #files = new Map<number, Promise<Shown>>();
  readonly #pointers = new Map<number, { x: number; y: number }>();
  /**
   * The gesture under way: where it (or its latest finger) started, the fingers' distance then,
   * zoom and pan then; `pinched` once two fingers took part (then it never goes to a neighbour).
   */
  #gesture: { x: number; y: number; dist: number; zoom: number; pan: { x: number; y: number }; moved: boolean; pinched: boolean } | undefined;
  #returnFocus: HTMLElement | null = null;

  static override styles = [shared, css`
    :host { position: fixed; inset: 0; z-index: 10; background: #000; color: #fff; display: flex; flex-direction: column; }
    .stage { flex: 1; min-height: 0; position: relative; overflow: hidden; touch-action: none; display: grid; place-items: center; }
    .stage img, .stage video { max-width: 100%; max-height: 100%; object-fit: contain; transform-origin: center; user-select: none; -webkit-user-drag: none; }
    .bar { display: flex; gap: 0.5rem; align-items: center; padding: 0.5rem; flex-wrap: wrap; background: rgb(0 0 0 / 0.6); }
    .bar .grow { flex: 1; min-width: 4rem; font-size: 0.9rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    button.nav { position: absolute; top: 50%; transform: translateY(-50%); background: rgb(0 0 0 / 0.45); font-size: 1.5rem; min-width: 3rem; z-index: 1; }
    button.prev { left: 0.25rem; } button.next { right: 0.25rem; }
    button.quiet, a.button { background: rgb(255 255 255 / 0.15); color: #fff; }
    aside { background: #1b1f1d; padding: 0.75rem 1rem; max-height: 40vh; overflow-y: auto; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 1rem; margin: 0; }
    dt { color: #b8c2bd; } dd { margin: 0; overflow-wrap: anywhere; }
    .note { padding: 1rem; text-align: center; max-width: 30rem; }
    @media (prefers-reduced-motion: no-preference) { .stage img { transition: transform 0.12s ease-out; } .stage img.dragging { transition: none; } }
  `];

  override connectedCallback() {
    super.connectedCallback();
    this.#returnFocus = (document.activeElement as HTMLElement | null) ?? null;
    document.documentElement.style.overflow = 'hidden';
    this.setAttribute('role', 'dialog');
    this.setAttribute('aria-modal', 'true');
    // On the window, not the element: when what had focus goes (a control re-rendered away, a
    // download started), focus falls to <body>, and Escape and the arrows must still work.
    addEventListener('keydown', this.#keydown);
  }
  override disconnectedCallback() {
    document.documentElement.style.overflow = '';
    removeEventListener('keydown', this.#keydown);
    for (const p of this.#files.values()) void p.then(dispose);
    this.#files.clear();
    super.disconnectedCallback();
    this.#returnFocus?.focus?.();
  }

  override updated() {
    const name = this.shown?.name;
    this.setAttribute('aria-label', name ? `Photo ${name}` : 'Photo');
  }

  override firstUpdated() {
    this.renderRoot.querySelector<HTMLButtonElement>('#viewer-close')?.focus();
  }

  override willUpdate(changed: Map<string, unknown>) {
    // Another list: what was decrypted is kept by position, and a position may now be another photo.
    if (changed.has('source') && changed.get('source') !== undefined) {
      for (const p of this.#files.values()) void p.then(dispose);
      this.#files.clear();
    }
    if (changed.has('index') || changed.has('source')) void this.#load(this.index);
    if (this.infoOpen && this.infoRows !== this.#moreFor) this.#loadMore(this.infoRows);
  }

  /** Asks the rows for what they add once shown (the place name: a download of its own). */
  #loadMore(rows: InfoRow[]) {
    this.#moreFor = rows;
    this.infoMore = [];
    rows.forEach(([label, , more], r) => {
      if (!more) return;
      more().then((v) => {
        if (this.infoRows !== rows) return;
        const next = [...this.infoMore];
        next[r] = v;
        this.infoMore = next;
      }, (e: unknown) => console.warn(`viewer: no ${label.toLowerCase()} name (${e instanceof Error ? e.message : String(e)})`));
    });
  }

  #decrypt(i: number): Promise<Shown> {
    let p = this.#files.get(i);
    if (!p) {
      const whole = () => this.source.original(i).then(async (file): Promise<Shown> => {
        const shown: Shown = { index: i, file, name: file.name, type: file.type, url: URL.createObjectURL(file) };
        if (/heic|heif/i.test(file.type)) {
          // Decoded in a worker loaded only now; the preview shows until it is ready.
          try {
            const { heicForDisplay } = await import('./heic-display.ts');
            shown.displayUrl = URL.createObjectURL(await heicForDisplay(file));
          } catch (e) {
            shown.error = `This HEIC could not be decoded here (${e instanceof Error ? e.message : String(e)}): the preview is shown. Download the original to open it.`;
          }
        }
        return shown;
      });
      p = (this.source.stream ? this.source.stream(i) : Promise.resolve(undefined)).then(
        (st) => (st ? { index: i, name: st.name, type: st.type, url: st.url, release: st.release } : whole()),
      ).catch((e: unknown) => ({ index: i, error: e instanceof Error ? e.message : String(e) }));
      this.#files.set(i, p);
    }
    return p;
  }

  async #load(i: number) {
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.videoError = '';
    this.shown = { index: i };
    this.thumbUrl = undefined;
    void this.source.thumb(i).then((u) => { if (this.index === i) this.thumbUrl = u; });
    void this.source.info(i).then((rows) => { if (this.index === i) this.infoRows = rows; });
    const s = await this.#decrypt(i);
    if (this.index !== i) return;
    this.shown = s;
    // Keep the neighbours ready (images only: a video is decrypted when it is opened).
    for (const [k, p] of this.#files) {
      if (Math.abs(k - i) > 1) {
        this.#files.delete(k);
        void p.then(dispose);
      }
    }
    // A neighbour that is a video only registers its stream (nothing is decrypted until it plays);
    // a whole video decrypted ahead (no service worker to stream it) is not kept for later.
    for (const n of [i + 1, i - 1]) {
      if (n >= 0 && n < this.source.count) {
        const p = this.#decrypt(n);
        void p.then((x) => {
          if (!x.release && x.type?.startsWith('video/') && this.index !== n && this.#files.get(n) === p) {
            this.#files.delete(n);
            dispose(x);
          }
        });
      }
    }
  }

  go(delta: number) {
    const next = this.index + delta;
    if (next < 0 || next >= this.source.count) return;
    this.dispatchEvent(new CustomEvent('index', { detail: next }));
  }

  #close() {
    this.dispatchEvent(new CustomEvent('close'));
  }

  #setZoom(z: number, around?: { x: number; y: number }) {
    const zoom = Math.min(ZOOM_MAX, Math.max(1, z));
    if (zoom === 1) this.pan = { x: 0, y: 0 };
    else if (around) {
      // Keep the point under the cursor where it is.
      const k = zoom / this.zoom;
      this.pan = { x: around.x - (around.x - this.pan.x) * k, y: around.y - (around.y - this.pan.y) * k };
    }
    this.zoom = zoom;
  }

  #stagePoint(e: { clientX: number; clientY: number }) {
    const r = (this.renderRoot.querySelector('.stage') as HTMLElement).getBoundingClientRect();
    return { x: e.clientX - r.left - r.width / 2, y: e.clientY - r.top - r.height / 2 };
  }

  #keydown = (e: KeyboardEvent) => {
    // Keys for the viewer: from inside it, or from nowhere (focus on <body>); not from a dialog above it.
    // Inert while its screen asks a question (Delete this photo?): a key must not move the viewer
    // to another photo than the one the question is about. Shortcuts of the browser pass.
    const from = e.composedPath()[0];
    if (this.inert || e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
    if (!(e.composedPath().includes(this) || from === document.body || from === document.documentElement)) return;
    if (e.key === 'Escape') { e.preventDefault(); return this.#close(); }
    if (e.key === 'ArrowRight') { e.preventDefault(); return this.go(1); }
    if (e.key === 'ArrowLeft') { e.preventDefault(); return this.go(-1); }
    if (e.key === '+' || e.key === '=') return this.#setZoom(this.zoom * 1.5);
    if (e.key === '-') return this.#setZoom(this.zoom / 1.5);
    if (e.key === 'i') { this.infoOpen = !this.infoOpen; return; }
    if (e.key === 'Tab') trapTab(e, this.renderRoot as ShadowRoot, 'button, a[href], video[controls]');
  };

  #wheel = (e: WheelEvent) => {
    e.preventDefault();
    this.#setZoom(this.zoom * (e.deltaY < 0 ? 1.25 : 0.8), this.#stagePoint(e));
  };

  #down = (e: PointerEvent) => {
    if ((e.target as HTMLElement).closest('button, video')) return;
    try {
      (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    } catch {
      // A pointer the browser no longer tracks (it ended already): the gesture works uncaptured.
    }
    this.#pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const pts = [...this.#pointers.values()];
    const dist = pts.length === 2 ? Math.hypot(pts[0]!.x - pts[1]!.x, pts[0]!.y - pts[1]!.y) : 0;
    const pinched = pts.length > 1 || !!this.#gesture?.pinched;
    this.#gesture = { x: e.clientX, y: e.clientY, dist, zoom: this.zoom, pan: { ...this.pan }, moved: !!this.#gesture?.moved, pinched };
  };

  #move = (e: PointerEvent) => {
    const g = this.#gesture;
    if (!g || !this.#pointers.has(e.pointerId)) return;
    this.#pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const pts = [...this.#pointers.values()];
    if (pts.length === 2 && g.dist > 0) {
      const d = Math.hypot(pts[0]!.x - pts[1]!.x, pts[0]!.y - pts[1]!.y);
      this.#setZoom(g.zoom * (d / g.dist));
      g.moved = true;
      return;
    }
    const dx = e.clientX - g.x;
    const dy = e.clientY - g.y;
    if (Math.abs(dx) + Math.abs(dy) > 8) g.moved = true;
    if (this.zoom > 1) this.pan = { x: g.pan.x + dx, y: g.pan.y + dy };
  };

  #up = (e: PointerEvent) => {
    const g = this.#gesture;
    this.#pointers.delete(e.pointerId);
    if (!g) return;
    const left = [...this.#pointers.values()];
    if (left.length > 0) {
      // One finger of a pinch lifted: the other pans from where it is now (no jump), and the
      // gesture stays a pinch. Measured from the second finger's start, the last finger's way
      // back was taken for a swipe and the viewer left the photo when pinched back to its size.
      this.#gesture = { ...g, x: left[0]!.x, y: left[0]!.y, dist: 0, zoom: this.zoom, pan: { ...this.pan } };
      return;
    }
    this.#gesture = undefined;
    this.requestUpdate(); // the image eases again (no 'dragging' class)
    const dx = e.clientX - g.x;
    // A horizontal swipe of one finger at normal size moves to the neighbour.
    if (this.zoom === 1 && !g.pinched && g.moved && Math.abs(dx) > 60 && Math.abs(dx) > Math.abs(e.clientY - g.y)) this.go(dx < 0 ? 1 : -1);
  };

  /**
   * Double-click or double-tap: zoom in at that point, or back to normal size. On the stage, not
   * the image: the stage captures the pointer, so a mouse's clicks are the stage's (the image's
   * own listener never heard a mouse double-click).
   */
  #dblclick = (e: MouseEvent) => {
    if ((e.target as HTMLElement).closest('button, video, .note')) return;
    this.#setZoom(this.zoom > 1 ? 1 : 2.5, this.#stagePoint(e));
  };

  #media() {
    const s = this.shown;
    const name = s?.name ?? 'Photo';
    const type = s?.type ?? '';
    const transform = `transform: translate(${this.pan.x}px, ${this.pan.y}px) scale(${this.zoom})`;
    if (s?.url && type.startsWith('video/')) {
      if (this.videoError) return html`${this.thumbUrl ? html`<img src=${this.thumbUrl} alt=${name} />` : nothing}<p class="note" role="status" id="viewer-note">${this.videoError}</p>`;
      return html`<video id="viewer-video" controls playsinline src=${s.url!} aria-label=${name}
        @error=${() => (this.videoError = `This browser cannot play this video (${type}). Download it to watch it on this device.`)}></video>`;
    }
    const heic = /heic|heif/i.test(type);
    const displayable = !!s?.url && (!heic || !!s.displayUrl);
    const src = displayable ? (s!.displayUrl ?? s!.url) : this.thumbUrl;
    return html`${src ? html`<img id="viewer-img" src=${src} alt=${name} style=${transform} class=${this.#gesture ? 'dragging' : ''}
        draggable="false" />` : html`<p class="note">Decrypting…</p>`}
      ${s?.error ? html`<p class="note" role="alert" id="viewer-note">${s.error}</p>` : nothing}
      ${s?.url && !displayable && !s.error ? html`<p class="note" id="viewer-note">This browser cannot show ${type || 'this format'} at full size: the preview is shown. Download the original to open it.</p>` : nothing}`;
  }

  override render() {
    const s = this.shown;
    const n = this.source.count;
    const name = s?.name ?? '';
    // A streamed video downloads through the same stream (the service worker names the file).
    const download = s?.url && s.release ? `${s.url}?download` : s?.url;
    return html`
      <div class="bar">
        <button class="quiet" id="viewer-close" @click=${() => this.#close()} aria-label="Close">✕</button>
        <span class="grow" id="viewer-title">${name}</span>
        <span aria-live="polite" id="viewer-position">${this.index + 1} of ${n}</span>
      </div>
      <div class="stage" @wheel=${this.#wheel} @pointerdown=${this.#down} @pointermove=${this.#move} @pointerup=${this.#up} @pointercancel=${this.#up} @dblclick=${this.#dblclick}>
        ${this.index > 0 ? html`<button class="nav prev" id="viewer-prev" aria-label="Previous photo" @click=${() => this.go(-1)}>‹</button>` : nothing}
        ${this.#media()}
        ${this.index < n - 1 ? html`<button class="nav next" id="viewer-next" aria-label="Next photo" @click=${() => this.go(1)}>›</button>` : nothing}
      </div>
      ${this.infoOpen ? html`<aside id="viewer-info" aria-label="Photo details"><dl>${this.infoRows.map(([k, v], r) => html`<dt>${k}</dt><dd>${v}${this.infoMore[r] ? ` · ${this.infoMore[r]}` : ''}</dd>`)}</dl></aside>` : nothing}
      <div class="bar">
        <button class="quiet" id="viewer-zoom-out" aria-label="Zoom out" @click=${() => this.#setZoom(this.zoom / 1.5)} ?disabled=${this.zoom <= 1}>−</button>
        <button class="quiet" id="viewer-zoom-in" aria-label="Zoom in" @click=${() => this.#setZoom(this.zoom * 1.5)}>+</button>
        <button class="quiet" id="viewer-info-toggle" aria-expanded=${this.infoOpen ? 'true' : 'false'} @click=${() => (this.infoOpen = !this.infoOpen)}>Info</button>
        <span class="grow"></span>
        ${download ? html`<a class="button" id="viewer-download" href=${download} download=${name || 'photo'}
          @click=${(e: Event) => { if (s?.release) { e.preventDefault(); void import('../../vault/media/media-stream.ts').then((m) => m.saveStream(download)); } }}>Download</a>` : nothing}
        <slot name="actions"></slot>
        ${this.canDelete ? html`<button class="danger" id="viewer-delete" @click=${() => this.dispatchEvent(new CustomEvent('delete', { detail: this.index }))}>Delete</button>` : nothing}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-viewer': FvViewer }
}
