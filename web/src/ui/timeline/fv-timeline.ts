import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { thumbHashToAverageRGBA, thumbHashToDataURL } from 'thumbhash';
import { fromBase64Url } from '../../core/bytes.ts';
import type { ThumbCache } from '../thumb-cache.ts';
import {
  cellLabel, dayLabel, geometry, groupItems, layoutMonth, measure, monthLabel, monthsIn, yearMarks,
  type Cell, type Geometry, type Month, type TimelineItem,
} from './layout.ts';

/** How far beyond the viewport months and rows are laid out, px. */
const MARGIN = 800;
/**
 * Thumbnails being decrypted at once: a first screenful in one wave (each is a store read and a
 * worker round trip, mostly waiting), few enough that a jump does not wait long behind cells
 * scrolled past.
 */
const LOADS = 16;
/**
 * A fling: the view moving faster than this (px per ms, about three phone screens a second).
 * Its cells pass in a frame or two: they show their ThumbHash's average colour, and no
 * thumbnail is opened and no placeholder drawn for them until the scroll slows or stops.
 */
const FLING_PX_PER_MS = 3;
/** A fling is over when no scroll came for this long. */
const SETTLE_MS = 120;
/** ThumbHash placeholders drawn per frame (about 1.5 ms each here). */
const PLACEHOLDERS_PER_FRAME = 8;

/** One cell's elements, reused as the view moves: a 100,000-photo fling made and dropped a cell tree per photo, and the garbage came back as long GC pauses. */
interface CellEls {
  li: HTMLDivElement;
  button: HTMLButtonElement;
  img: HTMLImageElement;
  key: string;
  /** The date its label says (metadata may bring a photo's date later). */
  taken: number;
  index: number;
  box: string;
  src: string;
  picked: boolean | undefined;
}

/**
 * The timeline: every photo the member can read, newest first, in months and days with sticky
 * month headers and a scrubber of years. Virtualised by section heights (./layout.ts): only the
 * months near the viewport exist in the DOM, only their visible rows have cells, and thumbnails
 * are decrypted when their cell is laid out. `items` must be sorted (sortItems). Emits
 * `open-photo` with the item's index.
 */
