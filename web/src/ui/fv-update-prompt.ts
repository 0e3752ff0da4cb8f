import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';

/** "A new version is ready" banner. Emits `update-accepted` when the user wants it now. */
@customElement('fv-update-prompt')
export class FvUpdatePrompt extends LitElement {
  @property({ type: Boolean, reflect: true }) open = false;

  static override styles = css`
    :host { display: none; }
    :host([open]) { display: block; position: fixed; inset: auto 1rem 1rem 1rem; z-index: 10; }
    div { background: #1f2a27; color: #fff; padding: 0.75rem 1rem; border-radius: 0.75rem;
      display: flex; gap: 1rem; align-items: center; justify-content: space-between; }
    button { font: inherit; border: 0; border-radius: 0.5rem; padding: 0.4rem 0.8rem; background: #f6f3ee; }
  `;

  override render() {
    return html`<div role="status">
      <span>A new version of Family Vault is ready.</span>
      <span>
        <button @click=${() => (this.open = false)}>Later</button>
        <button id="reload" @click=${this.#accept}>Reload</button>
      </span>
    </div>`;
  }

  #accept() {
    this.dispatchEvent(new CustomEvent('update-accepted', { bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-update-prompt': FvUpdatePrompt }
}
