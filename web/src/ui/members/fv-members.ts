import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppController } from '../../vault/app-controller.ts';
import type { MemberView, PendingInvite } from '../../vault/screens/family-actions.ts';
import '../common/fv-dialog.ts';
import '../common/fv-share-code.ts';
import { errorText, shared } from '../styles.ts';
import { count } from '../common/count.ts';
import { REVOKED_HERE } from '../common/revoked-here.ts';

const roleName = { admin: 'admin', contributor: 'can add photos', viewer: 'can look', removed: 'removed' } as const;
const inviteName: Record<string, string> = { admin: 'a new admin', contributor: 'someone who can add photos', viewer: 'someone who can look', device: 'a new device of a member', home: 'a home relay' };

type Confirm =
  | { kind: 'remove'; identity: string; name: string }
  | { kind: 'revoke'; device: string; name: string; mine: boolean }
  | { kind: 'cancel'; key: string; what: string };

/**
 * Family: every member with role, devices and safety words; the invites nobody used yet; and,
 * for admins, role changes, removal and revoking any device. Each change asks first in the app's
 * own dialog and says what it does and does not undo.
 */
@customElement('fv-members')
export class FvMembers extends LitElement {
  static override styles = [shared, css`
    ul.devices { margin: 0.25rem 0 0.5rem 1rem; padding: 0; list-style: disc; }
    li.member { margin-bottom: 0.75rem; }
  `];
  @property({ attribute: false }) app!: AppController;
  @state() members: MemberView[] = [];
  @state() invites: PendingInvite[] = [];
  @state() confirm: Confirm | undefined;
  @state() error = '';
  @state() memberLink = '';
  @state() inviteRole: 'contributor' | 'viewer' | 'admin' | 'device' = 'contributor';
  #offs: Array<() => void> = [];

  override connectedCallback() {
    super.connectedCallback();
    void this.#load();
    this.#offs.push(this.app.on('changed', () => void this.#load()));
  }
  override disconnectedCallback() {
    this.#offs.forEach((f) => f());
    super.disconnectedCallback();
  }

