/**
 * `npm run signal -- [flags]`: starts the signal server, prints its URL, and shuts down
 * cleanly on SIGTERM/SIGINT (stop accepting, close WebSockets with 1001, exit 0).
 * `npm run signal -- enroll | enrolled | unenroll ROOM`: the admin's enrolment commands.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './args.ts';
import { runEnrolCommand } from './enrol-command.ts';
import { startSignalServer } from './server.ts';
import { UwsNotNativeError } from './uws.ts';

const defaultStaticDir = fileURLToPath(new URL('../../web/dist', import.meta.url));
// systemd's StateDirectory= sets STATE_DIRECTORY (several are separated by ':').
const stateDir = process.env.STATE_DIRECTORY?.split(':')[0];
const defaultEnrolFile = stateDir ? join(stateDir, 'enrolment.json') : join(homedir(), '.family-vault', 'signal-enrolment.json');

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2), {
    env: process.env,
    defaultStaticDir,
    defaultEnrolFile,
    isDirectory: (p) => {
      try {
        return statSync(p).isDirectory();
      } catch {
        return false; // missing or unreadable: treated as "not a directory"
      }
    },
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  if (parsed.kind === 'help') {
    console.log(parsed.text);
    return 0;
  }
  if (parsed.kind === 'error') {
    console.error(`signal-server: ${parsed.message}`);
    return 2;
  }
  if (parsed.kind === 'enrol') {
    return runEnrolCommand(parsed.run, parsed.store, (l) => console.log(l)).catch((e: unknown) => {
      console.error(`signal-server ${parsed.run.command}: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    });
  }
  // The stop handlers go in before the server starts: a Ctrl-C during start-up is a clean stop too.
  // One Ctrl-C under npm arrives two or three times (the terminal signals the process group and
  // npm forwards its own): the listeners stay, and signals during the shutdown are only noted.
  let stopRequested: NodeJS.Signals | null = null;
  let onStop: (sig: NodeJS.Signals) => void = () => {};
  const stop = (sig: NodeJS.Signals) => {
    if (stopRequested) {
      console.log(`${new Date().toISOString()} signal ${sig}: already shutting down`);
      return;
    }
    stopRequested = sig;
    console.log(`${new Date().toISOString()} signal ${sig}: shutting down`);
    onStop(sig);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const server = await startSignalServer(parsed.options);
  console.log(`Signal server listening on ${server.url} (serving ${parsed.options.staticDir ?? 'no static files'})`);
  await new Promise<void>((resolve) => {
    onStop = () => {
      server.close().then(resolve, (e: unknown) => {
        console.error(`signal-server: error during shutdown: ${String(e)}`);
        resolve();
      });
    };
    if (stopRequested) onStop(stopRequested);
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UwsNotNativeError) console.error(`signal-server: ${e.message}`);
    else console.error(`signal-server: failed to start: ${e instanceof Error ? e.message : String(e)}`);
    if (!(e instanceof UwsNotNativeError) && e instanceof Error && e.stack) console.error(e.stack);
    process.exit(1);
  },
);

