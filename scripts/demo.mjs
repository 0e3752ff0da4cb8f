#!/usr/bin/env node
// `npm run demo`: "two homes" on one computer. A signal server serving the app, and two relay
// nodes ("Oak" and "Pine", data under .demo/) joined to one vault; prints the link that joins you
// to it. Runs until Ctrl-C. `npm run demo -- --help`.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { buildIfNeeded, firstEnrolCode, repoRoot, Services, tsNode } from './lib/services.mjs';

const port = Number(process.env.PORT ?? 8080);
const demoDir = join(repoRoot, '.demo');
// The demo's own signal-server enrolment (docs/signal-server.md "Enrolment"): its vault is the first family.
const enrolFile = join(demoDir, 'signal-enrolment.json');
const HOMES = [
  { name: 'Oak', dir: join(demoDir, 'oak'), port: 8797, pagePort: 8798 },
  { name: 'Pine', dir: join(demoDir, 'pine'), port: 8897, pagePort: 8898 },
];

const HELP = `npm run demo [-- OPTIONS]: two homes on one computer.

  Starts the signal server on http://localhost:${port} (PORT=…) serving the app, and two relay
  nodes, "Oak" and "Pine" (their data in .demo/oak and .demo/pine; status ports 8797 and 8897).
  Runs until Ctrl-C. The server lets in only the family it enrolled (.demo/signal-enrolment.json):
  open the address the demo prints, which carries a one-time code, to create the demo's vault.

  A home counts only once the family's admin enrolled it, and each relay invite enrols exactly one
  home. So: create your vault in the app, press "Make relay invite" in Devices & homes twice, and
  give one invite to each home, either as files (below) or by saving them as .demo/oak-invite and
  .demo/pine-invite while the demo runs: each home starts as soon as its invite is there.

  Options:
    --invite-file FILE   a RELAY invite made in the app; give it twice (first Oak, then Pine)
    --reset              delete .demo/ first (the homes' data and invites)
    --help               this text

  Relays are headless Chromium: install chromium (or set CHROMIUM_PATH). See docs/relay.md.`;

function parse(argv) {
  const o = { reset: false, inviteFiles: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return { help: true };
    else if (a === '--reset') o.reset = true;
    else if (a === '--invite-file') o.inviteFiles.push(argv[++i]);
    else if (a.startsWith('--invite-file=')) o.inviteFiles.push(a.slice('--invite-file='.length));
    else return { error: `unknown argument ${a.startsWith('--') ? a.slice(0, 40) : `#${i + 1}`} (see --help)` };
  }
  if (o.inviteFiles.some((f) => !f)) return { error: '--invite-file needs a value' };
  if (o.inviteFiles.length > HOMES.length) return { error: `at most ${HOMES.length} invite files (one per home)` };
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

const { parseInvite } = await tsImport('../web/src/crypto/invite.ts', import.meta.url);

if (opts.reset) rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true, mode: 0o700 });

/** A home's relay invite, checked (never echoed); undefined while it has not been saved. */
function inviteOf(home, given) {
  const file = given ?? join(demoDir, `${home.name.toLowerCase()}-invite`);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trim();
  if (!text) return undefined;
  try {
    const inv = parseInvite(text);
    if (inv.kind !== 'relay') throw new Error('this is a MEMBER invite: make a RELAY invite in the app (Devices & homes → Make relay invite)');
  } catch (e) {
    console.error(`demo: invite file ${file}: ${e.message}`);
    process.exit(2);
  }
  const own = join(demoDir, `${home.name.toLowerCase()}-invite`);
  if (file !== own) writeFileSync(own, text + '\n', { mode: 0o600 });
  chmodSync(own, 0o600);
  return own;
}

buildIfNeeded();
const enrolCode = await firstEnrolCode(enrolFile);
const appUrl = `http://localhost:${port}${enrolCode ? `/#enrol=${enrolCode.replace(/-/g, '')}` : ''}`;
const services = new Services();
const signalWs = `ws://127.0.0.1:${port}/signal`;
const [rcmd, rargs] = tsNode('relay-node/src/cli.ts');
const started = new Set();
async function startHome(h, inviteFile) {
  started.add(h.name);
  // The invite comes from the file; a RELAY_INVITE in the environment would clash with it.
  await services.start(h.name.toLowerCase(), rcmd, [
    ...rargs, '--data', h.dir, '--signal', signalWs, '--invite-file', inviteFile, '--name', h.name,
    '--port', String(h.port), '--page-port', String(h.pagePort),
  ], { ready: / INFO running status=/, env: { RELAY_INVITE: '' } });
  console.log(`  Home ${h.name} is running: status with npm run relay -- status --port ${h.port}`);
}
try {
  const [cmd, args] = tsNode('signal-server/src/cli.ts');
  await services.start('signal', cmd, [...args, '--host', '127.0.0.1', '--port', String(port), '--static', 'web/dist', '--enrol-file', enrolFile], { ready: /listening on /i });
  await Promise.all(HOMES.map(async (h, i) => {
    const f = inviteOf(h, opts.inviteFiles[i]);
    if (f) await startHome(h, f);
  }));
} catch (e) {
  console.error(`\ndemo: ${e.message}; see the messages above. (Port ${port}, 8797/8798 or 8897/8898 in use? Another demo or npm start running?)`);
  await services.stopAll(1);
}

console.log(`
  ┌──────────────────────────────────────────────────────────────
  │  Two homes demo.   App: ${appUrl}
  └──────────────────────────────────────────────────────────────
`);
const waiting = HOMES.filter((h) => !started.has(h.name));
if (waiting.length) {
  console.log(`  1. Open ${appUrl} on THIS computer and create your vault (you are its admin;
     the address carries the server code that lets this vault use the demo's server).
  2. In Devices & homes press "Make relay invite" and save it as
${waiting.map((h) => `       ${relative(repoRoot, join(demoDir, `${h.name.toLowerCase()}-invite`))}   (home ${h.name})`).join('\n')}
     one invite per home: an invite enrols exactly one home. Each home starts when its file appears.
  3. Add photos: each shows "backed up on 2 homes" once Oak and Pine both hold it. Stop one home
     and the other still has everything: a new device restores from it.
`);
  const timer = setInterval(() => {
    for (const h of HOMES) {
      if (started.has(h.name)) continue;
      const f = inviteOf(h);
      if (f) void startHome(h, f).catch((e) => console.error(`demo: home ${h.name} did not start: ${e.message}`));
    }
    if (started.size === HOMES.length) clearInterval(timer);
  }, 1000);
} else {
  console.log(`  Both homes are enrolled in the vault you made in the app. Devices & homes lists them; add photos
  and each shows "backed up on 2 homes" once both hold it. Stop one home and the other still has
  everything: a new device restores from it.
`);
}
console.log('  Ctrl-C stops everything.\n');
