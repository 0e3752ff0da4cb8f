import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../core/bytes.ts';
import type { OpEnvelope } from '../../../replication/ports.ts';
import { Authority } from '../authority.ts';
import { currentRecipients, openKeyring, rotationBody, rotationDue, type Keyring } from '../rotation.ts';
import { crypto, Log, person, shuffled, type Person } from './family.ts';

const quiet = { log: () => undefined };

async function deliver(a: Authority, ops: OpEnvelope[]): Promise<void> {
  let pending = ops;
  for (let round = 0; round < 10 && pending.length; round++) {
    const next: OpEnvelope[] = [];
    for (const op of pending) if ((await a.admit(op)) === 'later') next.push(op);
    pending = next;
  }
}

/** Mom (root), Aunt and Uncle (contributors), home Oak; every device starts from the invite's secrets. */
async function family() {
  const log = new Log();
  const [mom, aunt, uncle, oak] = await Promise.all(['Mom', 'Aunt', 'Uncle', 'Oak'].map(person)) as [Person, Person, Person, Person];
  await log.genesis(mom);
  await log.join(aunt, await log.invite(mom, 'contributor'));
  await log.join(uncle, await log.invite(mom, 'contributor'));
  await log.enroll(oak, await log.invite(mom, 'home'));
  const base = { vaultSecret: await crypto.newVaultSecret(), memberSecret: await crypto.newMemberSecret() };
  return { log, mom, aunt, uncle, oak, base };
}

async function authorityOf(log: Log, ops = log.ops, lines?: string[]) {
  const a = new Authority({ crypto, genesis: log.g, log: lines ? (l) => lines.push(l) : quiet.log });
  await deliver(a, ops);
  return a;
}

const me = (p: Person) => ({ box: toBase64Url(p.id.boxPublic), boxSecret: p.id.boxSecret });
const keyring = (a: Authority, p: Person, base: { vaultSecret: Uint8Array; memberSecret?: Uint8Array }, lines: string[] = []) =>
  openKeyring(crypto, a.roster(), me(p), base, (l) => lines.push(l));
const rooms = (k: Keyring) => k.gens.map((g) => `${g.gen}:${g.keys.roomId}`);

