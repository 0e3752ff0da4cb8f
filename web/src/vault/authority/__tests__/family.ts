/**
 * A test family built from real keys and real statements: each person has an identity and a
 * device, and publishes statements as vault-log ops the way the app does. Attackers are made
 * from what they really hold (a relay's device key, a removed member's identity).
 */
import { toBase64Url } from '../../../core/bytes.ts';
import { directApi as crypto } from '../../../crypto/api.ts';
import type { Identity } from '../../../crypto/api-types.ts';
import { VAULT_LOG } from '../../../replication/op-envelope.ts';
import type { OpEnvelope } from '../../../replication/ports.ts';
import { INVITE_DEVICE_CONTEXT, INVITE_JOIN_CONTEXT, joinTranscript, readStatement, signStatement, type Cut, type InviteRole, type StatementBody } from '../statement.ts';

export { crypto };

export interface Person {
  name: string;
  id: Identity;
  identity: string;
  sign: string;
  device: { secretKey: Uint8Array; publicKey: Uint8Array };
  dev: string;
  seq: number;
}

export async function person(name: string): Promise<Person> {
  const id = await crypto.createIdentity();
  const device = await crypto.newSigningKey();
  return {
    name, id, identity: toBase64Url(await crypto.encodePublicIdentity(id)), sign: toBase64Url(id.signPublic),
    device, dev: toBase64Url(device.publicKey), seq: 0,
  };
}

const FAKE_SIG = new Uint8Array(64);

/** A vault-log op carrying a statement; the envelope signature is not checked at this layer. */
export function opOf(author: string, seq: number, lamport: number, bytes: Uint8Array): OpEnvelope {
  return { log: VAULT_LOG, author, seq, lamport, ciphertext: bytes, signature: FAKE_SIG };
}

export class Log {
  readonly ops: OpEnvelope[] = [];
  g = '';
  lamport = 0;

  async publish(p: Person, body: StatementBody, o: { signer?: { secretKey: Uint8Array; publicKey: Uint8Array }; lamport?: number } = {}): Promise<OpEnvelope> {
    const signer = o.signer ?? { secretKey: p.id.signSecret, publicKey: p.id.signPublic };
    const bytes = await signStatement(crypto, signer, body.t === 'genesis' ? '' : this.g, body);
    const lamport = o.lamport ?? ++this.lamport;
    this.lamport = Math.max(this.lamport, lamport);
    const op = opOf(p.dev, ++p.seq, lamport, bytes);
    this.ops.push(op);
    if (body.t === 'genesis') this.g = (await readStatement(crypto, bytes)).id;
    return op;
  }

  genesis(root: Person) {
    return this.publish(root, { t: 'genesis', root: root.identity, device: root.dev });
  }

  /** An admin's invite; returns the invite key pair. */
  async invite(admin: Person, role: InviteRole) {
    const key = await crypto.newSigningKey();
    await this.publish(admin, { t: 'invite', key: toBase64Url(key.publicKey), role });
    return key;
  }

  async join(p: Person, key: { secretKey: Uint8Array; publicKey: Uint8Array }) {
    const isig = await crypto.signDetached(key.secretKey, INVITE_JOIN_CONTEXT, joinTranscript(p.identity, p.dev));
    return this.publish(p, { t: 'join', who: p.identity, device: p.dev, bundle: 'ab'.repeat(32), key: toBase64Url(key.publicKey), isig: toBase64Url(isig) });
  }

  async enroll(home: Person, key: { secretKey: Uint8Array; publicKey: Uint8Array }) {
    const isig = await crypto.signDetached(key.secretKey, INVITE_DEVICE_CONTEXT, home.device.publicKey);
    return this.publish(home, { t: 'enroll', device: home.dev, box: toBase64Url(home.id.boxPublic), name: home.name, key: toBase64Url(key.publicKey), isig: toBase64Url(isig) }, { signer: home.device });
  }

  role(admin: Person, target: Person, role: 'admin' | 'contributor' | 'viewer' | 'removed', cut: Cut = { [target.dev]: { vault: target.seq } }, lamport?: number) {
    return this.publish(admin, { t: 'role', who: target.identity, role, cut }, lamport === undefined ? {} : { lamport });
  }
}

/** The hello credential a device presents with an invite key. */
export async function credential(key: { secretKey: Uint8Array; publicKey: Uint8Array }, device: Uint8Array): Promise<Uint8Array> {
  const sig = await crypto.signDetached(key.secretKey, INVITE_DEVICE_CONTEXT, device);
  const out = new Uint8Array(96);
  out.set(key.publicKey, 0);
  out.set(sig, 32);
  return out;
}

export function shuffled<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
