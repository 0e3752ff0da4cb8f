/**
 * The command the family app shows under "Add a home relay" is one the relay node accepts as it
 * stands: split as a shell would, its flags parse and its RELAY_INVITE resolves to the invite.
 */
import { describe, expect, it } from 'vitest';
import { relayCommand } from '../../web/src/ui/relay-command.ts';
import { parseArgs } from '../src/args.ts';
import { resolveConfig } from '../src/config.ts';
import { relayInvite } from './invites.ts';

/** Splits a POSIX shell line with single quotes (all the command uses). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '\\') {
      cur += line[++i];
      inWord = true;
    } else if (c === ' ') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

describe("the app's relay command", () => {
  it('starts a relay with the invite, the signal server and a name', () => {
    const invite = relayInvite();
    const line = relayCommand(invite, 'wss://vault.example.org/signal', "Grandma's");
    const words = shellWords(line);
    const [assign, ...rest] = words;
    expect(assign!.startsWith('RELAY_INVITE=')).toBe(true);
    expect(rest.slice(0, 3)).toEqual(['npm', 'run', 'relay']);
    const argv = rest.slice(4); // after `--`
    const parsed = parseArgs(argv);
    if (parsed.kind !== 'ok') throw new Error(JSON.stringify(parsed));
    const cfg = resolveConfig(parsed.flags, {
      env: { RELAY_INVITE: assign!.slice('RELAY_INVITE='.length) }, cwd: '/home/fam', hostname: 'minipc', defaultWebDir: '/opt/fv/web/dist',
      readFile: () => { throw new Error('no files'); },
    });
    if ('error' in cfg) throw new Error(cfg.error);
    expect(cfg).toMatchObject({ signalUrl: 'wss://vault.example.org/signal', name: "Grandma's" });
    expect(JSON.stringify(cfg)).toContain(invite.slice(0, 20));
    // The invite is not on the command line the relay sees.
    expect(argv.join(' ')).not.toContain(invite);
  });
});
