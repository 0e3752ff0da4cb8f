/**
 * The first start without an invite, in a terminal: relay-node asks for the relay invite (made
 * in the family app), checks it as it checks --invite-file (invite-check.ts), and keeps it in
 * DIR/invite (mode 0600) so later starts, also under systemd, need not be given it. Asked only
 * when stdin is a terminal and the data dir has never been used (no relay.json): otherwise
 * config.ts's "missing the relay invite" stands. The streams and the file system are injected
 * so the prompt is unit-tested without a terminal. Nothing printed here contains the invite.
 */
import * as nodeFs from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { INVITE_FILE, STATE_FILE } from './data-dir.ts';
import { checkRelayInvite } from './invite-check.ts';

export interface FirstRunIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  fs?: Pick<typeof nodeFs, 'access' | 'mkdir' | 'writeFile'>;
}

export type FirstRunInvite =
  /** Asked, checked and saved in `path`: resolve the config again, it reads it. */
  | { saved: string }
  /** Not asked (why, for the log): the config's own error stands. */
  | { notAsked: 'not-a-terminal' | 'data-dir-in-use' }
  /** Asked, but no usable invite was entered. */
  | { error: string };

const TRIES = 3;

export const FIRST_RUN_TEXT = [
  'This relay has no invite yet.',
  'In the family app (an admin\'s), open Family, then under Homes press "Make relay invite" and Copy;',
  'paste the invite (it starts with fv.) below and press Enter.',
].join('\n');

const exists = async (fs: NonNullable<FirstRunIo['fs']>, path: string): Promise<boolean> => {
  try {
    await fs.access(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
};

export async function askInviteAtFirstRun(dataDir: string, io: FirstRunIo): Promise<FirstRunInvite> {
  const fs = io.fs ?? nodeFs;
  if (!io.input.isTTY) return { notAsked: 'not-a-terminal' };
  if (await exists(fs, join(dataDir, STATE_FILE))) return { notAsked: 'data-dir-in-use' };
  const path = join(dataDir, INVITE_FILE);
  io.output.write(`${FIRST_RUN_TEXT}\nIt is kept in ${path} (readable only by this user) for the next starts.\n`);
  const rl = createInterface({ input: io.input, output: io.output });
  // Ctrl-C at the prompt ends the question (readline would otherwise only pause the input).
  rl.on('SIGINT', () => rl.close());
  rl.setPrompt('Relay invite: ');
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (let i = 0; i < TRIES; i++) {
      rl.prompt();
      const next = await lines.next();
      if (next.done) return { error: 'no relay invite was entered' };
      const invite = String(next.value).trim();
      const ok = checkRelayInvite(invite);
      if (!ok.ok) {
        io.output.write(`${ok.error}\n`);
        continue;
      }
      try {
        await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
        await fs.writeFile(path, `${invite}\n`, { mode: 0o600, flag: 'wx' });
      } catch (e) {
        return { error: `cannot save the invite in ${path}: ${e instanceof Error ? e.message : String(e)}` };
      }
      io.output.write(`Invite saved in ${path}.\n`);
      return { saved: path };
    }
    return { error: `no valid relay invite after ${TRIES} tries` };
  } finally {
    rl.close();
  }
}
