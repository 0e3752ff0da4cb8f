import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import type { HomeView } from '../../vault/screens/family-actions.ts';
import '../common/fv-dialog.ts';
import '../common/fv-share-code.ts';
import { relayCommand } from '../relay-command.ts';
import { errorText, shared } from '../styles.ts';
import { count } from '../common/count.ts';
import { REVOKED_HERE } from '../common/revoked-here.ts';

/** This browser has no RTCPeerConnection (Debian's WebKitGTK): every link goes through the server. */
const NO_WEBRTC = typeof RTCPeerConnection === 'undefined';

const ago = (t: number | undefined) => {
  if (t === undefined) return undefined;
  const m = Math.round((Date.now() - t) / 60_000);
  return m < 1 ? 'just now' : m < 60 ? `${m} min ago` : m < 48 * 60 ? `${Math.round(m / 60)} h ago` : new Date(t).toLocaleDateString();
};

/** Devices & homes: the enrolled homes and their last storage proof, what is connected now, transfers. */
@customElement('fv-devices')
export class FvDevices extends LitElement {
  static override styles = shared;
  @property({ attribute: false }) app!: AppController;
  @state() tick = 0;
  @state() relayInvite = '';
  @state() homes: HomeView[] = [];
  /** Photos that exist only on family devices (no home holds them whole); undefined until counted. */
  @state() onlyHere: number | undefined;
  @state() checking = false;
  @state() checkNote = '';
  @state() error = '';
  @state() confirmHome: HomeView | undefined;
  #offs: Array<() => void> = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  override connectedCallback() {
    super.connectedCallback();
    this.#offs.push(this.app.on('status', () => this.tick++), this.app.on('changed', () => void this.#loadHomes()));
    this.#timer = setInterval(() => {
      this.tick++;
      void this.#loadHomes();
    }, 2000);
    void this.#loadHomes();
    void this.#loadOnlyHere();
  }
  override disconnectedCallback() {
    this.#offs.forEach((f) => f());
    clearInterval(this.#timer);
    super.disconnectedCallback();
  }

  async #loadHomes() {
    this.homes = await this.app.family.homes();
  }

  /** How many photos no home holds whole: the warning above the homes (read once per visit and after a check). */
  async #loadOnlyHere() {
    this.onlyHere = await this.app.family.photosAtNoHome().catch(() => undefined);
  }

  #check = async () => {
    this.checking = true;
    this.error = '';
    try {
      const r = await this.app.family.checkHomes();
      this.checkNote = r.passed + r.failed + r.unchecked === 0
        ? 'No home is connected right now.'
        : `${count(r.passed, 'home')} proved ${r.passed === 1 ? 'it holds' : 'they hold'} your photos${r.failed ? `; ${r.failed} did not, and no longer count as a backup until they do` : ''}${r.unchecked ? `; ${r.unchecked} could not be asked yet` : ''}.`;
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.checking = false;
      await this.#loadHomes();
      await this.#loadOnlyHere();
    }
  };

  #useCode = () => {
    const input = this.renderRoot.querySelector<HTMLInputElement>('#server-code');
    if (input?.value.trim()) this.app.useServerCode(input.value);
  };

  async #removeHome() {
    const h = this.confirmHome;
    this.confirmHome = undefined;
    if (!h) return;
    try {
      await this.app.family.revokeDevice(h.device);
    } catch (e) {
      this.error = `Could not remove ${h.name}: ${errorText(e)}`;
    }
    await this.#loadHomes();
  }

  override render() {
    const family = this.app.family;
    const now = family.connection();
    const admin = family.isAdmin;
    const serverState = { joined: 'connected', connecting: 'connecting…', closed: 'not reachable (photos wait here)' } as const;
    const transportName = { direct: 'direct', turn: 'through TURN', fallback: 'through the server (fallback)', memory: 'in memory' } as const;
    const homes = this.homes.filter((h) => !h.revoked);
    return html`
      <section class="card">
        <h2>Homes</h2>
        <p class="muted">A home relay keeps an encrypted copy of every photo at home. It cannot see any photo. Only homes an admin enrolled count as backups, and an original is freed on this device only after homes prove they hold it.</p>
        ${this.confirmHome ? html`<fv-dialog heading=${`Remove home ${this.confirmHome.name}?`} action="Remove home" danger
          text="It no longer counts as a backup, is disconnected, and the family moves to new keys it does not get. What it stored stays encrypted on that machine: wipe its data folder."
          @answer=${() => void this.#removeHome()} @cancel=${() => (this.confirmHome = undefined)}></fv-dialog>` : ''}
        ${this.onlyHere ? html`<p class="error" role="alert" id="homes-only-copy">${count(this.onlyHere, 'photo')} ${this.onlyHere === 1 ? 'is' : 'are'} only on family devices, not yet at any home: ${homes.length ? 'keep a home connected until they are backed up' : 'set up a home relay (below) so they are not lost with a phone'}.</p>` : ''}
        ${homes.length === 0 ? html`<p id="no-homes">No home is enrolled yet: your photos live only on family devices.</p>` : html`<ul id="homes">${homes.map((h) => html`<li>
          <strong>${h.name}</strong> · ${h.connected ? 'connected' : h.lastSeenAt ? `last seen ${ago(h.lastSeenAt)}` : 'not seen by this device yet'} ·
          ${h.held !== undefined ? html`<span class="held">holds ${count(h.held, 'encrypted object')}</span> ·` : ''}
          <span class="proof">${h.check?.lastPassedAt ? `last proved it holds your photos ${ago(h.check.lastPassedAt)}` : 'not checked yet'}</span>
          ${h.check?.lastFailedAt && (h.check.lastPassedAt ?? 0) < h.check.lastFailedAt ? html` · <span class="error">failed a check ${ago(h.check.lastFailedAt)}: not counted as a backup</span>` : ''}
          ${admin ? html`<button class="quiet" @click=${() => (this.confirmHome = h)}>Remove ${h.name}</button>` : ''}
        </li>`)}</ul>`}
        <p class="row"><button id="check-homes" ?disabled=${this.checking} @click=${this.#check}>Check homes now</button></p>
        ${this.checking ? html`<p role="status">Asking each connected home to prove it holds a photo…</p>` : ''}
        ${this.checkNote ? html`<p role="status" id="check-note">${this.checkNote}</p>` : ''}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        ${admin ? html`
          <h3>Add a home relay</h3>
          <p class="muted">A home relay is a small always-on computer at home (a mini-PC, an old laptop) running the relay node. Make an invite here, then run the command it shows on that computer, from a copy of Family Vault; or start the relay node there in a terminal without an invite, and paste this one when it asks. The invite works once.</p>
          <button id="make-relay-invite" @click=${async () => (this.relayInvite = await family.relayInvite())}>Make relay invite</button>
          <fv-share-code .value=${this.relayInvite} label="Relay invite" fieldId="relay-invite"
            qrHint="scan it to carry the invite to the home computer"
            command=${this.relayInvite ? relayCommand(this.relayInvite, this.app.env.signalUrl) : ''}></fv-share-code>` : ''}
      </section>
      <section class="card">
        <h2>Connected now</h2>
        <p class="muted">Family server: <span id="signal-state">${now.needsServerCode ? 'does not know this family yet' : serverState[now.server]}</span></p>
        ${NO_WEBRTC ? html`<p id="no-webrtc" role="note">This browser cannot connect to other devices directly (it has no WebRTC), so it reaches them and your homes through the family server, still end-to-end encrypted. Photos sync, more slowly; a browser with WebRTC connects directly.</p>` : ''}
        ${now.needsServerCode ? html`
          <p id="server-code-needed">This server lets in only families its admin has enrolled. Ask the person who runs it for a server code and enter it here; until then devices may not find each other.</p>
          <label for="server-code">Server code</label><input id="server-code" type="text" autocomplete="off" spellcheck="false" />
          <p class="row"><button id="use-server-code" @click=${this.#useCode}>Use code</button></p>` : ''}
        ${now.revokedHere ? html`<p class="error" id="no-peers">${REVOKED_HERE}</p>`
          : now.peers.length === 0 ? html`<p id="no-peers">No other device or home relay is connected right now. Photos wait here and sync when one is.</p>` : ''}
        <ul id="peers">${now.peers.map((p) => html`<li>
          <strong>${p.name ?? (p.role === 'relay' ? 'A home' : 'A device')}</strong>${p.role === 'relay' ? ' (home relay)' : ''} ·
          <span class="transport">${transportName[p.transport]}</span> · ${p.state}
          ${p.refusal ? html`<span class="error"> · refused (${p.refusal.by}): ${p.refusal.detail || p.refusal.reason}</span>` : ''}
          · ${p.jobs.queued + p.jobs.sending ? `${p.jobs.queued + p.jobs.sending} transfers to go` : 'nothing waiting to send'}${p.jobs.failed ? html`, <span class="error">${p.jobs.failed} failed</span>` : ''}
        </li>`)}</ul>
        ${now.full.map((st) => html`<p class="error relay-full" role="alert">${st.reason ?? `Home ${st.name ?? ''} is full`}. New photos are not backed up there until it has room.</p>`)}
        <p id="queue">${now.transfers.active ? `${count(now.transfers.active, 'transfer')} in progress` : 'Nothing waiting to transfer.'}</p>
        ${now.transfers.failed ? html`<p class="error" id="failures">${count(now.transfers.failed, 'transfer')} failed; last reason: ${now.transfers.lastError ?? 'unknown'}. They are retried automatically.</p>` : ''}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-devices': FvDevices }
}
