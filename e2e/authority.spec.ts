/**
 * The family's authority, end to end with real processes: the signal server, a relay-node
 * home (Oak) on the real relay page, each family member in a Chromium of their own, and a
 * dishonest relay built from what a relay really holds (a relay invite and its own device key).
 *   Mom creates the vault and enrols Oak; Aunt joins as a contributor and adds a photo; Mom
 *   makes Uncle a viewer and his add is refused everywhere; the rogue relay plants a key, names
 *   itself admin and forges an op, and nothing changes; Mom removes Aunt: Aunt's browser keeps
 *   what it had but cannot open what is added next and is disconnected; a restored device of
 *   Mom's gets every photo from Oak alone. The signal server enrols families: Mom's first room
 *   with the admin's one-time code, the room of the new generation by the old room's vouch.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './support/chromium.ts';
import { openHarnessPage, vault as v } from './support/harness-page.ts';
import { freePort, startSignalServer, type SignalServer } from './support/processes.ts';
import { RelayNode } from './support/relay-node.ts';
import { FileEnrolmentStore } from '../signal-server/src/enrolment-file.ts';

test.describe.configure({ mode: 'serial' });

const PASSPHRASE = 'correct horse battery staple';
const NEW_PASSPHRASE = 'violet tractor sings at dawn';
const UNCLE_PASSPHRASE = 'quiet lantern meadow 7';
let tmp: string;
let server: SignalServer;
let oak: RelayNode | undefined;
const browsers: Browser[] = [];
const logs = new Map<string, string[]>();

test.beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fv-authority-'));
  server = await startSignalServer(['--static', 'e2e/harness/dist', '--enrol-file', join(tmp, 'enrolment.json')]);
});
test.afterEach(async ({}, info) => {
  if (info.status !== info.expectedStatus && oak) console.error(`── Oak log (tail) ──\n${oak.tail(80)}`);
});
test.afterAll(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close().catch(() => undefined)));
  await oak?.stop();
  await server?.stop();
  await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
});

/** A family member's own browser; its console lines are kept (the refusals are logged there). */
async function person(name: string, harness = 'vault.html', global = 'fvVault'): Promise<Page> {
  const b = await launchChromium();
  browsers.push(b);
  const page = await openHarnessPage(b, `${server.url}/${harness}`, global, name);
  const lines: string[] = [];
  logs.set(name, lines);
  page.on('console', (m) => lines.push(m.text()));
  return page;
}

const photos = async (p: Page): Promise<number> => ((await v(p, 'photoIds')) as string[]).length;
const roleOf = async (p: Page, name: string): Promise<string | undefined> =>
  ((await v(p, 'members')) as Array<{ name: string; role: string }>).find((m) => m.name === name)?.role;

