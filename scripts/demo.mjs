#!/usr/bin/env node
// `npm run demo`: "two homes" on one computer. A signal server serving the app, and two relay
// nodes ("Oak" and "Pine", data under .demo/) joined to one vault; prints the link that joins you
// to it. Runs until Ctrl-C. `npm run demo -- --help`.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { buildIfNeeded, repoRoot, Services, tsNode } from './lib/services.mjs';

const port = Number(process.env.PORT ?? 8080);
const demoDir = join(repoRoot, '.demo');
const HOMES = [
  { name: 'Oak', dir: join(demoDir, 'oak'), port: 8797, pagePort: 8798 },
  { name: 'Pine', dir: join(demoDir, 'pine'), port: 8897, pagePort: 8898 },
];

const HELP = `npm run demo [-- OPTIONS]: two homes on one computer.

  Starts the signal server on http://localhost:${port} (PORT=…) serving the app, and two relay
  nodes, "Oak" and "Pine" (their data in .demo/oak and .demo/pine; status ports 8797 and 8897).
  Runs until Ctrl-C.

  Without options it makes a new vault (kept in .demo/vault.json, reused next time) and prints a
  member invite link: open it in a browser on this computer and join as the vault's first member.
  Both homes then hold your member entry and everything you add.

  Options:
    --invite-file FILE, --invite fv.…   instead, use a RELAY invite made in the app (Devices & homes →
                                        Make relay invite) for a vault you created there
    --reset                             forget the demo vault and delete .demo/ first
    --help                              this text

  Relays are headless Chromium: install chromium (or set CHROMIUM_PATH). See docs/relay.md.`;

function parse(argv) {
  const o = { reset: false, invite: undefined, inviteFile: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return { help: true };
    else if (a === '--reset') o.reset = true;
    else if (a === '--invite') o.invite = argv[++i];
    else if (a.startsWith('--invite=')) o.invite = a.slice('--invite='.length);
    else if (a === '--invite-file') o.inviteFile = argv[++i];
    else if (a.startsWith('--invite-file=')) o.inviteFile = a.slice('--invite-file='.length);
    else return { error: `unknown argument ${a.startsWith('--') ? a.slice(0, 40) : `#${i + 1}`} (see --help)` };
  }
  if ((o.invite !== undefined || o.inviteFile !== undefined) && !(o.invite || o.inviteFile)) return { error: '--invite/--invite-file needs a value' };
  if (o.invite && o.inviteFile) return { error: 'give --invite or --invite-file, not both' };
  return o;
}

const opts = parse(process.argv.slice(2));
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}
if (opts.error) {
  console.error(`demo: ${opts.error}`);
  process.exit(2);
}

const { encodeInvite, inviteLink, parseInvite } = await tsImport('../web/src/crypto/invite.ts', import.meta.url);
const { newVaultSecret, newMemberSecret } = await tsImport('../web/src/crypto/vault-keys.ts', import.meta.url);
const { toBase64Url, fromBase64Url } = await tsImport('../web/src/core/bytes.ts', import.meta.url);

if (opts.reset) rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true, mode: 0o700 });

/** The demo vault: minted once, kept (secret!) in .demo/vault.json so a restart finds the same homes' data. */
function demoVault() {
  const file = join(demoDir, 'vault.json');
  if (existsSync(file)) {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    return { vaultSecret: fromBase64Url(v.vaultSecret), memberSecret: fromBase64Url(v.memberSecret), inviter: fromBase64Url(v.inviter), created: false };
  }
  // The inviter field names who made an invite; here that is this script, not a member: random.
  const v = { vaultSecret: newVaultSecret(), memberSecret: newMemberSecret(), inviter: newMemberSecret() };
  writeFileSync(file, JSON.stringify({ vaultSecret: toBase64Url(v.vaultSecret), memberSecret: toBase64Url(v.memberSecret), inviter: toBase64Url(v.inviter) }, null, 2) + '\n', { mode: 0o600 });
  return { ...v, created: true };
}

let relayInvite;
let memberLink;
let fromApp = false;
if (opts.invite || opts.inviteFile) {
  fromApp = true;
  try {
    relayInvite = (opts.invite ?? readFileSync(opts.inviteFile, 'utf8')).trim();
    const inv = parseInvite(relayInvite);
    if (inv.kind !== 'relay') throw new Error('this is a MEMBER invite: make a RELAY invite in the app (Devices & homes → Make relay invite)');
  } catch (e) {
    // Never echo the invite itself.
    console.error(`demo: ${opts.inviteFile ? `invite file ${opts.inviteFile}: ` : ''}${e.message}`);
    process.exit(2);
  }
} else {
  const v = demoVault();
  relayInvite = encodeInvite({ kind: 'relay', vaultSecret: v.vaultSecret, inviter: v.inviter });
  memberLink = inviteLink(`http://localhost:${port}/`, { kind: 'member', vaultSecret: v.vaultSecret, memberSecret: v.memberSecret, inviter: v.inviter });
  console.log(v.created ? 'Made a new demo vault (.demo/vault.json).' : 'Using the demo vault in .demo/vault.json (--reset for a new one).');
}
const inviteFile = join(demoDir, 'relay-invite');
writeFileSync(inviteFile, relayInvite + '\n', { mode: 0o600 });
chmodSync(inviteFile, 0o600);

buildIfNeeded();
const services = new Services();
const signalWs = `ws://127.0.0.1:${port}/signal`;
try {
  const [cmd, args] = tsNode('signal-server/src/cli.ts');
  await services.start('signal', cmd, [...args, '--host', '127.0.0.1', '--port', String(port), '--static', 'web/dist'], { ready: /listening on /i });
  const [rcmd, rargs] = tsNode('relay-node/src/cli.ts');
  // The invite comes from the file; a RELAY_INVITE in the environment would clash with it.
  const env = { RELAY_INVITE: '' };
  await Promise.all(HOMES.map((h) => services.start(h.name.toLowerCase(), rcmd, [
    ...rargs, '--data', h.dir, '--signal', signalWs, '--invite-file', inviteFile, '--name', h.name,
    '--port', String(h.port), '--page-port', String(h.pagePort),
  ], { ready: / INFO running status=/, env })));
} catch (e) {
  console.error(`\ndemo: ${e.message}; see the messages above. (Port ${port}, 8797/8798 or 8897/8898 in use? Another demo or npm start running?)`);
  await services.stopAll(1);
}

const homes = HOMES.map((h) => `    ${h.name.padEnd(5)} data ${relative(repoRoot, h.dir).padEnd(11)} status: npm run relay -- status --port ${h.port}`).join('\n');
console.log(`
  ┌──────────────────────────────────────────────────────────────
  │  Two homes are running: Oak and Pine.   App: http://localhost:${port}
  └──────────────────────────────────────────────────────────────
${homes}
`);
if (fromApp) {
  console.log(`  Both homes joined the vault you made in the app. In the app (http://localhost:${port}), Devices & homes
  lists them; add photos and each shows "backed up on 2 homes" once both hold it. Stop one home
  (or the app's device) and the other still has everything: a new device restores from it.
`);
} else {
  console.log(`  Join the demo vault: open this link in a browser on THIS computer (the invite is in the
  #fragment, which browsers never send to a server):

    ${memberLink}

  Choose a name and a passphrase, leave "I already use this vault on another device" unticked, and
  Join: you are the vault's first member (write down the recovery phrase it shows). The vault has
  no album yet: press "New album", add photos, and open one: it says "backed up on 2 homes" once
  Oak and Pine both hold it (Devices & homes lists them). Both keep ciphertext only.
`);
}
console.log('  Ctrl-C stops everything.\n');
