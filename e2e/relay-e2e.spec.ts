/**
 * The whole relay, for real: the relay-node CLI driving its Chromium on the REAL relay page
 * (web/dist/relay.html, window.fvRelay), family devices on the vault harness page, the real
 * signal server, all in the loopback-only namespace. One vault goes through the tests in order:
 *   1. a home relay stores every object, through kill -9 of its browser mid-transfer and kill -9
 *      of relay-node itself while its browser is wedged (it must not keep the profile locked);
 *   2. a second home; with the first family device gone, a new device restores everything from
 *      either home ALONE;
 *   3. neither home's data dir holds anything readable (JPEG/EXIF markers, names, EXIF text).
 * A second vault checks the quota: a full relay refuses, keeps what it has, and says so.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdtemp, readdir, readFile, rm, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './support/chromium.ts';
import { openHarnessPage, vault } from './support/harness-page.ts';
import { freePort, repoRoot, startSignalServer, type SignalServer } from './support/processes.ts';
import { RelayNode } from './support/relay-node.ts';

test.describe.configure({ mode: 'serial' });

const PASSPHRASE = 'correct horse battery staple';
const MEMBER = 'Grandpa Ignatius';
const ALBUM = 'Family Zanzibar Summer';

let tmp: string;
let server: SignalServer;
const browsers: Browser[] = [];
const relays: Relay[] = [];

test.beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fv-relay-real-'));
  // The family harness (vault.html) and /fixtures/beach.jpg come from e2e/harness/dist.
  server = await startSignalServer(['--static', 'e2e/harness/dist']);
});

let failed = false;
test.afterEach(async ({}, info) => {
  if (info.status === info.expectedStatus) return;
  failed = true;
  for (const r of relays) console.error(`── relay ${r.name} log (tail) ──\n${r.tail(60)}`);
});

test.afterAll(async () => {
  await Promise.all(browsers.splice(0).map((b) => b.close().catch(() => undefined)));
  for (const r of relays) await r.stop(); // SIGTERM: relay-node closes its browser (SIGKILL after 5 s)
  await server?.stop();
  // Nothing of ours may outlive the suite: no browser on any of our profiles.
  const left = await processesUsing(tmp);
  for (const pid of left) killQuietly(pid);
  await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  // (After a failure, whatever the failing test left behind was killed above: no second error.)
  if (!failed) expect(left, 'processes left on the relays\' profiles').toEqual([]);
});

// ── helpers ───────────────────────────────────────────────────────────────────────────────

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Live (non-zombie) processes whose command line mentions `path`. */
async function processesUsing(path: string): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8');
      const stat = await readFile(`/proc/${d}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmd.includes(path) && state !== 'Z' && state !== 'X') out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** A relay-node process of this suite (its logs are printed when a test fails). */
class Relay extends RelayNode {
  static async create(name: string, inviteFile: string, extra: string[] = []): Promise<Relay> {
    const r = new Relay(name, join(tmp, `relay-${name}`), await freePort(), await freePort(), inviteFile, server.wsUrl, extra);
    relays.push(r);
    return r;
  }
}

async function device(name: string): Promise<{ page: Page; browser: Browser }> {
  const browser = await launchChromium();
  browsers.push(browser);
  return { page: await openHarnessPage(browser, `${server.url}/vault.html`, 'fvVault', name), browser };
}

async function closeDevice(d: { page: Page; browser: Browser }): Promise<void> {
  await v(d.page, 'stop').catch(() => undefined);
  await d.browser.close();
  browsers.splice(browsers.indexOf(d.browser), 1);
}

const v = vault;

async function backedUp(page: Page): Promise<number[]> {
  const ids: string[] = await v(page, 'photoIds');
  return Promise.all(ids.map((id) => v(page, 'backedUpOn', id)));
}

/** Every photo reaches Oak; on a timeout, says which objects of which photos did not, and why. */
async function expectAllBackedUp(page: Page, relay: Relay): Promise<void> {
  try {
    await expect.poll(() => backedUp(page), { timeout: 60_000, intervals: [250] }).toEqual(Array(PHOTOS).fill(1));
  } catch (e) {
    const ids: string[] = await v(page, 'photoIds');
    for (const id of ids) {
      if ((await v(page, 'backedUpOn', id)) === 1) continue;
      console.error(`not backed up: photo ${id}: ${JSON.stringify(await v(page, 'objectsOf', id))}`);
    }
    console.error(`device jobs: ${JSON.stringify(await v(page, 'jobs'))}\ndevice peers: ${JSON.stringify(await v(page, 'peers'))}`);
    console.error(`relay status: ${JSON.stringify(await relay.status())}`);
    throw e;
  }
}

/** Polls fast until `pred` holds, returning the value that satisfied it. */
async function waitFor<T>(fn: () => Promise<T>, pred: (x: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const x = await fn();
    if (pred(x)) return x;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(x)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ── the shared vault ────────────────────────────────────────────────────────────────────────

const BATCH = 10;
const PHOTOS = 3 * BATCH + 1; // 30 generated JPEGs and beach.jpg
let created: { memberInvite: string; relayInvite: string };
let sent: Record<string, string>;
let totalObjects = 0;
let oak: Relay;
let pine: Relay;
let inviteFile: string;
let familyA: { page: Page; browser: Browser } | undefined;

test('a relay stores every object through kill -9 of its browser and of relay-node itself', async () => {
  test.setTimeout(150_000);
  const a = await device('A');
  created = await v(a.page, 'create', { signalUrl: server.wsUrl, passphrase: PASSPHRASE, name: MEMBER, albumName: ALBUM });
  inviteFile = join(tmp, 'relay-invite');
  await writeFile(inviteFile, created.relayInvite + '\n', { mode: 0o600 });
  oak = await Relay.create('Oak', inviteFile);
  await oak.start();
  const photo = { width: 1600, height: 1200, quality: 0.97 }; // about 750 KB each

  // Batch 1; kill -9 the relay's browser once some objects arrived.
  const batch1 = v(a.page, 'addGenerated', { from: 0, count: BATCH, ...photo });
  const before = await waitFor(() => oak.status(), (s) => s?.objects >= 4, 'the first objects at Oak');
  process.kill(before.browser.pid, 'SIGKILL');
  expect((await batch1).filter((r: { status: string }) => r.status === 'added')).toHaveLength(BATCH);
  const aAfter1 = (await v(a.page, 'stat')).count;
  expect(before.objects, 'the browser was killed mid-transfer').toBeLessThan(aAfter1);
  const restarted = await waitFor(() => oak.status(), (s) => s?.ok && s.browser.restarts === 1, 'the browser restart', 60_000);
  expect(restarted.browser.pid).not.toBe(before.browser.pid);
  expect(restarted.browser.lastRestartReason).toMatch(/browser exited|page crashed|page closed/);

  // Batch 2; mid-transfer, wedge the browser (SIGSTOP: it cannot notice its parent died) and
  // kill -9 relay-node. The wedged browser keeps the profile locked until the next start.
  const batch2 = v(a.page, 'addGenerated', { from: BATCH, count: BATCH, ...photo });
  const mid = await waitFor(() => oak.status(), (s) => s?.objects >= restarted.objects + 4, 'more objects at Oak');
  const wedged = mid.browser.pid as number;
  process.kill(wedged, 'SIGSTOP');
  oak.run!.proc.kill('SIGKILL');
  await oak.stop('SIGKILL');
  expect((await batch2).filter((r: { status: string }) => r.status === 'added')).toHaveLength(BATCH);
  expect(mid.objects, 'relay-node was killed mid-transfer').toBeLessThan((await v(a.page, 'stat')).count);
  expect(await processesUsing(oak.dataDir), 'the wedged browser is still there').toContain(wedged);

  // Batch 3 and a real JPEG with EXIF while the home is down.
  await v(a.page, 'addGenerated', { from: 2 * BATCH, count: BATCH, ...photo });
  const beach = await a.page.evaluate(() => (window as any).fvVault.addFixture('/fixtures/beach.jpg', 'beach.jpg'));
  expect(beach[0].status).toBe('added');

  // relay-node starts again: it finds the wedged browser on its profile and kills it, instead
  // of waiting for Chromium's own ~20 s profile-lock timeout (or failing to launch).
  const startMs = await oak.start();
  expect(oak.log()).toMatch(new RegExp(`WARN stale-browser pid=${wedged}`));
  expect(oak.log()).toMatch(new RegExp(`WARN stale-browser-killed pid=${wedged}`));
  expect(startMs).toBeLessThan(20_000);
  expect(await processesUsing(oak.dataDir)).not.toContain(wedged);

  // Everything arrives; the queue drains; a self-check after the sync reads every object back.
  await expectAllBackedUp(a.page, oak);
  expect(await v(a.page, 'notBackedUp'), 'the Storage page: no photo only on this device').toBe(0);
  totalObjects = (await v(a.page, 'stat')).count;
  const synced = Date.now();
  const final = await waitFor(() => oak.status(), (s) => s?.queueDepth === 0 && s.objects === totalObjects && s.selfCheck?.startedAt > synced, 'a self-check begun after the sync', 30_000);
  expect(final).toMatchObject({ ok: true, corrupt: 0, refusedForQuota: 0, selfCheck: { checked: totalObjects, corrupt: [] } });
  expect(final.peers.some((p: { role: string }) => p.role === 'member')).toBe(true);
  sent = await v(a.page, 'sentHashes');
  expect(Object.keys(sent)).toHaveLength(3 * BATCH);
  console.log(`relay-e2e: ${PHOTOS} photos, ${totalObjects} objects, ${(final.bytes / 2 ** 20).toFixed(1)} MiB at Oak; ` +
    `killed the browser at ${before.objects} and relay-node at ${mid.objects} objects; restart after kill -9 took ${startMs} ms`);
  familyA = a; // the family device stays for the next test
});

test('two homes hold everything, and either one alone serves a new device', async () => {
  test.setTimeout(150_000);
  const a = familyA!;
  // An invite enrols one home: Pine gets its own (the first one is used up by Oak).
  const pineInvite = join(tmp, 'relay-invite-pine');
  await writeFile(pineInvite, (await v(a.page, 'relayInvite')) + '\n', { mode: 0o600 });
  pine = await Relay.create('Pine', pineInvite);
  await pine.start();
  await expect.poll(() => backedUp(a.page), { timeout: 60_000, intervals: [250] }).toEqual(Array(PHOTOS).fill(2));
  const homes: string[] = await v(a.page, 'homesOf', (await v(a.page, 'photoIds'))[0]);
  expect(homes.sort()).toEqual([(await oak.status()).peerId, (await pine.status()).peerId].sort());
  await waitFor(() => pine.status(), (s) => s?.objects === totalObjects && s.queueDepth === 0, 'Pine complete');

  // Disk rot on Oak: a byte flipped in three stored chunks. Its self-check finds them, and Oak
  // fetches them again (from Pine or the family device), verified; device C below restores
  // every original from Oak alone, so nothing of the rot survives.
  const flipped = await flipChunkBytes(oak.dataDir, 3);
  expect(flipped, 'stored chunk files found in Oak\'s profile').toBe(3);
  const repairedStatus = await waitFor(() => oak.status(), (s) => (s?.repaired ?? 0) >= 3 && s?.repairing === 0 && s.objects === totalObjects, 'Oak repaired', 90_000);
  console.log(`relay-e2e: Oak found ${repairedStatus!.corrupt} corrupt objects and repaired ${repairedStatus!.repaired}`);
  expect(oak.log()).toMatch(/repaired [0-9a-f]{16}… \(fetched again and verified\)/);
  await closeDevice(a); // the only family device is gone

  // A new device restores (member invite + passphrase) with only ONE home running, then the other.
  const restoreFrom = async (only: Relay, other: Relay, name: string) => {
    await other.stop('SIGTERM');
    expect((await only.status())?.ok).toBe(true);
    const d = await device(name);
    const t0 = Date.now();
    await v(d.page, 'join', { signalUrl: server.wsUrl, invite: created.memberInvite, passphrase: PASSPHRASE, restore: true });
    await expect.poll(() => v(d.page, 'complete'), { timeout: 90_000, intervals: [250] })
      .toEqual({ photos: PHOTOS, thumbs: PHOTOS, originals: PHOTOS });
    const ms = Date.now() - t0;
    for (const [photo, hash] of Object.entries(sent)) expect(await v(d.page, 'originalHash', photo)).toBe(hash);
    // The EXIF photo decrypts with its metadata: the scan below looks for things that were really there.
    const metas = await Promise.all((await v(d.page, 'photoIds')).map((id: string) => v(d.page, 'metadata', id)));
    const beach = metas.find((m: { name: string }) => m?.name === 'beach.jpg');
    expect(JSON.stringify(beach)).toMatch(/Grandma at the secret beach/);
    expect(JSON.stringify(beach)).toMatch(/FamilyCam/);
    const peers: Array<{ role: string; state: string }> = await v(d.page, 'peers');
    expect(peers.filter((p) => p.state === 'open').map((p) => p.role)).toEqual(['relay']);
    console.log(`relay-e2e: device ${name} restored ${PHOTOS} photos from ${only.name} alone in ${ms} ms`);
    await closeDevice(d);
  };
  await restoreFrom(pine, oak, 'B');
  await oak.start();
  await restoreFrom(oak, pine, 'C');
  expect(await oak.stop('SIGTERM')).toBe(0);
});

/** Flips one byte in the middle of `n` stored chunk envelopes (files of exactly 1,048,594 bytes) under `dir`. */
async function flipChunkBytes(dir: string, n: number): Promise<number> {
  const CHUNK_ENVELOPE = 2 + 1024 * 1024 + 16;
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d)) {
      const p = join(d, e);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else if (st.isFile() && st.size === CHUNK_ENVELOPE) found.push(p);
    }
  };
  await walk(dir);
  let done = 0;
  for (const p of found.sort().slice(0, n)) {
    const b = await readFile(p);
    b[b.length >> 1]! ^= 0x40;
    await writeFile(p, b);
    done++;
  }
  return done;
}

// ── what is on a relay's disk ───────────────────────────────────────────────────────────────

const utf16 = (s: string): Buffer => Buffer.from(s, 'utf16le');
// The album is named "Family …" like the app's default album, but the bare word is no marker: the
// relay's browser legitimately holds "Family Vault" (page title, manifest, HTTP cache), the
// BIP39 word list ("family") and Chromium's own "family_member_role" preference.
const TEXT = ['beach.jpg', 'IMG_0', 'FamilyCam', 'Secret Beach', 'Grandma', 'Zanzibar', ALBUM, 'Ignatius'];

/** What must never be found: JPEG headers (SOI + APPn + JFIF/Exif id), EXIF blocks, names and EXIF text. */
function findPlaintext(bytes: Buffer): string[] {
  const found: string[] = [];
  // FF D8 FF En ?? ?? then "JFIF\0" or "Exif\0\0": a JPEG's first bytes. (FF D8 FF alone is
  // 24 bits: random ciphertext contains it every 16 MiB or so.)
  for (let i = bytes.indexOf(0xff); i >= 0 && i + 12 <= bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    if (bytes[i + 1] === 0xd8 && bytes[i + 2] === 0xff && (bytes[i + 3]! & 0xf0) === 0xe0) {
      const id = bytes.subarray(i + 6, i + 12).toString('latin1');
      if (id.startsWith('JFIF\0') || id === 'Exif\0\0') found.push('JPEG header');
    }
  }
  if (bytes.includes('Exif\0\0', 0, 'latin1')) found.push('Exif block');
  if (bytes.includes('JFIF\0', 0, 'latin1')) found.push('JFIF block');
  const text = bytes.toString('latin1').toLowerCase();
  for (const t of TEXT) {
    if (text.includes(t.toLowerCase())) found.push(`"${t}"`);
    if (bytes.includes(utf16(t))) found.push(`"${t}" (UTF-16)`);
  }
  return found;
}

async function scanTree(dir: string): Promise<{ files: number; bytes: number; hits: string[] }> {
  let files = 0;
  let bytes = 0;
  const hits: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d)) {
      const p = join(d, e);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else if (st.isFile()) {
        const b = await readFile(p);
        files++;
        bytes += b.length;
        for (const h of findPlaintext(b)) hits.push(`${p.slice(dir.length + 1)}: ${h}`);
      }
    }
  };
  await walk(dir);
  return { files, bytes, hits };
}

test('a relay\'s data dir holds nothing readable: no JPEG or EXIF, no names, no EXIF text', async () => {
  // Control: the same scan finds every marker in plaintext, so a relay storing plaintext fails.
  const control = join(tmp, 'control');
  await rm(control, { recursive: true, force: true });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(control, 'deep', 'er'), { recursive: true });
  await writeFile(join(control, 'deep', 'er', 'blob'), Buffer.concat([
    Buffer.from('{"name":"beach.jpg"}'), await readFile(join(repoRoot, 'e2e/fixtures/beach.jpg')), Buffer.from('suffix'),
  ]));
  await writeFile(join(control, 'names.json'), utf16(JSON.stringify({ name: 'IMG_0007.jpg', album: ALBUM, member: MEMBER })));
  const c = await scanTree(control);
  for (const want of ['JPEG header', 'Exif block', 'JFIF block', '"beach.jpg"', '"FamilyCam"', '"Secret Beach"', '"Grandma"', '"IMG_0" (UTF-16)', '"Zanzibar" (UTF-16)', '"Ignatius" (UTF-16)']) {
    expect(c.hits.join('\n'), `the control finds ${want}`).toContain(want);
  }

  for (const r of [oak, pine]) {
    await r.stop('SIGTERM'); // a running Chromium's profile is not consistent on disk
    const s = await scanTree(r.dataDir);
    console.log(`relay-e2e: scanned ${r.name}: ${s.files} files, ${(s.bytes / 2 ** 20).toFixed(1)} MiB`);
    expect(s.bytes, 'the scan covered the stored objects').toBeGreaterThan(totalObjects * 1000);
    expect(s.hits, `plaintext in ${r.dataDir}`).toEqual([]);
  }
});

// ── quota ───────────────────────────────────────────────────────────────────────────────────

test('a full relay refuses more with a reason, keeps what it has, and the family sees what is not backed up', async () => {
  test.setTimeout(120_000);
  const q = await device('Q');
  const vault = await v(q.page, 'create', { signalUrl: server.wsUrl, passphrase: PASSPHRASE });
  const file = join(tmp, 'quota-invite');
  await writeFile(file, vault.relayInvite, { mode: 0o600 });
  const elm = await Relay.create('Elm', file, ['--quota', '3MB']);
  await elm.start();
  const big = { width: 2400, height: 1800, quality: 0.97 }; // about 1.7 MB: a 1 MiB chunk and a second one

  const [kept] = await v(q.page, 'addGenerated', { from: 100, count: 1, ...big });
  await expect.poll(() => v(q.page, 'backedUpOn', kept.photo), { timeout: 30_000, intervals: [250] }).toBe(1);
  const first = await elm.status();
  expect(first.bytes).toBeGreaterThan(2 ** 20);

  const more: Array<{ photo: string }> = await v(q.page, 'addGenerated', { from: 101, count: 3, ...big });
  await waitFor(() => elm.status(), (s) => s?.refusedForQuota > 0, 'a refusal for the quota', 30_000);
  // Retries come and go (the relay asks its store before each pull; the job backs off): nothing
  // changes, and no object is downloaded only to be refused.
  const sentTo = async (): Promise<number> => ((await v(q.page, 'peers')) as Array<{ role: string; bytesOut: number }>)
    .filter((p) => p.role === 'relay').reduce((n, p) => n + p.bytesOut, 0);
  const out0 = await sentTo();
  await new Promise((r) => setTimeout(r, 6000));
  const resentBytes = (await sentTo()) - out0;
  expect(resentBytes, 'object bytes sent to a full relay').toBeLessThan(2 ** 20);
  const after = await elm.status();
  expect(after.bytes).toBeLessThanOrEqual(3e6);
  expect(after.objects).toBeGreaterThanOrEqual(first.objects);
  expect(after.corrupt).toBe(0);
  expect(elm.log()).toMatch(/page-console text="relay: relay Elm is full \(quota 3000000 bytes, \d+ stored\): refused an object of \d+ bytes/);
  expect(await elm.statusText()).toMatch(/FULL: \d+ objects? refused for the quota/);

  // Nothing stored is harmed: the first photo is still whole at Elm, and a self-check reads every object.
  const checkedAfter = Date.now();
  const sc = await waitFor(() => elm.status(), (s) => s?.selfCheck?.startedAt > checkedAfter, 'a self-check', 20_000);
  expect(sc.selfCheck).toMatchObject({ checked: sc.objects, corrupt: [] });

  // The family side: the relay is connected, the first photo is on 1 home, the others on none.
  expect(await v(q.page, 'backedUpOn', kept.photo)).toBe(1);
  expect(await v(q.page, 'homesOf', kept.photo)).toEqual([after.peerId]);
  const notBackedUp = (await Promise.all(more.map((m) => v(q.page, 'backedUpOn', m.photo)))).filter((n) => n === 0);
  expect(notBackedUp.length).toBeGreaterThanOrEqual(2);
  // The Storage page's one-pass count agrees with asking photo by photo.
  const all: string[] = await v(q.page, 'photoIds');
  const zero = (await Promise.all(all.map((id) => v(q.page, 'backedUpOn', id)))).filter((n) => n === 0).length;
  expect(await v(q.page, 'notBackedUp')).toBe(zero);
  const peers: Array<{ role: string; state: string }> = await v(q.page, 'peers');
  expect(peers.some((p) => p.role === 'relay' && p.state === 'open')).toBe(true);
  // …and it is told why: the relay announces (sealed) that it is full; the app shows this reason.
  await expect.poll(async () => (await v(q.page, 'peerStatus'))[after.peerId], { timeout: 30_000 })
    .toMatchObject({ name: 'Elm', full: true, reason: expect.stringContaining('Home "Elm" is full') });
  const jobs = await v(q.page, 'jobs');
  console.log(`relay-e2e: quota: Elm ${after.objects} objects, ${after.bytes} B of 3e6, refused ${after.refusedForQuota}; ` +
    `the family sent ${(resentBytes / 1024).toFixed(1)} KiB more in 6 s (refusals retried before any download); family jobs ${JSON.stringify(jobs)}; ` +
    `family peers ${JSON.stringify(peers)}`);
  await closeDevice(q);
  expect(await elm.stop('SIGTERM')).toBe(0);
});
