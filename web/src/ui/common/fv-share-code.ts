import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import QRCode from 'qrcode';
import { shared } from '../styles.ts';

/**
 * An invite to hand over: the text itself (read-only, selectable), a QR code to scan from another
 * phone, Copy, and Share where the browser has a share sheet. With `command` set it also shows
 * the full command to run (for a home relay), with its own Copy.
 */
@customElement('fv-share-code')
export class FvShareCode extends LitElement {
  /** What is shared (a link or an invite code). */
  @property() value = '';
  @property() label = 'Invite';
  /** id of the text field (tests and labels find it by it). */
  @property() fieldId = 'share-code';
  /** A full command line that uses the value, for a terminal. */
  @property() command = '';
  /** Show a QR code of `value`. */
  @property({ type: Boolean }) qr = true;
  /** What to do with the QR code, after its name in the image's text. */
  @property() qrHint = "scan it with the other phone's camera";
  @state() private qrUrl = '';
  @state() private note = '';

  static override styles = [shared, css`
    textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; font-size: 0.85rem; padding: 0.5rem; border: 1px solid #b9b1a3; border-radius: 0.5rem; }
    img.qr { width: min(16rem, 100%); aspect-ratio: 1; image-rendering: pixelated; background: #fff; border-radius: 0.5rem; display: block; margin: 0.5rem 0; }
    code { display: block; white-space: pre-wrap; overflow-wrap: anywhere; background: #f1ede6; padding: 0.5rem; border-radius: 0.5rem; font-size: 0.85rem; }
    @media (prefers-color-scheme: dark) { code { background: #26302c; } }
  `];

  override willUpdate(changed: Map<string, unknown>) {
    if ((changed.has('value') || changed.has('qr')) && this.value && this.qr) {
      const v = this.value;
      QRCode.toDataURL(v, { errorCorrectionLevel: 'M', margin: 2, scale: 6 }).then(
        (url) => { if (this.value === v) this.qrUrl = url; },
        () => (this.qrUrl = ''),
      );
    }
  }

  async #copy(text: string, what: string) {
    try {
      await navigator.clipboard.writeText(text);
      this.note = `${what} copied.`;
    } catch {
      // No clipboard permission (or an old browser): select it so the member can copy by hand.
      const t = this.renderRoot.querySelector('textarea');
      t?.focus();
      t?.select();
      this.note = 'Select the text and copy it.';
    }
  }

  async #share() {
    try {
      await navigator.share({ title: 'Family Vault', text: this.label, ...(/^https?:/.test(this.value) ? { url: this.value } : { text: this.value }) });
    } catch (e) {
      if ((e as Error).name !== 'AbortError') this.note = 'Sharing did not work here: copy it instead.';
    }
  }

  override render() {
    if (!this.value) return nothing;
    const canShare = typeof navigator.share === 'function';
    return html`
      <textarea id=${this.fieldId} rows="3" readonly aria-label=${this.label} .value=${this.value}></textarea>
      ${this.qr && this.qrUrl ? html`<img class="qr" src=${this.qrUrl} alt="QR code of the ${this.label.toLowerCase()}: ${this.qrHint}" />` : nothing}
      <p class="row">
        <button class="copy" @click=${() => void this.#copy(this.value, this.label)}>Copy</button>
        ${canShare ? html`<button class="quiet share" @click=${() => void this.#share()}>Share…</button>` : nothing}
      </p>
      ${this.command ? html`<p class="muted">On the home computer, run:</p><code class="command">${this.command}</code>
        <p class="row"><button class="quiet copy-command" @click=${() => void this.#copy(this.command, 'Command')}>Copy command</button></p>` : nothing}
      <p role="status" class="muted note">${this.note}</p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-share-code': FvShareCode }
}