@customElement('fv-timeline')
export class FvTimeline extends LitElement {
  @property({ attribute: false }) items: TimelineItem[] = [];
  @property({ attribute: false }) cache!: ThumbCache;
  /** Keys of the selected photos; while any is selected a click selects instead of opening. */
  @property({ attribute: false }) selected: ReadonlySet<string> = new Set();
  /** The item whose cell gets focus after a render (the viewer closed on it). */
  @property({ type: Number }) focusIndex = -1;
  /**
   * How much of the view's bottom something lies over (the selection toolbar), px: the timeline
   * ends that much lower, so its last row can still be scrolled clear of it.
   */
  @property({ type: Number }) endInset = 0;
  @state() private months: Month[] = [];
  @state() private total = 0;
  @state() private view = { from: 0, to: 0 };
  @state() private tick = 0;
  private g: Geometry = geometry(360);
  private width = 0;
  private grouping = 0;
  private readonly resize = new ResizeObserver(() => this.#measure());
  /** Keys laid out in the last render: a queued thumbnail not among them is skipped. */
  #wanted = new Set<string>();
  #queue: string[] = [];
  #loading = 0;
  #tickPending = false;
  #press: { timer: ReturnType<typeof setTimeout>; index: number; fired: boolean } | undefined;
  /** Placeholder images (data: URLs of ThumbHashes), by key; bounded. */
  #placeholders = new Map<string, string>();
  /** The cells of the last render, by month: placed after it commits (#placeCells). */
  #layout: Array<{ month: string; cells: Cell[] }> = [];
  /** Cell elements in use, by item key, and free ones. */
  #cells = new Map<string, CellEls>();
  #pool: CellEls[] = [];
  /** The last scroll position and when, to tell a fling; whether one is under way. */
  #lastScroll = { at: 0, top: 0 };
  #flinging = false;
  #settle: ReturnType<typeof setTimeout> | undefined;
  /** The next scroll is a jump (scrubber, reveal), not a fling. */
  #jumping = false;

  static override styles = css`
    :host { display: flex; position: relative; height: 100%; min-height: 0; }
    .scroller { flex: 1; overflow-y: auto; overscroll-behavior: contain; position: relative; }
    .spacer { position: relative; width: 100%; }
    section { position: absolute; left: 0; right: 0; }
    h3 { position: sticky; top: 0; margin: 0; height: 44px; line-height: 44px; padding: 0 0.5rem; font-size: 1.05rem; background: var(--fv-bg, #f6f3ee); z-index: 1; }
    .day { position: absolute; left: 0.5rem; height: 32px; line-height: 32px; margin: 0; font-size: 0.85rem; font-weight: 600; color: var(--fv-muted, #4d5652); }
    button.cell { position: absolute; padding: 0; border: 0; background: var(--fv-cell, #e4ded3); overflow: hidden; cursor: pointer; border-radius: 2px; }
    button.cell:focus-visible { outline: 3px solid #2f5d50; outline-offset: -3px; z-index: 2; }
    button.cell.selected img { transform: scale(0.86); border-radius: 4px; }
    button.cell.selected::after { content: '✓'; position: absolute; top: 4px; left: 4px; width: 1.4rem; height: 1.4rem; border-radius: 50%; background: #2f5d50; color: #fff; display: grid; place-items: center; font-size: 0.9rem; box-shadow: 0 0 0 2px #fff; }
    @media (prefers-reduced-motion: no-preference) { button.cell img { transition: transform 0.1s; } }
    img { width: 100%; height: 100%; object-fit: cover; display: block; }
    img[hidden] { display: none; }
    nav.scrub { width: 3rem; display: flex; flex-direction: column; overflow-y: auto; padding: 0.25rem 0; }
    nav.scrub button { background: none; border: 0; padding: 0.35rem 0.2rem; font: inherit; font-size: 0.75rem; color: var(--fv-muted, #4d5652); cursor: pointer; min-height: 2rem; }
    nav.scrub button[aria-current='true'] { color: var(--fv-fg, #1f2a27); font-weight: 700; }
    @media (prefers-color-scheme: dark) {
      h3 { background: var(--fv-bg, #141917); }
      button.cell { background: #26302c; }
    }
  `;

  override connectedCallback() {
    super.connectedCallback();
    this.resize.observe(this);
  }
  override disconnectedCallback() {
    this.resize.disconnect();
    clearTimeout(this.#settle);
    super.disconnectedCallback();
  }

  get #scroller(): HTMLElement | null {
    return this.renderRoot.querySelector('.scroller');
  }

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('items')) void this.#group();
  }

  async #group() {
    const run = ++this.grouping;
    const months = await groupItems(this.items);
    if (run !== this.grouping) return; // newer items arrived meanwhile
    this.months = months;
    this.total = measure(months, this.g);
    this.#onScroll();
  }

  #measure() {
    const w = this.#scroller?.clientWidth ?? 0;
    if (!w || w === this.width) return;
    const el = this.#scroller!;
    const ratio = this.total ? el.scrollTop / this.total : 0;
    this.width = w;
    this.g = geometry(w);
    this.total = measure(this.months, this.g);
    el.scrollTop = ratio * this.total; // stay at the same place in time after a resize
    this.#onScroll();
  }

  #onScroll = () => {
    const el = this.#scroller;
    if (!el) return;
    this.#noteSpeed(el.scrollTop);
    const from = Math.max(0, el.scrollTop - MARGIN);
    const to = el.scrollTop + (el.clientHeight || 640) + MARGIN;
    // Re-render only when the laid-out band moved by a row or more.
    if (Math.abs(from - this.view.from) >= this.g.cell / 2 || Math.abs(to - this.view.to) >= this.g.cell / 2 || this.view.to === 0) {
      this.view = { from, to };
    }
  };

  /** Whether the view moves as in a fling; when it settles, the cells in view get their images. */
  #noteSpeed(top: number) {
    const now = performance.now();
    const { at, top: before } = this.#lastScroll;
    this.#lastScroll = { at: now, top };
    if (top !== before) this.#pressEnd(); // a finger that scrolls is not a long press
    if (this.#jumping) {
      this.#jumping = false;
      return;
    }
    const fast = now - at < SETTLE_MS && Math.abs(top - before) > FLING_PX_PER_MS * Math.max(now - at, 1);
    clearTimeout(this.#settle);
    if (fast) {
      this.#flinging = true;
      this.#settle = setTimeout(() => {
        this.#flinging = false;
        this.tick++;
      }, SETTLE_MS);
    } else if (this.#flinging) {
      this.#flinging = false;
      this.tick++;
    }
  }

  /** Scrolls so that `top` (px in the timeline) is at the top of the view. */
  jumpTo(top: number) {
    const el = this.#scroller;
    if (el && el.scrollTop !== top) {
      this.#jumping = true;
      el.scrollTop = top;
    }
    this.#onScroll();
  }

  /** Scrolls the item's row into view (the viewer moved to it). */
  reveal(index: number) {
    const m = this.months.find((x) => index >= x.start && index < x.start + x.count);
    const el = this.#scroller;
    if (!m || !el) return;
    const cell = layoutMonth(m, this.g, m.top, m.top + m.height).cells.find((c) => c.index === index);
    if (!cell) return;
    const top = m.top + cell.top;
    if (top < el.scrollTop + this.g.monthHeader || top + this.g.cell > el.scrollTop + el.clientHeight - this.endInset) this.jumpTo(Math.max(0, top - this.g.monthHeader - this.g.dayHeader));
  }

  override updated() {
    this.#placeCells();
    if (this.focusIndex >= 0) {
      const b = this.renderRoot.querySelector<HTMLButtonElement>(`button[data-index="${this.focusIndex}"]`);
      if (b) {
        b.focus({ preventScroll: true });
        this.focusIndex = -1;
      }
    }
  }

  #pump() {
    while (this.#loading < LOADS && this.#queue.length) {
      const key = this.#queue.shift()!;
      if (!this.#wanted.has(key) || this.cache.peek(key)) continue;
      this.#loading++;
      void this.cache.get(key).then((u) => {
        this.#loading--;
        if (u) this.#redrawSoon();
        this.#pump();
      });
    }
  }

  /** Renders the cells in view again (they ask for thumbnails they lack): at most once a frame. */
  redraw(): void {
    this.#redrawSoon();
  }

  /** Thumbnails arrive one message at a time: one render per frame shows all that came. */
  #redrawSoon() {
    if (this.#tickPending) return;
    this.#tickPending = true;
    requestAnimationFrame(() => {
      this.#tickPending = false;
      this.tick++;
    });
  }

  #placeholder(item: TimelineItem, budget: { left: number }): string | undefined {
    if (!item.placeholder) return undefined;
    let url = this.#placeholders.get(item.key);
    if (!url) {
      if (budget.left-- <= 0) {
        this.#redrawSoon();
        return undefined;
      }
      try {
        url = thumbHashToDataURL(fromBase64Url(item.placeholder));
      } catch {
        return undefined; // a malformed hash: the plain cell colour stays
      }
      this.#placeholders.set(item.key, url);
      if (this.#placeholders.size > 2000) this.#placeholders.delete(this.#placeholders.keys().next().value!);
    }
    return url;
  }

  #open(index: number) {
    this.dispatchEvent(new CustomEvent('open-photo', { detail: index, bubbles: true, composed: true }));
  }

  #select(index: number, range: boolean) {
    this.dispatchEvent(new CustomEvent('select-photo', { detail: { index, range }, bubbles: true, composed: true }));
  }

  /** The cell an event happened in, and its item's index. */
  #cellOf(e: Event): { button: HTMLButtonElement; index: number } | undefined {
    const button = (e.target as Element | null)?.closest?.<HTMLButtonElement>('button.cell');
    const index = Number(button?.dataset.index);
    return button && Number.isInteger(index) ? { button, index } : undefined;
  }

  /** Click opens; with Ctrl/⌘, or while something is selected, it selects; Shift selects a range. */
  #click = (e: MouseEvent) => {
    const cell = this.#cellOf(e);
    if (!cell) return;
    if (this.#press?.fired) {
      this.#press = undefined;
      return; // the long press already selected it
    }
    if (e.shiftKey) return this.#select(cell.index, true);
    if (e.ctrlKey || e.metaKey || this.selected.size > 0) return this.#select(cell.index, false);
    this.#open(cell.index);
  };

  /** A long press (half a second, finger still) selects, as in a phone's gallery. */
  #pressStart = (e: PointerEvent) => {
    const cell = this.#cellOf(e);
    if (!cell || e.button !== 0) return;
    clearTimeout(this.#press?.timer);
    const press = { index: cell.index, fired: false, timer: setTimeout(() => { press.fired = true; this.#select(cell.index, false); }, 500) };
    this.#press = press;
  };

  #pressEnd = () => {
    if (this.#press && !this.#press.fired) {
      clearTimeout(this.#press.timer);
      this.#press = undefined;
    }
  };

  /** The pointer left the pressed cell. */
  #pointerOut = (e: PointerEvent) => {
    const cell = this.#cellOf(e);
    if (cell && !cell.button.contains(e.relatedTarget as Node | null)) this.#pressEnd();
  };

  #contextMenu = (e: Event) => {
    if (this.#press?.fired && this.#cellOf(e)) e.preventDefault();
  };

  /** Arrow keys move between cells in reading order; the timeline scrolls along. */
  #keydown(e: KeyboardEvent) {
    const t = e.target as HTMLElement;
    const i = Number(t.dataset.index);
    if (!Number.isFinite(i)) return;
    if (e.key === ' ') {
      e.preventDefault();
      return this.#select(i, e.shiftKey);
    }
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: this.g.cols, ArrowUp: -this.g.cols }[e.key];
    if (!step) return;
    e.preventDefault();
    const next = Math.min(this.items.length - 1, Math.max(0, i + step));
    this.reveal(next);
    this.focusIndex = next;
    this.requestUpdate();
  }

  override render() {
    const { from, to } = this.view;
    const g = this.g;
    const visible = monthsIn(this.months, from, to);
    const marks = yearMarks(this.months, this.total);
    const currentYear = monthsIn(this.months, from + MARGIN, from + MARGIN + 1)[0]?.year;
    void this.tick;
    this.#wanted = new Set();
    const missing: Array<[string, number]> = [];
    const el = this.#scroller;
    const centre = el ? el.scrollTop + el.clientHeight / 2 : 0;
    this.#layout = [];
    // Months and day headers are keyed templates; the cells in them are placed after the commit,
    // in elements reused as the view moves (#placeCells).
    const shown = html`
      <div class="scroller" @scroll=${this.#onScroll} @keydown=${this.#keydown} @click=${this.#click}
          @pointerdown=${this.#pressStart} @pointerup=${this.#pressEnd} @pointercancel=${this.#pressEnd}
          @pointerout=${this.#pointerOut} @contextmenu=${this.#contextMenu}>
        <div class="spacer" style="height:${this.total + this.endInset}px">
          ${keyed(visible.map((m) => {
            const { days, cells } = layoutMonth(m, g, from, to);
            this.#layout.push({ month: m.month, cells });
            for (const c of cells) {
              const item = this.items[c.index];
              if (!item) continue;
              this.#wanted.add(item.key);
              if (!this.#flinging && !this.cache.peek(item.key)) missing.push([item.key, Math.abs(m.top + c.top - centre)]);
            }
            const label = monthLabel(m.month);
            const shownDays = days.filter((d) => m.top + d.top + g.dayHeader >= from && m.top + d.top <= to);
            return [m.month, html`<section style="top:${m.top}px;height:${m.height}px" aria-label=${label}>
              <h3>${label}</h3>
              ${keyed(shownDays.map((d) => [d.day, html`<h4 class="day" style="top:${d.top}px">${dayLabel(d.day)}</h4>`]))}
              <div role="list" aria-label="Photos of ${label}" data-month=${m.month}></div>
            </section>`];
          }))}
        </div>
      </div>
      ${marks.length > 1 ? html`<nav class="scrub" aria-label="Jump to a year">
        ${marks.map((y) => html`<button aria-current=${y.year === currentYear ? 'true' : 'false'} @click=${() => this.jumpTo(y.top)}>${y.year}</button>`)}
      </nav>` : nothing}
    `;
    // What is missing now, nearest the middle of the view first; what scrolled away is dropped.
    this.#queue = missing.sort((a, b) => a[1] - b[1]).map(([k]) => k);
    queueMicrotask(() => this.#pump());
    return shown;
  }

  /**
   * Puts the last render's cells into their months' lists, in order (reading order is the
   * photos' order): a cell that stays keeps its elements, one that left gives them to one that
   * came. Only what changed is written to the DOM.
   */
  #placeCells() {
    for (const [key, cell] of this.#cells) {
      if (this.#wanted.has(key)) continue; // laid out by the last render
      cell.li.remove();
      this.#cells.delete(key);
      this.#pool.push(cell);
    }
    const g = this.g;
    const selecting = this.selected.size > 0;
    // Placeholders drawn in this frame; the rest come in the next (a first screen of 40 at once
    // was a 66 ms task, and most cells get their thumbnail before then anyway).
    const budget = { left: PLACEHOLDERS_PER_FRAME };
    for (const { month, cells } of this.#layout) {
      const list = this.renderRoot.querySelector(`div[data-month="${month}"]`);
      if (!list) continue;
      let at: ChildNode | null = list.firstChild;
      for (const c of cells) {
        const item = this.items[c.index];
        if (!item) continue; // months laid out from the previous list, until the new one is grouped
        let cell = this.#cells.get(item.key);
        if (!cell) {
          cell = this.#pool.pop() ?? makeCell();
          this.#cells.set(item.key, cell);
        }
        this.#bind(cell, c, item, g, selecting, budget);
        if (cell.li === at) at = at.nextSibling;
        else list.insertBefore(cell.li, at);
      }
    }
  }

  /** Writes a cell's attributes and image where they differ from what it shows. */
  #bind(cell: CellEls, c: Cell, item: TimelineItem, g: Geometry, selecting: boolean, budget: { left: number }) {
    const b = cell.button;
    const another = cell.key !== item.key;
    if (another || cell.taken !== item.taken) {
      cell.taken = item.taken;
      b.setAttribute('aria-label', `Photo, ${cellLabel(item.taken)}`);
    }
    if (another) {
      cell.key = item.key;
      b.dataset.key = item.key;
      b.style.backgroundColor = averageColour(item.placeholder);
      // The image shown is another photo's: hidden until this one's has loaded.
      cell.src = '';
      cell.img.removeAttribute('src');
      cell.img.hidden = true;
    }
    if (cell.index !== c.index) {
      cell.index = c.index;
      b.dataset.index = String(c.index);
    }
    const box = `top:${c.top + 1}px;left:${c.left + 1}px;width:${g.cell - 2}px;height:${g.cell - 2}px`;
    if (cell.box !== box) {
      cell.box = box;
      b.style.top = `${c.top + 1}px`;
      b.style.left = `${c.left + 1}px`;
      b.style.width = b.style.height = `${g.cell - 2}px`;
    }
    const picked = selecting ? this.selected.has(item.key) : undefined;
    if (cell.picked !== picked) {
      cell.picked = picked;
      b.classList.toggle('selected', picked === true);
      if (picked === undefined) b.removeAttribute('aria-pressed');
      else b.setAttribute('aria-pressed', String(picked));
    }
    const url = this.cache.peek(item.key);
    const src = url ?? (this.#flinging ? '' : (this.#placeholder(item, budget) ?? ''));
    if (src === cell.src) return;
    cell.src = src;
    if (!src) {
      cell.img.remove();
      cell.img.removeAttribute('src');
      return;
    }
    cell.img.className = url ? '' : 'placeholder';
    cell.img.src = src;
    if (!cell.img.isConnected) b.append(cell.img);
  }
}

