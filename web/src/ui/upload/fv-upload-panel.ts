import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { IngestProgress } from '../../vault/ingest.ts';
import type { QueuedFile, QueueState, UploadQueue } from '../../vault/upload-queue.ts';
import { count } from '../common/count.ts';
import { shared } from '../styles.ts';

/** A file's state in words, with its share done while it is being added. */
function stateText(f: QueuedFile, p: IngestProgress | undefined): string {
  switch (f.status) {
    case 'waiting': return 'waiting';
    case 'adding': return p && p.name === f.name && p.fileBytes > 0 ? `adding, ${Math.floor((100 * p.fileBytesDone) / p.fileBytes)} %` : 'adding';
    case 'added': return 'added';
    case 'duplicate': return 'already in this album';
    default: return f.reason ?? f.status;
  }
}

/**
 * The upload panel of an album: the queue's total ("Adding 3 of 20") with a bar, Pause and
 * Resume, what went wrong per file with Retry and Remove where trying again may help, and every
 * file of the run with its state. It shows the files of `album` (another album's errors do not
 * follow the user), and talks to the session's upload queue only.
 */
@customElement('fv-upload-panel')
export class FvUploadPanel extends LitElement {
  @property({ attribute: false }) queue!: UploadQueue;
  @property({ attribute: false }) state: QueueState | undefined;
  @property({ attribute: false }) progress: IngestProgress | undefined;
  @property() album = '';
  /** Names albums, for a file of another album in progress. */
  @property({ attribute: false }) albumName: (id: string) => string = (id) => id;

  static override styles = [shared, css`
    :host { display: block; text-align: start; }
    progress { width: 100%; }
    ul { padding-left: 1.2rem; margin: 0.5rem 0; }
    li { overflow-wrap: anywhere; }
    li .row { display: inline-flex; margin-inline-start: 0.5rem; }
    li progress { display: block; max-width: 20rem; }
  `];

  override render() {
    const q = this.state;
    if (!q) return '';
    const mine = q.files.filter((f) => f.album === this.album);
    const wrong = mine.filter((f) => f.status === 'failed' || f.status === 'refused' || f.status === 'duplicate');
    const retryable = q.files.filter((f) => f.status === 'failed' && f.retryable);
    const current = q.files.find((f) => f.status === 'adding');
    const p = this.progress;
    const fraction = current && p && p.name === current.name && p.fileBytes > 0 ? p.fileBytesDone / p.fileBytes : 0;
    const busy = q.waiting > 0;
    return html`
      ${busy ? html`
        <p role="status" id="progress">${q.paused
          ? `Paused: ${count(q.waiting, 'photo')} waiting`
          : `Adding ${Math.min(q.done + 1, q.total)} of ${q.total}${current ? `: ${current.name}` : ''}${current && current.album !== this.album ? ` (to ${this.albumName(current.album)})` : ''}`}</p>
        <progress aria-label="All photos being added" max=${q.total} value=${q.done + fraction}></progress>
        <p class="muted" id="queue-status">${q.paused
          ? 'Kept encrypted on this device. Adding goes on when you press Resume or open the app again.'
          : `${count(q.waiting, 'photo')} waiting to be added: kept encrypted on this device, so closing or reloading the app loses none`}</p>` : ''}
      ${busy || retryable.length ? html`<div class="row">
        ${busy ? (q.paused
          ? html`<button id="resume-uploads" @click=${() => this.queue.setPaused(false)}>Resume adding</button>`
          : html`<button class="quiet" id="pause-uploads" @click=${() => this.queue.setPaused(true)}>Pause adding</button>`) : ''}
        ${retryable.length ? html`<button class="quiet" id="retry-all" @click=${() => this.queue.retry()}>Retry ${retryable.length === 1 ? 'the failed photo' : `${retryable.length} failed photos`}</button>` : ''}
      </div>` : ''}
      ${wrong.length ? html`<ul id="outcomes" aria-label="Photos not added">${wrong.map((f) => html`<li>${f.name}: ${stateText(f, p)}${f.retryable ? html`<span class="row">
          <button class="quiet" aria-label=${`Retry ${f.name}`} @click=${() => this.queue.retry([f.key])}>Retry</button>
          <button class="quiet" aria-label=${`Remove ${f.name} from the queue`} @click=${() => void this.queue.discard([f.key])}>Remove</button></span>` : ''}</li>`)}</ul>` : ''}
      ${mine.length > 1 || busy ? html`<details id="upload-files"><summary>Each photo (${mine.length})</summary>
        <ul aria-label="Each photo being added">${mine.map((f) => html`<li>${f.name}: ${stateText(f, p)}${f.status === 'adding' && f === current
          ? html`<progress aria-label=${`${f.name} being added`} max="1" value=${fraction}></progress>` : ''}</li>`)}</ul></details>` : ''}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-upload-panel': FvUploadPanel }
}
