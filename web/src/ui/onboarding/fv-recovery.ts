import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { shared } from '../styles.ts';

/**
 * The recovery phrase, shown once after a vault is created or joined, and a check that it was
 * written down: two of its words, asked by number. The error shows next to the field and focus
 * moves there. Fires `done` once both words match.
 */
@customElement('fv-recovery')
export class FvRecovery extends LitElement {
  @property() phrase = '';
  @state() private asked: [number, number] = [0, 0];
  @state() private checking = false;
  @state() private error = '';

  static override styles = [shared, css`
    ol { columns: 2; column-gap: 1.5rem; padding-left: 2rem; font-family: ui-monospace, monospace; font-size: 1.05rem; margin: 0.5rem 0; }
    li { padding: 0.1rem 0; }
    .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0.75rem; }
    @media (max-width: 20rem) { ol { columns: 1; } .pair { grid-template-columns: 1fr; } }
  `];

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('phrase')) {
      const n = this.#words.length;
      const a = Math.floor(Math.random() * n);
      let b = Math.floor(Math.random() * (n - 1));
      if (b >= a) b++;
      this.asked = a < b ? [a, b] : [b, a];
    }
  }

  get #words(): string[] {
    return this.phrase.trim().split(/\s+/).filter(Boolean);
  }

  #check() {
    const fields = [...this.renderRoot.querySelectorAll<HTMLInputElement>('input.word')];
    const wrong = fields.find((f, i) => f.value.trim().toLowerCase() !== this.#words[this.asked[i]!]);
    if (wrong) {
      this.error = `Word ${Number(wrong.dataset.index) + 1} does not match what is written above. Look at your paper again.`;
      wrong.setAttribute('aria-invalid', 'true');
      wrong.focus();
      return;
    }
    this.dispatchEvent(new CustomEvent('done'));
  }

  override render() {
    const words = this.#words;
    return html`<section class="card" id="recovery">
      <h2>Write down your recovery phrase</h2>
      <p>If you forget your passphrase, these ${words.length} words are the only way back into your vault. Write them on paper, in order, and keep it somewhere safe. They are shown once.</p>
      ${this.checking ? '' : html`<ol id="recovery-phrase" aria-label="Recovery phrase">${words.map((w) => html`<li>${w} </li>`)}</ol>`}
      ${this.checking ? html`
        <p>To be sure it is written down, type two of the words from your paper.</p>
        <div class="pair">
          ${this.asked.map((i) => html`<div><label for="word-${i}">Word ${i + 1}</label>
            <input id="word-${i}" class="word" data-index=${i} type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
              aria-describedby="recovery-error" @input=${(e: Event) => { (e.target as HTMLElement).removeAttribute('aria-invalid'); this.error = ''; }}
              @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.#check()} /></div>`)}
        </div>
        <p class="error" id="recovery-error" role=${this.error ? 'alert' : 'none'}>${this.error}</p>
        <p class="row"><button id="recovery-done" @click=${() => this.#check()}>Done</button>
          <button class="quiet" id="recovery-back" @click=${() => { this.checking = false; this.error = ''; }}>Show the words again</button></p>`
      : html`<p class="row"><button id="recovery-written" @click=${async () => { this.checking = true; await this.updateComplete; this.renderRoot.querySelector<HTMLInputElement>('input.word')?.focus(); }}>I wrote it down</button></p>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-recovery': FvRecovery }
}
