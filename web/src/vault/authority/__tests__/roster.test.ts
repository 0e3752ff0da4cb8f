import { describe, expect, it } from 'vitest';
import type { OpEnvelope } from '../../../replication/ports.ts';
import { Authority } from '../authority.ts';
import { toBase64Url } from '../../../core/bytes.ts';
import { crypto, credential, Log, person, shuffled } from './family.ts';

const quiet = { log: () => undefined };

/** Feeds ops in the given order the way replication does: 'later' ones are offered again after each round. */
async function deliver(a: Authority, ops: OpEnvelope[]): Promise<{ refused: OpEnvelope[] }> {
  let pending = ops;
  for (let round = 0; round < 10 && pending.length; round++) {
    const next: OpEnvelope[] = [];
    let progress = false;
    for (const op of pending) {
      const r = await a.admit(op);
      if (r === 'later') next.push(op);
      else progress ||= r; // false: refused for good
    }
    pending = next;
    if (!progress) break;
  }
  return { refused: pending };
}

async function family() {
  const log = new Log();
  const mom = await person('Mom');
  const aunt = await person('Aunt');
  const uncle = await person('Uncle');
  await log.genesis(mom);
  const auntInv = await log.invite(mom, 'contributor');
  const uncleInv = await log.invite(mom, 'contributor');
  await log.join(aunt, auntInv);
  await log.join(uncle, uncleInv);
  return { log, mom, aunt, uncle };
}

const summary = (a: Authority) => [...a.roster().members.values()].map((m) => `${m.sign.slice(0, 6)}:${m.role}`).sort().join(',');

