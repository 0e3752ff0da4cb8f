#!/usr/bin/env node
// `npm start`: builds the web app if needed, starts the signal server serving it on
// http://localhost:8080, and, once this computer has a relay invite, a home relay node for that
// vault (its data in ~/.family-vault/relay). Ctrl-C stops everything. `npm start -- --help`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildIfNeeded, firstEnrolCode, Services, tsNode } from './lib/services.mjs';

const port = Number(process.env.PORT ?? 8080);
const relayDir = process.env.FV_RELAY_DIR ?? join(homedir(), '.family-vault', 'relay');
const inviteFile = join(relayDir, 'invite');
// The signal server's enrolled families (docs/signal-server.md "Enrolment"): the default file of `npm run signal`.
const enrolFile = process.env.FV_ENROL_FILE ?? join(homedir(), '.family-vault', 'signal-enrolment.json');
const tilde = (p) => (p.startsWith(homedir() + '/') ? `~${p.slice(homedir().length)}` : p);

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`npm start: the Family Vault app and signal server on this computer, plus a home relay once you have one.

  Starts the signal server on http://localhost:${port} (PORT=…), serving the built app (built first
  when web/ changed). Open that address in a browser on THIS computer (http:// works only on
  localhost; phones need HTTPS: see docs/signal-server.md).

  A home relay (an always-on encrypted copy of every photo) starts too when this computer has a
  relay invite: RELAY_INVITE in the environment, or the file ${tilde(inviteFile)}
  (FV_RELAY_DIR=… to use another directory). Make the invite in the app: Family →
  Make relay invite. Without one, npm start prints the command to run the relay yourself.
  Other RELAY_* settings (RELAY_NAME, RELAY_QUOTA, …) reach the relay: see docs/relay.md.

  The signal server lets in only the families it enrolled (kept in ${tilde(enrolFile)};
  FV_ENROL_FILE=… for another file). Until one is, npm start prints the app's address with a
  one-time code (#enrol=…): the vault you create from that address is enrolled. A code for
  another family: npm run signal -- enroll.

  Ctrl-C stops everything (the relay finishes queued writes first; Ctrl-C again forces).`);
  process.exit(0);
}

buildIfNeeded();
// No family enrolled yet: a code for the first vault, carried in the address we print.
const enrolCode = await firstEnrolCode(enrolFile);
const services = new Services();
const signalWs = `ws://127.0.0.1:${port}/signal`;
const appUrl = `http://localhost:${port}`;
const openUrl = enrolCode ? `${appUrl}/#enrol=${enrolCode.replace(/-/g, '')}` : appUrl;
const relayCmd = `npm run relay -- --data ${tilde(relayDir)} --signal ${signalWs} --invite-file ${tilde(inviteFile)}`;
// With no invite set, relay-node asks for it at its first start in a terminal and saves it as inviteFile.
const firstRelayCmd = `npm run relay -- --data ${tilde(relayDir)} --signal ${signalWs}`;

try {
  const [cmd, args] = tsNode('signal-server/src/cli.ts');
  await services.start('signal', cmd, [...args, '--host', '127.0.0.1', '--port', String(port), '--static', 'web/dist', '--enrol-file', enrolFile], { ready: /listening on /i });
} catch (e) {
  console.error(`\nThe signal server did not start (${e.message}). Is port ${port} in use? Try PORT=8081 npm start.`);
  await services.stopAll(1);
}

const hasInvite = Boolean(process.env.RELAY_INVITE) || existsSync(inviteFile);
if (hasInvite) {
  const [cmd, args] = tsNode('relay-node/src/cli.ts');
  // relay-node reads RELAY_INVITE itself; the file is the fallback (it refuses both at once).
  const inviteArgs = process.env.RELAY_INVITE ? [] : ['--invite-file', inviteFile];
  try {
    await services.start('relay', cmd, [...args, '--data', relayDir, '--signal', signalWs, ...inviteArgs], { ready: / INFO running status=/ });
  } catch (e) {
    console.error(`\nThe home relay did not start (${e.message}); its messages are above. The app keeps running.`);
    console.error(`Fix what it says, then restart npm start, or run the relay yourself:\n  ${relayCmd}\n`);
  }
}

console.log(`
  ┌──────────────────────────────────────────────────────────────
  │  Family Vault is running:  ${openUrl}
  │  (open it in a browser on this computer; Ctrl-C stops everything)
  └──────────────────────────────────────────────────────────────`);
if (enrolCode) {
  console.log(`
  This address carries a one-time server code (${enrolCode}): the vault you create from it may use
  this server. Opened without it, enter the code as "Server code" when you create the vault.`);
}
if (!hasInvite) {
  console.log(`
  No home relay on this computer yet. To keep an encrypted copy of your photos here:
    1. open ${openUrl}, create your vault, then Family → Make relay invite;
    2. run the relay in another terminal; it asks you to paste the invite and saves it as
       ${tilde(inviteFile)} (readable only by you), so the next npm start starts it too:
         ${firstRelayCmd}
       (or save the invite there yourself and restart npm start:
         mkdir -p ${tilde(relayDir)} && (umask 077 && cat > ${tilde(inviteFile)})    # paste, Enter, Ctrl-D)
`);
} else {
  console.log(`  Home relay data: ${tilde(relayDir)}   status: npm run relay -- status\n`);
}
