import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.ts';
import { resolveConfig, type ConfigContext } from '../src/config.ts';
import { askInviteAtFirstRun } from '../src/first-run-invite.ts';
import { memberInvite, relayInvite } from './invites.ts';

/** A stand-in for a terminal's stdin (isTTY as the test says), and what the prompt printed. */
function terminal(isTTY = true) {
  const input = Object.assign(new PassThrough(), { isTTY });
  const output = new PassThrough();
  let printed = '';
  output.on('data', (b: Buffer) => (printed += b.toString()));
  return { input, output, printed: () => printed };
}

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});
const newDataDir = async () => join((dir = await mkdtemp(join(tmpdir(), 'fv-first-run-'))), 'relay-data');

describe('the relay invite asked for at the first start', () => {
  it('in a terminal, asks with where to find it, refuses what is not a relay invite, saves the one pasted for the next starts', async () => {
    const data = await newDataDir();
    const t = terminal();
    const asked = askInviteAtFirstRun(data, t);
    t.input.write(`${memberInvite()}\n`); // the wrong kind first: refused, asked again
    t.input.write(`  ${relayInvite()}  \n`);
    expect(await asked).toEqual({ saved: join(data, 'invite') });
    expect(t.printed()).toMatch(/no invite yet[\s\S]*open Family, then under Homes press "Make relay invite"/);
    expect(t.printed()).toMatch(/Relay invite: this is a MEMBER invite[\s\S]*Relay invite: Invite saved in/);
    // What it printed never holds either invite.
    expect(t.printed()).not.toContain(relayInvite().slice(3, 30));
    expect(t.printed()).not.toContain(memberInvite().slice(3, 30));
    expect((await readFile(join(data, 'invite'), 'utf8')).trim()).toBe(relayInvite());
    expect((await stat(join(data, 'invite'))).mode & 0o777).toBe(0o600);

    // The next start reads it, given no invite: the same checks as an --invite-file.
    const ctx: ConfigContext = { env: {}, cwd: dir, hostname: 'minipc', defaultWebDir: '/w', readFile: (p) => readFileSync(p, 'utf8') };
    const argv = parseArgs(['--data', data, '--signal', 'wss://vault.example.org/signal']);
    if (argv.kind !== 'ok') throw new Error('parse');
    expect(resolveConfig(argv.flags, ctx)).toMatchObject({ invite: relayInvite(), inviteSource: 'saved' });
  });

  it('gives up after three invites that are not valid, and on end of input, saving nothing', async () => {
    const data = await newDataDir();
    const t = terminal();
    const asked = askInviteAtFirstRun(data, t);
    for (const bad of ['hello', relayInvite().slice(0, -6), memberInvite()]) t.input.write(`${bad}\n`);
    expect(await asked).toEqual({ error: 'no valid relay invite after 3 tries' });
    expect(t.printed()).toMatch(/not valid[\s\S]*not valid[\s\S]*MEMBER invite/);

    const eof = terminal();
    const ended = askInviteAtFirstRun(data, eof);
    eof.input.end();
    expect(await ended).toEqual({ error: 'no relay invite was entered' });
    await expect(stat(join(data, 'invite'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('does not ask when stdin is not a terminal, or when the data dir was used before', async () => {
    const data = await newDataDir();
    const piped = terminal(false);
    expect(await askInviteAtFirstRun(data, piped)).toEqual({ notAsked: 'not-a-terminal' });
    expect(piped.printed()).toBe('');

    // A data dir with a relay.json was started with an invite given another way: keep giving it so.
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'relay.json'), '{}');
    const tty = terminal();
    expect(await askInviteAtFirstRun(data, tty)).toEqual({ notAsked: 'data-dir-in-use' });
    expect(tty.printed()).toBe('');
  });
});