describe('rotation of the vault and member secrets', () => {
  it('after a removal the new generation opens for the remaining members and homes, never for the removed one', async () => {
    const { log, mom, aunt, uncle, oak, base } = await family();
    await log.role(mom, aunt, 'removed');
    const before = await authorityOf(log);
    expect(rotationDue(before.roster()).rotate).toBe(true);
    const next = { vaultSecret: await crypto.newVaultSecret(), memberSecret: await crypto.newMemberSecret() };
    const body = await rotationBody(crypto, 1, next, currentRecipients(before.roster()));
    await log.publish(mom, body);
    const a = await authorityOf(log);
    expect(rotationDue(a.roster()).rotate).toBe(false);
    const newRoom = (await crypto.deriveVaultKeys(next.vaultSecret)).roomId;

    const u = await keyring(a, uncle, base);
    expect(u.gens[0]!.keys.roomId).toBe(newRoom);
    expect(u.gens.map((g) => g.gen)).toEqual([1, 0]);
    expect(u.memberSecrets.map((m) => toBase64Url(m.secret))).toEqual([toBase64Url(next.memberSecret), toBase64Url(base.memberSecret)]);
    // The home gets the room, never a member secret.
    const o = await keyring(a, oak, { vaultSecret: base.vaultSecret });
    expect(o.gens[0]!.keys.roomId).toBe(newRoom);
    expect(o.memberSecrets).toEqual([]);
    // Aunt holds everything she had (the base secrets, her identity): still only generation 0.
    const au = await keyring(a, aunt, base);
    expect(rooms(au)).toEqual([`0:${(await crypto.deriveVaultKeys(base.vaultSecret)).roomId}`]);
    expect(au.memberSecrets).toHaveLength(1);
  });

  it('a rotation signed by a contributor, a removed admin or a home\'s device key is ignored by every peer', async () => {
    const { log, mom, aunt, uncle, oak, base } = await family();
    await log.role(mom, aunt, 'admin');
    await log.role(mom, aunt, 'removed');
    const lines: string[] = [];
    const made = async (by: Person, signer?: Person['device']) => {
      const a0 = await authorityOf(log);
      const secrets = { vaultSecret: await crypto.newVaultSecret(), memberSecret: await crypto.newMemberSecret() };
      return log.publish(by, await rotationBody(crypto, 1, secrets, currentRecipients(a0.roster())), signer ? { signer } : {});
    };
    const forged = [await made(uncle), await made(aunt), await made(oak, oak.device)];
    const a = new Authority({ crypto, genesis: log.g, log: (l) => lines.push(l) });
    await deliver(a, log.ops.filter((o) => !forged.includes(o)));
    for (const op of forged) expect(await a.admit(op)).not.toBe(true);
    expect(lines.filter((l) => l.includes('refused a vault-log rotate')).length).toBeGreaterThanOrEqual(2);
    expect(a.roster().rooms.size).toBe(0);
    expect((await keyring(a, uncle, base)).gens.map((g) => g.gen)).toEqual([0]);
  });

  it('a sealed secret that is not the room the statement names is refused; a second generation of the same number or a skipped one is ignored', async () => {
    const { log, mom, uncle, base } = await family();
    const a0 = await authorityOf(log);
    const s1 = { vaultSecret: await crypto.newVaultSecret(), memberSecret: await crypto.newMemberSecret() };
    const honest = await rotationBody(crypto, 1, s1, currentRecipients(a0.roster()));
    // The same statement shape, but Uncle's entry is sealed from another secret than the room's.
    const other = await rotationBody(crypto, 1, { vaultSecret: await crypto.newVaultSecret(), memberSecret: s1.memberSecret }, [{ box: toBase64Url(uncle.id.boxPublic), member: true }]);
    if (honest.t !== 'rotate' || other.t !== 'rotate') throw new Error('not a rotation');
    await log.publish(mom, { ...honest, to: [...honest.to.filter((x) => x.box !== other.to[0]!.box), other.to[0]!] });
    const lines: string[] = [];
    const a = await authorityOf(log);
    expect((await keyring(a, uncle, base, lines)).gens.map((g) => g.gen)).toEqual([0]);
    expect(lines.join('\n')).toMatch(/refused generation 1 .*not the one of the room/);
    // Another gen 1 (a different room) and a gen 3 (skips 2): both ignored by the roster.
    const dup = await log.publish(mom, await rotationBody(crypto, 1, { vaultSecret: await crypto.newVaultSecret(), memberSecret: s1.memberSecret }, currentRecipients(a0.roster())));
    const skip = await log.publish(mom, await rotationBody(crypto, 3, s1, currentRecipients(a0.roster())));
    const refusals: string[] = [];
    const b = await authorityOf(log, log.ops, refusals);
    expect(refusals.filter((l) => l.includes('rotation out of order'))).toHaveLength(2);
    expect([...b.roster().rooms.keys()]).toEqual([1]);
    for (const op of [dup, skip]) expect(await b.admit(op)).toBe(false);
  });

  it('whoever joins or enrols after a rotation is owed it; every order of arrival gives the same generations', async () => {
    const { log, mom, aunt, base } = await family();
    await log.role(mom, aunt, 'removed');
    const s1 = { vaultSecret: await crypto.newVaultSecret(), memberSecret: await crypto.newMemberSecret() };
    await log.publish(mom, await rotationBody(crypto, 1, s1, currentRecipients((await authorityOf(log)).roster())));
    const cousin = await person('Cousin');
    await log.join(cousin, await log.invite(mom, 'viewer'));
    const pine = await person('Pine');
    await log.enroll(pine, await log.invite(mom, 'home'));
    const a = await authorityOf(log);
    const due = rotationDue(a.roster());
    expect(due.rotate).toBe(false);
    expect(due.missing.get(1)?.map((r) => r.box).sort()).toEqual([toBase64Url(cousin.id.boxPublic), toBase64Url(pine.id.boxPublic)].sort());
    // The admin extends generation 1 to them with the same secrets: the cousin, whose invite had
    // the new vault secret and generation 0's member secret, now holds both member secrets.
    await log.publish(mom, await rotationBody(crypto, 1, s1, due.missing.get(1)!));
    const b = await authorityOf(log);
    expect(rotationDue(b.roster()).missing.size).toBe(0);
    const c = await keyring(b, cousin, { vaultSecret: s1.vaultSecret, memberSecret: base.memberSecret });
    expect(c.gens.map((g) => g.gen)).toEqual([1]);
    expect(c.memberSecrets.map((m) => m.gen)).toEqual([1, 0]);
    const want = [...b.roster().rooms].join();
    for (let seed = 1; seed <= 8; seed++) expect([...(await authorityOf(log, shuffled(log.ops, seed))).roster().rooms].join()).toBe(want);
  });

  it('revoking a device or removing a home makes a new generation due; the home removed gets none of it', async () => {
    const { log, mom, uncle, oak } = await family();
    expect(rotationDue((await authorityOf(log)).roster()).rotate).toBe(false);
    // Uncle revokes his own lost phone: due, though only an admin can start the generation.
    await log.publish(uncle, { t: 'revoke', device: uncle.dev, upTo: { vault: uncle.seq } });
    const a = await authorityOf(log);
    expect(a.roster().revoked.has(uncle.dev)).toBe(true);
    expect(rotationDue(a.roster()).rotate).toBe(true);
    await log.publish(mom, await rotationBody(crypto, 1, { vaultSecret: await crypto.newVaultSecret(), memberSecret: await crypto.newMemberSecret() }, currentRecipients(a.roster())));
    expect(rotationDue((await authorityOf(log)).roster()).rotate).toBe(false);
    // Mom removes home Oak: due again, and the next generation is not sealed to Oak.
    await log.publish(mom, { t: 'revoke', device: oak.dev, upTo: {} });
    const b = await authorityOf(log);
    expect(rotationDue(b.roster()).rotate).toBe(true);
    expect(currentRecipients(b.roster()).map((r) => r.box)).not.toContain(toBase64Url(oak.id.boxPublic));
  });
});
