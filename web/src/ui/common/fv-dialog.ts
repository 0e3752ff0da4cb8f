import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { shared } from '../styles.ts';
import { deepActiveElement, trapTab } from './modal.ts';

/**
 * The app's own confirmation / question dialog (never the browser's native prompt or confirm box):
 * modal, labelled by its heading, focus kept inside (Tab cycles), Escape or Cancel closes.
 * With `field` set it asks for a value. Fires `answer` (detail: the value, or true) or `cancel`.
 * When it goes away, focus goes back to what had it before (the button that opened it).
 */
@customElement('fv-dialog')
export class FvDialog extends LitElement {
  static override styles = [shared, css`
    .backdrop { position: fixed; inset: 0; background: rgb(0 0 0 / 0.45); display: grid; z-index: 20; overflow-y: auto; }
    /* margin: auto centres it, and a box taller than the screen (large text) starts at the top and scrolls. */
    .box { margin: auto; max-width: min(28rem, calc(100vw - 2rem)); box-sizing: border-box; }
    input { width: 100%; box-sizing: border-box; }
  `];
  @property() heading = '';
  @property() text = '';
  /** Label of a text field to fill in; none: a plain confirmation. */
  @property() field = '';
  @property() value = '';
  @property() action = 'OK';
  @property({ type: Boolean }) danger = false;
  @query('input') input: HTMLInputElement | undefined;
  #returnFocus: HTMLElement | undefined;

  override connectedCallback() {
    super.connectedCallback();
    this.#returnFocus = deepActiveElement();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    const back = this.#returnFocus;
    this.#returnFocus = undefined;
    // After the render that removed the dialog (the opener may re-render in the same update).
    if (back) queueMicrotask(() => { if (back.isConnected) back.focus(); });
  }

  override firstUpdated() {
    (this.input ?? this.renderRoot.querySelector<HTMLButtonElement>('button.cancel'))?.focus();
  }

  #answer() {
    const v = this.input?.value.trim();
    if (this.field && !v) return this.input?.focus();
    this.dispatchEvent(new CustomEvent('answer', { detail: this.field ? v : true }));
  }

  #cancel() {
    this.dispatchEvent(new CustomEvent('cancel'));
  }

  #keydown(e: KeyboardEvent) {
    if (e.key === 'Escape') return this.#cancel();
    if (e.key === 'Enter' && e.target === this.input) {
      // Else the key's press lands on the button focus returns to, and opens the dialog again.
      e.preventDefault();
      return this.#answer();
    }
    if (e.key === 'Tab') trapTab(e, this.renderRoot as ShadowRoot);
  }

  override render() {
    return html`<div class="backdrop" @keydown=${this.#keydown}>
      <div class="card box" role="alertdialog" aria-modal="true" aria-labelledby="h" aria-describedby="t">
        <h2 id="h">${this.heading}</h2>
        ${this.text ? html`<p id="t">${this.text}</p>` : ''}
        ${this.field ? html`<label>${this.field} <input .value=${this.value} /></label>` : ''}
        <div class="row">
          <button class="cancel quiet" @click=${this.#cancel}>Cancel</button>
          <button class=${this.danger ? 'danger' : ''} @click=${this.#answer}>${this.action}</button>
        </div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-dialog': FvDialog }
}