  async #load() {
    const family = this.app.family;
    this.members = await family.members();
    this.invites = family.pendingInvites();
  }

  async #do(what: string, fn: () => Promise<unknown>) {
    this.error = '';
    try {
      await fn();
    } catch (e) {
      this.error = `Could not ${what}: ${errorText(e)}`;
    }
    await this.#load();
  }

  #confirmed() {
    const c = this.confirm;
    this.confirm = undefined;
    const family = this.app.family;
    if (c?.kind === 'remove') void this.#do(`remove ${c.name}`, () => family.removeMember(c.identity));
    if (c?.kind === 'revoke') void this.#do('revoke the device', () => family.revokeDevice(c.device));
    if (c?.kind === 'cancel') void this.#do('cancel the invite', () => family.cancelInvite(c.key));
  }

  #dialog() {
    const c = this.confirm;
    if (!c) return '';
    const [heading, action, text] = c.kind === 'remove'
      ? [`Remove ${c.name} from the family?`, `Remove ${c.name}`, 'Their devices are disconnected, the family moves to new keys they do not get, and new photos use keys they do not have. What they already saw or downloaded cannot be taken back.']
      : c.kind === 'revoke'
        ? [`Revoke ${c.mine ? 'your' : `${c.name}'s`} device?`, 'Revoke device', 'For a lost or sold phone. It is disconnected at once and can no longer connect or change anything; the family moves to new keys. Whoever holds it still needs the passphrase to open what was on it.']
        : [`Cancel the invite for ${c.what}?`, 'Cancel invite', 'Nobody can join with it any more. You can make a new one at any time.'];
    return html`<fv-dialog heading=${heading} action=${action} danger text=${text}
      @answer=${() => this.#confirmed()} @cancel=${() => (this.confirm = undefined)}></fv-dialog>`;
  }

  override render() {
    const family = this.app.family;
    const admin = family.isAdmin;
    const myAlbums = family.myAlbumCount;
    return html`
      <section class="card">
        <h2>Family</h2>
        <p class="muted">Before sharing, read the safety words aloud with the person (on the phone or in person). If they match on both screens, nobody swapped their key.</p>
        ${this.#dialog()}
        ${family.revokedHere ? html`<p class="error" role="alert" id="revoked-here">${REVOKED_HERE}</p>` : ''}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        ${family.notices.map((n) => html`<p class="error notice" role="alert">${n}</p>`)}
        <ul id="members">${this.members.filter((m) => m.role !== 'removed').map((m) => html`<li class="member">
          <strong>${m.name}</strong>${m.me ? ' (you)' : ''} · <span class="role">${roleName[m.role]}</span> · <span class="words">${m.words.join(' ')}</span>
          ${admin && !m.me ? html`
            <select aria-label=${`Role of ${m.name}`} @change=${(e: Event) => void this.#do('change the role', () => family.setRole(m.identity, (e.target as HTMLSelectElement).value as 'admin' | 'contributor' | 'viewer'))}>
              ${(['admin', 'contributor', 'viewer'] as const).map((r) => html`<option value=${r} ?selected=${m.role === r}>${roleName[r]}</option>`)}
            </select>
            <button class="remove" @click=${() => (this.confirm = { kind: 'remove', identity: m.identity, name: m.name })}>Remove ${m.name}</button>` : ''}
          ${m.me ? '' : myAlbums === 0 ? html` · <span class="muted">no albums shared with you yet</span>` : m.albums < myAlbums
            ? html`<button class="share" @click=${() => void this.#do('share the albums', () => family.shareAlbumsWith(m.identity))}>Words match: share my albums</button>`
            : html` · albums shared`}
          <ul class="devices" aria-label=${`Devices of ${m.name}`}>${m.devices.map((d, i) => {
            // Numbered among all of the member's devices, revoked ones too: numbered among those
            // left, "Device 3" became "Device 2" when Device 2 was revoked, as if that had failed.
            if (d.revoked) return '';
            const mine = family.isThisDevice(d.key);
            return html`<li>${mine ? 'This device' : `Device ${i + 1}`}
              ${(m.me || admin) && !mine ? html`<button class="quiet revoke" @click=${() => (this.confirm = { kind: 'revoke', device: d.key, name: m.name, mine: m.me })}>Revoke ${m.me ? 'my' : `${m.name}'s`} device ${i + 1}</button>` : ''}</li>`;
          })}${m.devices.some((d) => d.revoked) ? html`<li class="muted">${count(m.devices.filter((d) => d.revoked).length, 'device')} revoked</li>` : ''}</ul>
        </li>`)}</ul>
      </section>
      <section class="card">
        <h3>Invite family or your other devices</h3>
        <p class="muted">The invite travels in the link's #fragment, which browsers never send to a server. Share it only with the person it is for; it works once.</p>
        ${admin ? html`<label for="invite-role">The invite is for</label>
          <select id="invite-role" @change=${(e: Event) => (this.inviteRole = (e.target as HTMLSelectElement).value as typeof this.inviteRole)}>
            ${(['contributor', 'viewer', 'admin', 'device'] as const).map((r) => html`<option value=${r} ?selected=${this.inviteRole === r}>${inviteName[r]}</option>`)}
          </select>` : html`<p class="muted">You can invite a new device of your own; an admin invites people.</p>`}
        <p class="row"><button id="make-member-invite" @click=${() => void this.#do('make an invite', async () => { this.memberLink = `${location.origin}/#join=${await family.memberInvite(admin ? this.inviteRole : 'device')}`; })}>Make invite link</button></p>
        <fv-share-code .value=${this.memberLink} label="Invite link" fieldId="member-invite"></fv-share-code>
        <h3>Invites not used yet</h3>
        ${this.invites.length === 0 ? html`<p class="muted" id="no-invites">None.</p>` : html`<ul id="invites">${this.invites.map((inv) => html`<li>
          For ${inviteName[inv.role] ?? inv.role}
          ${admin ? html`<button class="quiet cancel-invite" @click=${() => (this.confirm = { kind: 'cancel', key: inv.key, what: inviteName[inv.role] ?? inv.role })}>Cancel invite</button>` : ''}
        </li>`)}</ul>`}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'fv-members': FvMembers }
}
