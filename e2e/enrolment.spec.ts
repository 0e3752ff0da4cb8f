/**
 * Signal-server enrolment as people meet it (docs/signal-server.md "Enrolment"), with the real
 * `npm start` and Chromium: the address npm start prints carries a one-time code, so the vault
 * created from it is enrolled without extra steps; a vault created without it is refused and the
 * app asks for a server code, which the admin mints with `npm run signal -- enroll`; once a family
 * is enrolled, npm start prints the plain address.
 */
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './support/chromium.ts';
import { freePort, repoRoot, spawnUntil, type Running } from './support/processes.ts';
import { confirmRecovery } from './support/app-ui.ts';

let start: (Running & { url: string }) | undefined;
let dir: string | undefined;
test.afterEach(async () => {
  await start?.stop('SIGINT');
  start = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface EnrolFile { rooms: Record<string, { via: string }>; codes: Record<string, unknown> }
const enrolled = (file: string): EnrolFile => JSON.parse(readFileSync(file, 'utf8')) as EnrolFile;

async function npmStart(port: number, enrolFile: string, relayDir: string) {
  const r = await spawnUntil(process.execPath, ['scripts/start.mjs'], /Family Vault is running: +(\S+)/, {
    env: { PORT: String(port), FV_ENROL_FILE: enrolFile, FV_RELAY_DIR: relayDir, RELAY_INVITE: '' },
    timeoutMs: 180_000,
  });
  return { ...r, url: r.match[1]! };
}

async function createVault(page: Page, name: string) {
  await page.getByLabel('Your name').first().fill(name);
  await page.locator('#pass').fill('correct horse battery');
  await page.locator('#pass2').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create vault' }).click();
  await expect(page.locator('#recovery-phrase')).toBeVisible({ timeout: 30_000 });
  await confirmRecovery(page);
  // Where the family server's state shows: "Devices & homes", or the Family screen once that holds devices too.
  const devices = page.getByRole('button', { name: 'Devices & homes', exact: true });
  await (await devices.count() ? devices : page.getByRole('button', { name: 'Family', exact: true })).click();
}

test('the vault made from the address npm start prints is enrolled; one made without the code asks for it', async () => {
  dir = mkdtempSync(join(tmpdir(), 'fv-enrol-e2e-'));
  const enrolFile = join(dir, 'enrolment.json');
  const port = await freePort();
  start = await npmStart(port, enrolFile, join(dir, 'relay'));
  const m = /^http:\/\/localhost:(\d+)\/#enrol=([0-9A-Z]{12})$/.exec(start.url);
  expect(m, start.output()).not.toBeNull();
  expect(Object.keys(enrolled(enrolFile).codes)).toHaveLength(1);

  const browser = await launchChromium();
  try {
    // Ada opens what npm start printed and creates her vault: nothing else to do.
    const ada = await (await browser.newContext()).newPage();
    ada.on('pageerror', (e) => console.error('page error:', e.message));
    await ada.goto(start.url);
    await expect(ada).toHaveURL(`http://localhost:${port}/`); // the code left the address bar
    await expect(ada.getByLabel(/^Server code/)).toHaveValue(m![2]!);
    await createVault(ada, 'Ada');
    await expect(ada.locator('#signal-state')).toHaveText('connected', { timeout: 20_000 });
    await expect(ada.locator('#server-code-needed')).toHaveCount(0);
    await expect.poll(() => Object.values(enrolled(enrolFile).rooms).map((r) => r.via)).toEqual(['code']);
    expect(Object.keys(enrolled(enrolFile).codes)).toHaveLength(0);

    // Bob types the plain address in another browser profile: his family is not enrolled.
    const bob = await (await browser.newContext()).newPage();
    await bob.goto(`http://localhost:${port}/`);
    await expect(bob.getByLabel(/^Server code/)).toHaveValue('');
    await createVault(bob, 'Bob');
    await expect(bob.locator('#signal-state')).toHaveText('does not know this family yet', { timeout: 20_000 });
    await expect(bob.locator('#server-code-needed')).toContainText('Ask the person who runs it for a server code');
    // The admin mints a code for him while the server runs; he enters it.
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'signal-server/src/cli.ts', 'enroll', '--enrol-file', enrolFile], { cwd: repoRoot, encoding: 'utf8' });
    const code = /Enrolment code: (\S+)/.exec(out)![1]!;
    await bob.getByLabel('Server code', { exact: true }).fill(code.toLowerCase());
    await bob.getByRole('button', { name: 'Use code' }).click();
    await expect(bob.locator('#signal-state')).toHaveText('connected', { timeout: 20_000 });
    await expect(bob.locator('#server-code-needed')).toHaveCount(0);
    expect(Object.values(enrolled(enrolFile).rooms).map((r) => r.via)).toEqual(['code', 'code']);
  } finally {
    await browser.close();
  }

  // With a family enrolled, npm start prints the plain address.
  await start.stop('SIGINT');
  start = await npmStart(port, enrolFile, join(dir, 'relay'));
  expect(start.url).toBe(`http://localhost:${port}`);
});