describe('roster', () => {
  it('the creator is the root admin; invited members join with the role of their invite', async () => {
    const { log, mom, aunt } = await family();
    const a = new Authority({ crypto, genesis: log.g, ...quiet });
    await deliver(a, log.ops);
    const r = a.roster();
    expect(r.root).toBe(mom.sign);
    expect(r.members.get(mom.sign)?.role).toBe('admin');
    expect(r.members.get(aunt.sign)?.role).toBe('contributor');
    expect(r.deviceOwner(aunt.dev)?.sign).toBe(aunt.sign);
  });

  it('a role change by a non-admin, or signed by a device key alone, is refused and logged', async () => {
    const { log, mom, aunt, uncle } = await family();
    const lines: string[] = [];
    const a = new Authority({ crypto, genesis: log.g, log: (l) => lines.push(l) });
    await deliver(a, log.ops);
    const byContributor = await log.role(aunt, uncle, 'removed');
    expect(await a.admit(byContributor)).not.toBe(true);
    // Aunt's device key signs a statement naming itself as signer: not a member identity.
    const byDevice = await log.publish(aunt, { t: 'role', who: uncle.identity, role: 'removed', cut: {} }, { signer: aunt.device });
    expect(await a.admit(byDevice)).not.toBe(true);
    expect(a.roster().members.get(uncle.sign)?.role).toBe('contributor');
    expect(lines.some((l) => l.includes('not signed by an admin'))).toBe(true);
    expect(a.roster().members.get(mom.sign)?.role).toBe('admin');
  });

  it('a removed admin cannot back-date a change to before their removal', async () => {
    const { log, mom, aunt, uncle } = await family();
    await log.role(mom, aunt, 'admin');
    await log.role(mom, aunt, 'removed');
    // Aunt, removed, signs a change with a Lamport clock lower than her removal.
    const backdated = await log.role(aunt, uncle, 'removed', { [uncle.dev]: { vault: uncle.seq } }, 1);
    // A peer that got the back-dated change before the removal, and one that got it after.
    const removal = log.ops.at(-2)!;
    const early = new Authority({ crypto, genesis: log.g, ...quiet });
    await deliver(early, log.ops.filter((o) => o !== removal && o !== backdated));
    expect(await early.admit(backdated)).toBe(true); // Aunt is an admin as far as this peer knows
    expect(early.roster().members.get(uncle.sign)?.role).toBe('removed');
    expect(await early.admit(removal)).toBe(true);
    const late = new Authority({ crypto, genesis: log.g, ...quiet });
    await deliver(late, log.ops.filter((o) => o !== backdated));
    expect(await late.admit(backdated)).not.toBe(true);
    for (const a of [early, late]) expect(a.roster().members.get(uncle.sign)?.role).toBe('contributor');
    expect(early.roster().ignored.get(await readId(backdated))).toMatch(/admin/);
  });

  it('every order of arrival gives the same roster, concurrent admin changes included', async () => {
    const { log, mom, aunt, uncle } = await family();
    await log.role(mom, aunt, 'admin');
    const seen = log.lamport;
    // Mom and Aunt, both admins, act at the same time without seeing each other's change.
    await log.role(mom, aunt, 'viewer', { [aunt.dev]: { vault: aunt.seq } }, seen + 1);
    await log.role(aunt, mom, 'removed', { [mom.dev]: { vault: mom.seq - 1 } }, seen + 1);
    await log.role(mom, uncle, 'viewer');
    const reference = new Authority({ crypto, genesis: log.g, ...quiet });
    await deliver(reference, log.ops);
    const want = summary(reference);
    for (let seed = 1; seed <= 12; seed++) {
      const a = new Authority({ crypto, genesis: log.g, ...quiet });
      await deliver(a, shuffled(log.ops, seed));
      expect(summary(a)).toBe(want);
    }
    // Exactly one of the two concurrent changes took effect; the vault keeps an admin.
    expect(reference.roster().admins().length).toBeGreaterThan(0);
  });

  it('a device is admitted only when certified, enrolled as a home, or holding an unused invite', async () => {
    const { log, mom, aunt } = await family();
    const home = await person('Oak');
    const homeInv = await log.invite(mom, 'home');
    await log.enroll(home, homeInv);
    const a = new Authority({ crypto, genesis: log.g, ...quiet });
    await deliver(a, log.ops);
    expect(await a.authorizeDevice(aunt.device.publicKey)).toBe('ok');
    expect(a.isHome(home.device.publicKey)).toBe(true);
    expect(a.isHome(aunt.device.publicKey)).toBe(false);
    const stranger = await person('Stranger');
    expect(await a.authorizeDevice(stranger.device.publicKey)).toBe('unknown-device');
    // A credential made with an invite key nobody issued is refused; one for a real, unused invite is taken.
    const fake = await crypto.newSigningKey();
    expect(await a.authorizeDevice(stranger.device.publicKey, await credential(fake, stranger.device.publicKey))).toBe('unknown-device');
    const newcomer = await person('Cousin');
    const inv = await log.invite(mom, 'viewer');
    await deliver(a, log.ops.slice(-1));
    expect(await a.authorizeDevice(newcomer.device.publicKey, await credential(inv, newcomer.device.publicKey))).toBe('ok');
    // Removed: Aunt's device is refused from then on.
    await deliver(a, [await log.role(mom, aunt, 'removed')]);
    expect(await a.authorizeDevice(aunt.device.publicKey)).toBe('revoked-device');
  });

  it('a device invite works once: the device it let in names it, and from then on it lets no other device in', async () => {
    const { log, mom } = await family();
    const inv = await log.invite(mom, 'device');
    const a = new Authority({ crypto, genesis: log.g, ...quiet });
    await deliver(a, log.ops);
    // Mom's new tablet connects with the invite, restores her keys and certifies itself, naming the invite.
    const tablet = { ...mom, device: await crypto.newSigningKey(), seq: 0 };
    tablet.dev = toBase64Url(tablet.device.publicKey);
    expect(await a.authorizeDevice(tablet.device.publicKey, await credential(inv, tablet.device.publicKey))).toBe('ok');
    expect(await a.admit(await log.publish(tablet, { t: 'device', device: tablet.dev, key: toBase64Url(inv.publicKey) }))).toBe(true);
    expect(a.roster().deviceOwner(tablet.dev)?.sign).toBe(mom.sign);
    expect(a.roster().invites.get(toBase64Url(inv.publicKey))?.usedBy).toBe(tablet.dev);
    // Someone who found the link in an old chat: their device is refused, even with a valid credential.
    const finder = await person('Finder');
    expect(await a.authorizeDevice(finder.device.publicKey, await credential(inv, finder.device.publicKey))).toBe('unknown-device');
    // A second device naming the same invite is refused too.
    const phone = { ...mom, device: await crypto.newSigningKey(), seq: 0 };
    phone.dev = toBase64Url(phone.device.publicKey);
    expect(await a.admit(await log.publish(phone, { t: 'device', device: phone.dev, key: toBase64Url(inv.publicKey) }))).not.toBe(true);
    expect(a.roster().deviceOwner(phone.dev)).toBeUndefined();
  });

  it('album ops: a viewer writes nothing; a removed member\'s ops count up to the cut only', async () => {
    const { log, mom, aunt, uncle } = await family();
    const a = new Authority({ crypto, genesis: log.g, ...quiet });
    await deliver(a, log.ops);
    const albumOp = (p: typeof aunt, seq: number): OpEnvelope => ({ log: 'album-1', author: p.dev, seq, lamport: 1, ciphertext: new Uint8Array(8), signature: new Uint8Array(64) });
    expect(await a.admit(albumOp(aunt, 1))).toBe(true);
    await deliver(a, [await log.role(mom, uncle, 'viewer')]);
    expect(await a.admit(albumOp(uncle, 1))).toBe(false);
    await deliver(a, [await log.role(mom, aunt, 'removed', { [aunt.dev]: { vault: aunt.seq, 'album-1': 1 } })]);
    expect(await a.admit(albumOp(aunt, 1))).toBe(true); // written before the removal: still hers
    expect(await a.admit(albumOp(aunt, 2))).toBe(false);
  });

  it('a joining device pins the root its inviter signed under, not one a relay made up', async () => {
    const { log, mom } = await family();
    const inv = await log.invite(mom, 'contributor');
    // A relay holds the vault secret: it makes its own root and copies Mom's identity into it.
    const relay = await person('Relay');
    const fakeLog = new Log();
    await fakeLog.genesis(relay);
    await fakeLog.publish(relay, { t: 'role', who: mom.identity, role: 'admin', cut: {} });
    await fakeLog.publish(relay, { t: 'invite', key: Buffer.from(inv.publicKey).toString('base64url'), role: 'admin' });
    const inviter = await crypto.fingerprint(mom.id);
    const pinned: string[] = [];
    const a = new Authority({ crypto, pinBy: { inviteKey: Buffer.from(inv.publicKey).toString('base64url'), inviterFingerprint: inviter }, onPinned: (g) => { pinned.push(g); }, ...quiet });
    await deliver(a, [...fakeLog.ops, ...log.ops]);
    expect(pinned).toEqual([log.g]);
    expect(a.roster().members.has(relay.sign)).toBe(false);
    expect(a.roster().invites.get(Buffer.from(inv.publicKey).toString('base64url'))?.role).toBe('contributor');
  });
});

async function readId(op: OpEnvelope): Promise<string> {
  const { readStatement } = await import('../statement.ts');
  return (await readStatement(crypto, op.ciphertext)).id;
}
