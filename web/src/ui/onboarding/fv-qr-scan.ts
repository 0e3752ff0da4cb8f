import { LitElement, css, html } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import type QrScanner from 'qr-scanner';
import { inviteIn } from '../../core/invite-text.ts';
import { shared } from '../styles.ts';
import { deepActiveElement, trapTab } from '../common/modal.ts';

/** What qr-scanner decodes with: the browser's BarcodeDetector, or its decoder in a worker. */
type QrEngine = Awaited<ReturnType<typeof QrScanner.createQrEngine>>;
/** The camera and a photo of the code both need the reader; without it only the pasted link is left. */
const NO_READER = 'The code reader could not be loaded (are you offline with an old copy of the app?). Paste the invite link instead.';

/**
 * Scanning an invite's QR code: the camera's picture in a modal dialog (focus kept inside, Escape
 * or Cancel closes), read by `qr-scanner` (the browser's BarcodeDetector where it has one, else
 * its decoder in a worker), loaded only when the dialog opens. The back camera where there are two. Where there is no camera, or it
 * was refused, a photo of the code can be picked instead (read by the same reader: if it does not
 * load, neither works, and the dialog says to paste the invite link). A code that is not a Family Vault invite
 * is named as such and scanning goes on. Fires `scanned` (detail: the invite code; the opener
 * moves focus on) or `cancel` (focus goes back to what opened it).
 */
@customElement('fv-qr-scan')
export class FvQrScan extends LitElement {
  static override styles = [shared, css`
    .backdrop { position: fixed; inset: 0; background: rgb(0 0 0 / 0.6); display: grid; z-index: 20; overflow-y: auto; }
    .box { margin: auto; width: min(28rem, calc(100vw - 2rem)); box-sizing: border-box; }
    video { width: 100%; aspect-ratio: 1; object-fit: cover; background: #000; border-radius: 0.5rem; display: block; }
    video[hidden] { display: none; }
    input[type='file'] { width: 100%; }
  `];
  @state() note = 'Starting the camera…';
  @state() problem = '';
  @state() camera = true;
  /** qr-scanner loaded (or not tried yet); false: it failed to load, and a photo cannot be read either. */
  @state() reader = true;
  @query('video') video!: HTMLVideoElement;
  #stream: MediaStream | undefined;
  #engine: QrEngine | undefined;
  #closed = false;
  #returnFocus: HTMLElement | undefined;

  override connectedCallback() {
    super.connectedCallback();
    this.#returnFocus = deepActiveElement();
  }

  override async firstUpdated() {
    this.renderRoot.querySelector<HTMLButtonElement>('button.cancel')?.focus();
    if (!navigator.mediaDevices?.getUserMedia) return this.#noCamera('This browser cannot use a camera here.');
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      if (this.#closed) return stream.getTracks().forEach((t) => t.stop());
      this.#stream = stream;
      this.video.srcObject = stream;
      await this.video.play();
    } catch (e) {
      const name = (e as Error)?.name;
      return this.#noCamera(name === 'NotAllowedError' || name === 'SecurityError'
        ? 'The camera was not allowed. Allow it for this site in the browser\'s settings, or use a photo of the code.'
        : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'This device has no camera the browser can use.' : 'The camera could not be started.');
    }
    if (this.#closed) return;
    this.note = "Point the camera at the invite's QR code.";
    void this.#scanLoop();
  }

  /**
   * Reads the camera's picture a few times a second. qr-scanner decodes (its camera handling is
   * not used: it moves a video that is not in the document's light tree into <body>, hidden).
   */
  async #scanLoop() {
    let Scanner: typeof QrScanner;
    let engine: QrEngine;
    try {
      Scanner = (await import('qr-scanner')).default;
      engine = await Scanner.createQrEngine();
    } catch {
      if (!this.#closed) this.#noReader();
      return;
    }
    // Closed while it loaded: nothing else will end its worker.
    if (this.#closed) return void (engine instanceof Worker && engine.terminate());
    this.#engine = engine;
    const canvas = document.createElement('canvas');
    while (!this.#closed) {
      if (this.video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
        try {
          const r = await Scanner.scanImage(this.video, { qrEngine: engine, canvas, returnDetailedScanResult: true });
          if (!this.#closed && this.#read(r.data)) return;
        } catch {
          // No QR code in this picture: the next one.
        }
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#closed = true;
    this.#stopCamera();
    const back = this.#returnFocus;
    if (back) queueMicrotask(() => { if (back.isConnected) back.focus(); });
  }

  #stopCamera() {
    this.#stream?.getTracks().forEach((t) => t.stop());
    this.#stream = undefined;
    if (this.#engine instanceof Worker) this.#engine.terminate();
    this.#engine = undefined;
  }

  #noCamera(why: string) {
    this.#stopCamera();
    this.camera = false;
    this.note = '';
    this.problem = `${why} Pick a photo of the QR code, or paste the invite link instead.`;
  }

  /** qr-scanner did not load: neither the camera's picture nor a photo can be read. */
  #noReader() {
    this.#stopCamera();
    this.camera = false;
    this.reader = false;
    this.note = '';
    this.problem = NO_READER;
  }

  /** A code read: true when it was an invite (and the dialog is done). */
  #read(text: string): boolean {
    const code = inviteIn(text);
    if (!code) {
      this.problem = 'That QR code is not a Family Vault invite. Scan the code the family member showed you in Family Vault.';
      return false;
    }
    this.#stopCamera();
    this.#closed = true;
    this.#returnFocus = undefined; // the opener moves on to the next field
    this.dispatchEvent(new CustomEvent('scanned', { detail: code }));
    return true;
  }

  async #fromPhoto(e: Event) {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    let Scanner: typeof QrScanner;
    try {
      Scanner = (await import('qr-scanner')).default;
    } catch {
      if (!this.#closed) this.#noReader();
      return;
    }
    try {
      this.#read((await Scanner.scanImage(file, { returnDetailedScanResult: true })).data);
    } catch {
      this.problem = 'No QR code was found in that photo. Take it closer, with the whole code in the picture.';
    }
  }

  #keydown(e: KeyboardEvent) {
    if (e.key === 'Escape') return this.dispatchEvent(new CustomEvent('cancel'));
    if (e.key === 'Tab') trapTab(e, this.renderRoot as ShadowRoot);
  }

  override render() {
    return html`<div class="backdrop" @keydown=${this.#keydown}>
      <div class="card box" role="dialog" aria-modal="true" aria-labelledby="scan-h" aria-describedby="scan-note">
        <h2 id="scan-h">Scan the invite's QR code</h2>
        <video muted playsinline aria-label="Camera picture" ?hidden=${!this.camera}></video>
        <p id="scan-note" role="status">${this.note}</p>
        ${this.problem ? html`<p class="error" role="alert" id="scan-problem">${this.problem}</p>` : ''}
        ${this.reader ? html`<label for="scan-photo">Or use a photo of the code</label>
          <input id="scan-photo" type="file" accept="image/*" @change=${(e: Event) => void this.#fromPhoto(e)} />` : ''}
        <div class="row"><button class="cancel quiet" @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>Cancel</button></div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-qr-scan': FvQrScan }
}