/** A cell's elements: a list item, its button, the image (in the button only while it has a source). */
function makeCell(): CellEls {
  const li = document.createElement('div');
  li.setAttribute('role', 'listitem');
  const button = document.createElement('button');
  button.className = 'cell';
  li.append(button);
  const img = document.createElement('img');
  img.alt = '';
  img.decoding = 'async';
  img.hidden = true;
  img.addEventListener('load', () => (img.hidden = false));
  return { li, button, img, key: '', taken: NaN, index: -1, box: '', src: '', picked: undefined };
}

/** The CSS colour of a ThumbHash's average (the cell's colour until an image shows); '' without one. */
function averageColour(placeholder: string | undefined): string {
  if (!placeholder) return '';
  try {
    const { r, g, b } = thumbHashToAverageRGBA(fromBase64Url(placeholder));
    return `rgb(${Math.round(r * 255)},${Math.round(g * 255)},${Math.round(b * 255)})`;
  } catch {
    return ''; // a malformed hash: the plain cell colour stays
  }
}

/**
 * Renders [key, template] pairs keyed, so a month or day header that stays in view keeps its
 * element (matched by position, every scroll re-bound them all). The templates are made by the
 * caller, in render().
 */
function keyed(pairs: Array<readonly [string, unknown]>) {
  return repeat(pairs, (p) => p[0], (p) => p[1]);
}

declare global {
  interface HTMLElementTagNameMap { 'fv-timeline': FvTimeline }
}
