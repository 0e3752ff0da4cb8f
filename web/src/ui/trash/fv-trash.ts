import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import type { TrashedPhoto } from '../../vault/screens/photo-actions.ts';
import { daysLeft, TRASH_DAYS } from '../../vault/trash.ts';
import { count } from '../common/count.ts';
import '../common/fv-dialog.ts';
import { errorText, shared } from '../styles.ts';
import { ThumbCache } from '../thumb-cache.ts';

type TrashItem = TrashedPhoto & { albumName: string };

/**
 * "Trash": photos deleted in the last 30 days, for the whole family. Each can be restored; "Empty
 * trash" removes them for good (asked first, in the app's own dialog). Reached from Albums.
 */
@customElement('fv-trash')
export class FvTrash extends LitElement {
  @property({ attribute: false }) app!: AppController;
  /** The clock (tests); days left are counted from it. */
  @property({ attribute: false }) now: () => number = Date.now;
  @state() items: TrashItem[] = [];
  @state() asking = false;
  @state() busy = '';
  @state() error = '';
  @state() tick = 0;
  cache = new ThumbCache((key) => this.app.photos.thumbnail(key), 200);
  #off: (() => void) | undefined;

  static override styles = [shared, css`
    ul { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: 0.75rem; }
    li { display: flex; flex-direction: column; gap: 0.25rem; }
    .thumb { aspect-ratio: 1; width: 100%; border-radius: 0.8rem; overflow: hidden; background: #e4ded3; display: grid; place-items: center; }
    .thumb img { width: 100%; height: 100%; object-fit: cover; display: block; opacity: 0.75; }
    h2 { margin: 0.25rem 0; }
    @media (prefers-color-scheme: dark) { .thumb { background: #26302c; } }
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
    this.items = this.app.photos.trash().map((t) => ({ ...t, albumName: t.albumName ?? 'Album' }));
  }

  async #restore(items: TrashItem[]) {
    this.error = '';
    try {
      this.busy = `Restoring ${count(items.length, 'photo')}…`;
      await this.app.photos.restore(items);
    } catch (e) {
      this.error = errorText(e);
    }
    this.busy = '';
    this.#refresh();
  }

  async #empty() {
    this.asking = false;
    this.error = '';
    try {
      this.busy = 'Emptying the trash…';
      const left = this.items.length - (await this.app.photos.emptyTrash());
      if (left > 0) this.error = `${count(left, 'photo')} stayed: only the member who added a photo, or an admin, can remove it for good.`;
    } catch (e) {
      this.error = errorText(e);
    }
    this.busy = '';
    this.#refresh();
  }

  override render() {
    void this.tick;
    const now = this.now();
    const mine = this.items.filter((i) => i.mine);
    return html`
      <section aria-labelledby="trash-title">
        <div class="row" style="justify-content:space-between">
          <h2 id="trash-title">Trash</h2>
          ${mine.length ? html`<button class="danger" id="trash-empty" ?disabled=${!!this.busy} @click=${() => (this.asking = true)}>Empty trash</button>` : ''}
        </div>
        <p class="muted">Deleted photos stay here for ${TRASH_DAYS} days, for the whole family, then they are removed for good.</p>
        ${this.busy ? html`<p role="status" class="muted" id="trash-busy">${this.busy}</p>` : ''}
        ${this.error ? html`<p role="alert" class="error" id="trash-error">${this.error}</p>` : ''}
        ${this.items.length ? html`<p id="trash-count">${count(this.items.length, 'photo')} in the trash</p>
          <ul id="trash-list" aria-label="Photos in the trash">${this.items.map((it, i) => {
            const url = this.cache.peek(it.key);
            if (!url) void this.cache.get(it.key).then((u) => u && this.tick++);
            const left = daysLeft(it.at, now);
            return html`<li>
              <div class="thumb">${url ? html`<img src=${url} alt=${`Photo ${i + 1} from ${it.albumName}`} />` : html`<span class="muted">…</span>`}</div>
              <span class="muted">From ${it.albumName} · ${left === 0 ? 'removed for good soon' : `${count(left, 'day')} left`}</span>
              ${it.mine ? html`<button class="quiet" ?disabled=${!!this.busy} aria-label=${`Restore photo ${i + 1} from ${it.albumName}`} @click=${() => void this.#restore([it])}>Restore</button>` : ''}
            </li>`;
          })}</ul>` : html`<p class="card" id="trash-none">The trash is empty.</p>`}
      </section>
      ${this.asking ? html`<fv-dialog heading="Empty the trash?" danger action="Remove for good"
        text=${`${count(mine.length, 'photo')} ${mine.length === 1 ? 'is' : 'are'} removed for good, for the whole family, on every device and home. This cannot be undone.`}
        @answer=${() => void this.#empty()} @cancel=${() => (this.asking = false)}></fv-dialog>` : ''}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-trash': FvTrash }
}
