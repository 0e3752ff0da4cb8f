/**
 * Vault-secret rotation (docs/crypto.md "Rotation"). Removing a member or revoking a device
 * makes a new generation: a fresh vault secret (so a new signaling room and handshake key) and a
 * fresh member secret (so a new directory key for the members-only entries), each sealed to the
 * X25519 key of every remaining member; homes get the vault secret only. The `rotate` statement
 * is signed by an admin and names the new room, so a peer that opens its entry checks that the
 * secret it got is the one every other recipient got.
 *
 * Nothing of this is stored apart from the vault log: each peer opens the entries sealed to it
 * at start and whenever the roster changes (`openKeyring`). A device's base secrets (from its
 * invite) are generation 0's member secret and the vault secret current when the invite was made.
 */
import { fromBase64Url, toBase64Url } from '../../core/bytes.ts';
import { describeError } from '../../core/errors.ts';
import type { CryptoApi, VaultKeys } from '../../crypto/api-types.ts';
import type { Roster } from './roster.ts';
import type { StatementBody } from './statement.ts';

// Sealed like an album key of a fixed album id that no album can have (ids are random), epoch = generation.
const VAULT_SEAL_ID = new Uint8Array(16).fill(0xd6);
const MEMBER_SEAL_ID = new Uint8Array(16).fill(0xd7);

export interface Recipient {
  box: string;
  /** Members get the member secret too; homes never do. */
  member: boolean;
}

export interface Generation {
  gen: number;
  vaultSecret: Uint8Array;
  keys: VaultKeys;
  /** Absent for a home. */
  memberSecret?: Uint8Array;
}

export interface Keyring {
  /** Newest first; [0] is the room this peer talks in. */
  gens: Generation[];
  /** Member secrets of every generation held, newest first (directory keys come from these). */
  memberSecrets: Array<{ gen: number; secret: Uint8Array }>;
}

/** The `rotate` statement body for a generation: the secrets sealed to each recipient. */
export async function rotationBody(crypto: CryptoApi, gen: number, secrets: { vaultSecret: Uint8Array; memberSecret: Uint8Array }, to: Recipient[]): Promise<StatementBody> {
  const keys = await crypto.deriveVaultKeys(secrets.vaultSecret);
  const entries = [];
  for (const r of to) {
    const box = fromBase64Url(r.box);
    const vault = toBase64Url(await crypto.sealAlbumKey(box, secrets.vaultSecret, VAULT_SEAL_ID, gen));
    entries.push(r.member ? { box: r.box, vault, member: toBase64Url(await crypto.sealAlbumKey(box, secrets.memberSecret, MEMBER_SEAL_ID, gen)) } : { box: r.box, vault });
  }
  return { t: 'rotate', gen, room: keys.roomId, to: entries };
}

/**
 * Opens what of the roster's rotations is sealed to `box`. `base`: the secrets from this
 * device's invite. A sealed entry whose secret does not give the statement's room is refused
 * (logged): it is not the generation everyone else got.
 */
export async function openKeyring(crypto: CryptoApi, roster: Roster, me: { box: string; boxSecret: Uint8Array }, base: { vaultSecret: Uint8Array; memberSecret?: Uint8Array }, log: (l: string) => void): Promise<Keyring> {
  const baseKeys = await crypto.deriveVaultKeys(base.vaultSecret);
  const byGen = new Map<number, Generation>();
  const baseGen = [...roster.rooms].find(([, room]) => room === baseKeys.roomId)?.[0] ?? 0;
  byGen.set(baseGen, { gen: baseGen, vaultSecret: base.vaultSecret, keys: baseKeys });
  const memberSecrets: Array<{ gen: number; secret: Uint8Array }> = base.memberSecret ? [{ gen: 0, secret: base.memberSecret }] : [];
  for (const e of roster.rotations) {
    const b = e.st.body;
    if (b.t !== 'rotate') continue;
    const mine = b.to.find((x) => x.box === me.box);
    if (!mine) continue;
    try {
      if (!byGen.has(b.gen)) {
        const { albumKey: vaultSecret } = await crypto.openAlbumKey(me.boxSecret, fromBase64Url(mine.vault), { albumId: VAULT_SEAL_ID, epoch: b.gen });
        const keys = await crypto.deriveVaultKeys(vaultSecret);
        if (keys.roomId !== b.room) throw new Error('the sealed vault secret is not the one of the room it names');
        byGen.set(b.gen, { gen: b.gen, vaultSecret, keys });
      }
      if (mine.member && base.memberSecret && !memberSecrets.some((m) => m.gen === b.gen)) {
        const { albumKey } = await crypto.openAlbumKey(me.boxSecret, fromBase64Url(mine.member), { albumId: MEMBER_SEAL_ID, epoch: b.gen });
        memberSecrets.push({ gen: b.gen, secret: albumKey });
      }
    } catch (err) {
      log(`rotation: refused generation ${b.gen} from ${e.st.by.slice(0, 8)}… (${describeError(err)})`);
    }
  }
  return {
    gens: [...byGen.values()].sort((a, b) => b.gen - a.gen),
    memberSecrets: memberSecrets.sort((a, b) => b.gen - a.gen),
  };
}

/** Who should hold the current generation: every current member (with the member secret) and every enrolled home. */
export function currentRecipients(roster: Roster): Recipient[] {
  return [
    ...[...roster.members.values()].filter((m) => m.role !== 'removed').map((m) => ({ box: m.box, member: true })),
    ...[...roster.homes.values()].filter((h) => !h.revoked).map((h) => ({ box: h.box, member: false })),
  ];
}

/** The newest generation the roster announced (0: never rotated). */
export function newestGeneration(roster: Roster): number {
  return Math.max(0, ...roster.rooms.keys());
}

/**
 * What an admin should do about the current generation: `rotate` if someone was removed or a
 * device revoked since it began, or a removed member holds it (two admins removed two people at
 * once and only one rotation won); otherwise the recipients who lack
 * some generation (joined or enrolled after it, with an older invite): `extend`, gen by gen.
 */
export function rotationDue(roster: Roster): { rotate: boolean; missing: Map<number, Recipient[]> } {
  const removed = new Set([...roster.members.values()].filter((m) => m.role === 'removed').map((m) => m.box));
  const revokedHomes = new Set([...roster.homes.values()].filter((h) => h.revoked).map((h) => h.box));
  const held = new Map<number, Set<string>>();
  for (const e of roster.rotations) {
    const b = e.st.body;
    if (b.t !== 'rotate') continue;
    const s = held.get(b.gen) ?? new Set<string>();
    for (const x of b.to) s.add(x.box);
    held.set(b.gen, s);
  }
  const newest = newestGeneration(roster);
  const rotate = roster.rotationDue || (newest > 0 && [...(held.get(newest) ?? [])].some((b) => removed.has(b) || revokedHomes.has(b)));
  const missing = new Map<number, Recipient[]>();
  if (!rotate) {
    // Members need every generation's member secret (older entries are sealed under them); homes only the newest.
    for (const r of currentRecipients(roster)) {
      for (let gen = r.member ? 1 : newest; gen <= newest && gen > 0; gen++) {
        if (held.get(gen)?.has(r.box)) continue;
        missing.set(gen, [...(missing.get(gen) ?? []), r]);
      }
    }
  }
  return { rotate, missing };
}
