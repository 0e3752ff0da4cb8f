import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../vault/app-controller.ts';
import './fv-dialog.ts';
import { shared } from './styles.ts';

const roleName = { admin: 'admin', contributor: 'can add photos', viewer: 'can look', removed: 'removed' } as const;

/** Devices & homes: each connected peer, how it is reached, transfers, and the invites. */
@customElement('fv-devices')
export class FvDevices extends LitElement {
  static override styles = shared;
  @property({ attribute: false }) app!: AppController;
  @state() tick = 0;
  @state() relayInvite = '';
  @state() memberLink = '';
  @state() members: Awaited<ReturnType<NonNullable<AppController['session']>['members']>> = [];
  /** The member whose removal waits for confirmation. */
  @state() confirmRemove: { identity: string; name: string } | undefined;
  @state() memberError = '';
  #off: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  override connectedCallback() {
    super.connectedCallback();
    this.#off = this.app.session!.on('status', () => this.tick++);
    this.#timer = setInterval(() => this.tick++, 2000);
    void this.#loadMembers();
    this.#offs.push(this.app.session!.on('changed', () => void this.#loadMembers()));
  }

  #offs: Array<() => void> = [];
  async #loadMembers() {
    this.members = await this.app.session!.members();
  }

  async #setRole(identity: string, role: 'admin' | 'contributor' | 'viewer') {
    this.memberError = '';
    try {
      await this.app.session!.setRole(identity, role);
    } catch (e) {
      this.memberError = `Could not change the role: ${(e as Error).message}`;
    }
    await this.#loadMembers();
  }

  async #remove() {
    const m = this.confirmRemove;
    this.confirmRemove = undefined;
    if (!m) return;
    this.memberError = '';
    try {
      await this.app.session!.removeMember(m.identity);
    } catch (e) {
      this.memberError = `Could not remove ${m.name}: ${(e as Error).message}`;
    }
    await this.#loadMembers();
  }

  async #share(identity: string) {
    await this.app.session!.shareAlbumsWith(identity);
    await this.#loadMembers();
  }
  override disconnectedCallback() {
    this.#off?.();
    this.#offs.forEach((f) => f());
    clearInterval(this.#timer);
    super.disconnectedCallback();
  }

  override render() {
    const s = this.app.session!;
    const peers = s.node.engine.peers().filter((p) => p.peerId);
    const jobs = s.node.engine.jobs();
    const active = jobs.filter((j) => j.state === 'queued' || j.state === 'sending');
    const failed = jobs.filter((j) => j.state === 'failed');
    const admin = s.family.myRole() === 'admin';
    const serverState = { joined: 'connected', connecting: 'connecting…', closed: 'not reachable (photos wait here)' } as const;
    const myAlbums = s.albumIds.length;
    const transportName = { direct: 'direct', turn: 'through TURN', fallback: 'through the server (fallback)', memory: 'in memory' } as const;
    return html`
      <section class="card">
        <h2>Devices &amp; homes</h2>
        <p class="muted">Family server: <span id="signal-state">${serverState[s.node.signal.state]}</span></p>
        ${peers.length === 0 ? html`<p id="no-peers">No other device or home relay is connected right now. Photos wait here and sync when one is.</p>` : ''}
        <ul id="peers">${peers.map((p) => html`<li>
          <strong>${p.role === 'relay' ? 'Home relay' : 'Family device'}</strong> ${s.peerStatus.get(p.peerId!)?.name ?? p.peerId!.slice(0, 8)} ·
          <span class="transport">${transportName[p.transport]}</span> · ${p.state}
          ${p.refusal ? html`<span class="error"> · refused (${p.refusal.by}): ${p.refusal.detail || p.refusal.reason}</span>` : ''}
          · ${p.jobs.queued + p.jobs.sending ? `${p.jobs.queued + p.jobs.sending} transfers to go` : 'nothing waiting to send'}${p.jobs.failed ? html`, <span class="error">${p.jobs.failed} failed</span>` : ''}
        </li>`)}</ul>
        ${[...s.peerStatus.values()].filter((st) => st.full).map((st) => html`<p class="error relay-full" role="alert">${st.reason ?? `Home ${st.name ?? ''} is full`}. New photos are not backed up there until it has room.</p>`)}
        <p id="queue">${active.length ? `${active.length} transfers in progress` : 'Nothing waiting to transfer.'}</p>
        ${failed.length ? html`<p class="error" id="failures">${failed.length} transfers failed; last reason: ${failed[failed.length - 1]?.lastError ?? 'unknown'}. They are retried automatically.</p>` : ''}
      </section>
      <section class="card">
        <h3>Family members</h3>
        <p class="muted">Before sharing, read the safety words aloud with the person (on the phone or in person). If they match on both screens, nobody swapped their key.</p>
        ${this.confirmRemove ? html`<fv-dialog heading=${`Remove ${this.confirmRemove.name} from the family?`} action=${`Remove ${this.confirmRemove.name}`} danger
          text="Their devices are disconnected and new photos get new keys they do not have. What they already saw or downloaded cannot be taken back."
          @answer=${() => void this.#remove()} @cancel=${() => (this.confirmRemove = undefined)}></fv-dialog>` : ''}
        ${this.memberError ? html`<p class="error" role="alert">${this.memberError}</p>` : ''}
        ${s.family.notices.map((n) => html`<p class="error notice" role="alert">${n}</p>`)}
        <ul id="members">${this.members.filter((m) => m.role !== 'removed').map((m) => html`<li>
          <strong>${m.name}</strong>${m.me ? ' (you)' : ''} · <span class="role">${roleName[m.role]}</span> · <span class="words">${m.words.join(' ')}</span>
          ${admin && !m.me ? html`
            <select aria-label=${`Role of ${m.name}`} @change=${(e: Event) => void this.#setRole(m.identity, (e.target as HTMLSelectElement).value as 'admin' | 'contributor' | 'viewer')}>
              ${(['admin', 'contributor', 'viewer'] as const).map((r) => html`<option value=${r} ?selected=${m.role === r}>${roleName[r]}</option>`)}
            </select>
            <button class="remove" @click=${() => (this.confirmRemove = { identity: m.identity, name: m.name })}>Remove ${m.name}</button>` : ''}
          ${m.me ? '' : myAlbums === 0 ? html` · <span class="muted">no albums shared with you yet</span>` : m.albums < myAlbums
            ? html`<button class="share" @click=${() => void this.#share(m.identity)}>Words match: share my albums</button>`
            : html` · albums shared`}
        </li>`)}</ul>
      </section>
      <section class="card">
        <h3>Add a home relay</h3>
        <p class="muted">A relay keeps an encrypted copy of every photo at home. It cannot see any photo. Make a relay invite and give it to the relay node (<code>npm run relay -- --invite-file FILE …</code>).</p>
        <button id="make-relay-invite" @click=${async () => (this.relayInvite = await s.relayInvite())}>Make relay invite</button>
        ${this.relayInvite ? html`<p><textarea id="relay-invite" rows="3" readonly .value=${this.relayInvite}></textarea></p>` : ''}
      </section>
      <section class="card">
        <h3>Invite family or your other devices</h3>
        <p class="muted">The invite travels in the link's #fragment, which browsers never send to a server. Share it only with family.</p>
        <button id="make-member-invite" @click=${async () => (this.memberLink = `${location.origin}/#join=${await s.memberInvite()}`)}>Make invite link</button>
        ${this.memberLink ? html`<p><textarea id="member-invite" rows="3" readonly .value=${this.memberLink}></textarea></p>` : ''}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-devices': FvDevices }
}
