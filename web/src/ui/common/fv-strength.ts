import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { passphraseStrength, strengthText } from '../../vault/passphrase-strength.ts';
import { shared } from '../styles.ts';

/**
 * How guessable the passphrase being typed is (zxcvbn), said under the field as one types:
 * why a weak one is refused and what would make it better. The vault layer checks it again.
 */
@customElement('fv-strength')
export class FvStrength extends LitElement {
  static override styles = shared;
  @property() value = '';
  @property({ attribute: false }) inputs: string[] = [];
  @state() text = '';
  @state() ok = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #asked = 0;

  override willUpdate(changed: Map<string, unknown>) {
    if (!changed.has('value') && !changed.has('inputs')) return;
    clearTimeout(this.#timer);
    if (!this.value) {
      this.text = '';
      return;
    }
    const asked = ++this.#asked;
    this.#timer = setTimeout(() => {
      void passphraseStrength(this.value, this.inputs).then((s) => {
        if (asked !== this.#asked) return;
        this.ok = s.ok;
        this.text = strengthText(s);
      });
    }, 250);
  }

  override disconnectedCallback() {
    clearTimeout(this.#timer);
    super.disconnectedCallback();
  }

  override render() {
    return html`<p class=${this.ok ? 'muted' : 'error'} aria-live="polite" part="text">${this.text}</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-strength': FvStrength }
}