test('roles, a rogue relay, and removing a member, with real processes', async () => {
  test.setTimeout(300_000);
  const mom = await person('Mom');
  // The server's admin gave Mom a code; the app keeps it for the first join (vault/server-code.ts).
  const code = await new FileEnrolmentStore(join(tmp, 'enrolment.json')).mint(Date.now() + 600_000, Date.now());
  await mom.evaluate((c) => localStorage.setItem('fv.serverCode', c), code);
  const created = await v(mom, 'create', { signalUrl: server.wsUrl, passphrase: PASSPHRASE, name: 'Mom' });
  await v(mom, 'addGenerated', { from: 0, count: 2 });
  const inviteFile = join(tmp, 'oak-invite');
  await writeFile(inviteFile, created.relayInvite + '\n', { mode: 0o600 });
  oak = new RelayNode('Oak', join(tmp, 'relay-Oak'), await freePort(), await freePort(), inviteFile, server.wsUrl);
  await oak.start();
  const ids0: string[] = await v(mom, 'photoIds');
  await expect.poll(async () => Promise.all(ids0.map((id) => v(mom, 'backedUpOn', id))), { timeout: 60_000 }).toEqual([1, 1]);
  // Mom's screen can ask Oak to prove it holds her photos (a fresh storage challenge).
  expect(await v(mom, 'checkHomes')).toEqual({ passed: 1, failed: 0, unchecked: 0 });
  const [home] = await v(mom, 'homes');
  expect(home).toMatchObject({ name: 'Oak', connected: true, revoked: false });
  expect(Date.now() - home.check.lastPassedAt).toBeLessThan(60_000);

  // Aunt joins as a contributor; once Mom shares the album (safety words matched), she adds a photo.
  const aunt = await person('Aunt');
  await v(aunt, 'join', { signalUrl: server.wsUrl, invite: await v(mom, 'memberInvite', 'contributor'), passphrase: PASSPHRASE, restore: false, name: 'Aunt' });
  await expect.poll(() => roleOf(mom, 'Aunt'), { timeout: 30_000 }).toBe('contributor');
  expect(await v(mom, 'shareWith', 'Aunt')).toBe(1);
  await expect.poll(async () => ((await v(aunt, 'albums')) as string[]).length, { timeout: 30_000 }).toBe(1);
  await v(aunt, 'addGenerated', { from: 10, count: 1 });
  await expect.poll(() => photos(mom), { timeout: 30_000 }).toBe(3);
  expect(await roleOf(aunt, 'Mom')).toBe('admin');
  // Names are members-only: Aunt reads them with the member secret; the relay never could.
  expect(((await v(aunt, 'members')) as Array<{ name: string }>).map((m) => m.name).sort()).toEqual(['Aunt', 'Mom']);

  // Uncle joins, then Mom makes him a viewer: his app refuses to add, and a tampered app's add is
  // refused by Mom and by Oak.
  const uncle = await person('Uncle');
  const uncleVault = await v(uncle, 'join', { signalUrl: server.wsUrl, invite: await v(mom, 'memberInvite', 'contributor'), passphrase: UNCLE_PASSPHRASE, restore: false, name: 'Uncle' });
  await expect.poll(() => roleOf(mom, 'Uncle'), { timeout: 30_000 }).toBe('contributor');
  await v(mom, 'shareWith', 'Uncle');
  await expect.poll(async () => ((await v(uncle, 'albums')) as string[]).length, { timeout: 30_000 }).toBe(1);
  await expect.poll(() => photos(uncle), { timeout: 30_000 }).toBe(3);
  await v(mom, 'setRole', { name: 'Uncle', role: 'viewer' });
  await expect.poll(() => v(uncle, 'myRole'), { timeout: 30_000 }).toBe('viewer');
  const honest = await v(uncle, 'addGenerated', { from: 20, count: 1 }).then(() => 'added', (e: Error) => e.message);
  expect(honest).toMatch(/viewer/);
  const forced = await v(uncle, 'forceAdd', { from: 21 });
  expect(forced[0].status).toBe('added'); // his own tampered app stored it
  await new Promise((r) => setTimeout(r, 4_000));
  expect(await photos(mom)).toBe(3);
  expect(await photos(aunt)).toBe(3);
  await expect.poll(() => oak!.log(), { timeout: 20_000 }).toMatch(/refused an album op of .*\(viewer\)/);

  // A home relay that turns: it enrols with a real relay invite, then plants a key for Mom,
  // names itself admin and writes an op under the key it planted.
  const rogue = await person('Rogue', 'rogue.html', 'fvRogue');
  const start = await rogue.evaluate((o) => (window as any).fvRogue.start(o), { signalUrl: server.wsUrl, relayInvite: await v(mom, 'relayInvite') });
  expect(start.enrolled).toBe(true);
  const album: string = (await v(mom, 'albums'))[0];
  const attempted = await rogue.evaluate((o) => (window as any).fvRogue.attack(o), { album, memberBox: await v(mom, 'myBox') });
  expect(attempted).toEqual({ legacyPlant: true, sealedPlant: true, selfAdmin: true, albumOp: true }); // stored and offered by the rogue
  await expect.poll(() => v(mom, 'notices'), { timeout: 30_000 }).toContainEqual(expect.stringMatching(/not allowed .* refused/));
  expect(await v(mom, 'epoch')).toBe(0);
  expect((await v(mom, 'members')).map((m: { name: string }) => m.name).sort()).toEqual(['Aunt', 'Mom', 'Uncle']);
  await v(mom, 'addGenerated', { from: 30, count: 1 });
  const afterPlant: string = await v(mom, 'newestAlbumOp');
  expect(await rogue.evaluate((c) => (window as any).fvRogue.opensWithPlanted(c), afterPlant)).toBe(false);
  expect(await v(aunt, 'canOpen', afterPlant)).toBe(true);
  // Logged where it was refused: Oak, the home the rogue is connected to, refuses all of it.
  // (The first refused statement stops the rogue's stream: its later vault-log ops are gaps.)
  await expect.poll(() => oak!.log(), { timeout: 20_000 }).toMatch(/refused a vault-log sealed .*sealed entry not from a member/);
  await expect.poll(() => oak!.log(), { timeout: 20_000 }).toMatch(/refused an album op of .*a home writes no album/);
  await expect.poll(() => photos(mom), { timeout: 5_000 }).toBe(4);

  // Uncle's browser is closed while Aunt is removed: he catches up later through Oak.
  const room0 = await v(mom, 'room');
  expect(room0.generation).toBe(0);
  await v(uncle, 'stop');

  // Mom removes Aunt: a new generation of the vault and member secrets (a new room and handshake
  // key) for Mom, Uncle and the homes, and a new epoch for the album, sealed to Mom and Uncle only.
  await v(mom, 'removeMember', 'Aunt');
  expect(await v(mom, 'epoch')).toBe(1);
  const room1 = await v(mom, 'room');
  expect(room1.generation).toBe(1);
  expect(room1.id).not.toBe(room0.id);
  await expect.poll(() => oak!.log(), { timeout: 30_000 }).toMatch(/rotated its secrets \(generation 1\)/);
  // Aunt's browser holds everything she had and cannot open the new generation: she stays in the
  // old room, where Mom and Oak (who still listen there, for devices that have not moved) refuse
  // her. Only the rogue, which ignores the roster, still talks to her.
  await expect.poll(() => v(aunt, 'openPeers'), { timeout: 30_000 }).toEqual(['rogueRelay0001']);
  expect(await v(aunt, 'room')).toEqual(room0);
  await v(mom, 'addGenerated', { from: 40, count: 1 });
  const afterRemoval: string = await v(mom, 'newestAlbumOp');
  expect(await v(mom, 'canOpen', afterRemoval)).toBe(true);
  // Uncle opens the app again: his device starts in the old room, meets Oak and Mom there, reads
  // the rotation sealed to him, and moves to the new room, where the new epoch reaches him.
  await v(uncle, 'unlock', { signalUrl: server.wsUrl, vaultId: uncleVault.vaultId, passphrase: UNCLE_PASSPHRASE });
  await expect.poll(() => v(uncle, 'room'), { timeout: 60_000 }).toEqual(room1);
  await expect.poll(() => v(uncle, 'epoch'), { timeout: 30_000 }).toBe(1);
  await expect.poll(() => v(uncle, 'canOpen', afterRemoval), { timeout: 30_000 }).toBe(true);
  // Aunt's browser holds everything it had, and still cannot open what came after.
  expect(await v(aunt, 'canOpen', afterRemoval)).toBe(false);
  expect(await photos(aunt)).toBeGreaterThanOrEqual(3);
  // Her devices stay disconnected: every attempt is refused.
  await new Promise((r) => setTimeout(r, 3_000));
  expect(await v(aunt, 'openPeers')).toEqual(['rogueRelay0001']);
  expect(oak.log()).toMatch(/refused \(local\): revoked-device/);

  // Mom changes her passphrase: the new bundle replaces the old one, and Oak deletes the old copy.
  await v(mom, 'changePassphrase', { current: PASSPHRASE, next: NEW_PASSPHRASE });
  await expect.poll(() => oak!.log(), { timeout: 30_000 }).toMatch(/deleted a key bundle its member replaced/);

  // With Mom's browser gone, a restored device of hers gets every photo from Oak alone: it opens
  // her keys with the recovery phrase. A device trying her old passphrase finds nothing it opens.
  const restoreInvite: string = await v(mom, 'memberInvite', 'device');
  await expect.poll(async () => {
    const ids: string[] = await v(mom, 'photoIds');
    return (await Promise.all(ids.map((id) => v(mom, 'backedUpOn', id)))).every((n) => n >= 1);
  }, { timeout: 60_000 }).toBe(true);
  await expect.poll(() => oak!.status().then((s) => s?.queueDepth), { timeout: 30_000 }).toBe(0);
  const stale = await person('OldPassphrase');
  const tried = await v(stale, 'join', { signalUrl: server.wsUrl, invite: await v(mom, 'memberInvite', 'device'), passphrase: PASSPHRASE, restore: true, name: 'Mom', timeoutMs: 10_000 })
    .then(() => 'opened', (e: Error) => e.message);
  expect(tried).toMatch(/passphrase opens none of this family's key bundles/);
  await v(mom, 'stop');
  const mom2 = await person('Mom2');
  await v(mom2, 'join', { signalUrl: server.wsUrl, invite: restoreInvite, recoveryPhrase: created.recoveryPhrase, restore: true, name: 'Mom' });
  await expect.poll(() => v(mom2, 'complete'), { timeout: 90_000, intervals: [250] }).toEqual({ photos: 5, thumbs: 5, originals: 5 });
  expect(await v(mom2, 'epoch')).toBe(1);
  expect(await v(mom2, 'canOpen', afterRemoval)).toBe(true);
  // Its invite was made after the rotation: it talks in the new room from the start.
  expect((await v(mom2, 'room')).id).toBe(room1.id);
  // The server enrolled the first room with the code and the new generation's by the old room's vouch.
  const enrolled = JSON.parse(await readFile(join(tmp, 'enrolment.json'), 'utf8')) as { rooms: Record<string, { via: string; family: string }> };
  expect(enrolled.rooms).toEqual({
    [room0.id]: expect.objectContaining({ via: 'code', family: room0.id }),
    [room1.id]: expect.objectContaining({ via: 'vouch', family: room0.id }),
  });
});
