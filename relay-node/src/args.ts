/**
 * The command line: which command (run the relay, print status, help) and the raw flag values.
 * Pure: no environment, no files. Values are validated in config.ts, which also merges the
 * environment (RELAY_*) and the --config file under the flags.
 */
export type FlagKind = 'string' | 'int' | 'number' | 'bool';

export interface FlagSpec {
  flag: string;
  kind: FlagKind;
  arg?: string;
  help: string;
  /** Hidden from --help: test and debugging knobs (shown by --help-all). */
  hidden?: boolean;
  /** Holds a secret: never echoed back in errors. */
  secret?: boolean;
}

const F = (flag: string, kind: FlagKind, help: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ flag, kind, help, ...extra });

export const FLAGS: readonly FlagSpec[] = [
  F('data', 'string', 'data directory: the relay\'s browser profile (= its storage) and relay.json', { arg: 'DIR' }),
  F('signal', 'string', 'signal server, e.g. wss://vault.example.org/signal (or its https:// address)', { arg: 'URL' }),
  F('invite', 'string', 'a RELAY invite made in the family app (prefer RELAY_INVITE or --invite-file: argv is visible to other users)', { arg: 'STRING', secret: true }),
  F('invite-file', 'string', 'read the relay invite from this file', { arg: 'FILE' }),
  F('name', 'string', 'name the family sees for this home, e.g. "Oak" (default: the host name)', { arg: 'NAME' }),
  F('quota', 'string', 'most this relay stores, e.g. 500GB or 1.5TiB (default unlimited)', { arg: 'SIZE' }),
  F('port', 'int', 'loopback port of /healthz and /status (default 8787)', { arg: 'N' }),
  F('page-port', 'int', 'loopback port that serves the relay page; fixed per data dir, since the browser\'s storage belongs to that origin (default 8788)', { arg: 'N' }),
  F('config', 'string', 'JSON file with any of these settings (keys as flag names); flags and RELAY_* win', { arg: 'FILE' }),
  F('log-level', 'string', 'debug, info, warn or error (default info)', { arg: 'LEVEL' }),
  F('log-format', 'string', 'text or json (default text)', { arg: 'FORMAT' }),
  F('self-check-minutes', 'number', 'minutes between self-checks of a sample of stored objects (default 60; 0 = off)', { arg: 'MIN' }),
  F('self-check-sample', 'int', 'objects verified per self-check (default 64)', { arg: 'N' }),
  F('web-dir', 'string', 'directory of the built web app to serve (default web/dist of this checkout)', { arg: 'DIR' }),
  F('json', 'bool', '(status) print the raw JSON'),
  F('help', 'bool', 'show this help'),
  // Test and tuning knobs.
  F('test-loopback', 'bool', 'FOR TESTS ONLY: keep WebRTC on loopback (no STUN/TURN, no mDNS) and block DNS', { hidden: true }),
  F('watchdog-interval', 'number', 'seconds between liveness checks of the page (default 15)', { arg: 'SEC', hidden: true }),
  F('watchdog-timeout', 'number', 'seconds a liveness check may take before the browser is restarted (default 30)', { arg: 'SEC', hidden: true }),
  F('help-all', 'bool', 'show this help including test and tuning flags', { hidden: true }),
];

export type Command = 'run' | 'status';

export type ParsedArgs =
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; command: Command; flags: Map<string, string> };

export function helpText(all = false): string {
  const rows = FLAGS.filter((s) => all || !s.hidden).map((s) => [`  --${s.flag}${s.arg ? ` ${s.arg}` : ''}`, s.help] as const);
  const w = Math.max(...rows.map(([l]) => l.length)) + 2;
  return [
    'Family Vault relay node: keeps an encrypted copy of the family\'s photos at home.',
    'It stores and serves ciphertext; it holds no album keys and cannot decrypt anything.',
    '',
    'Usage:',
    '  relay-node --data DIR --signal URL --invite STRING [--name "Oak"] [--quota 500GB] [--port 8787]',
    '  relay-node status [--port 8787] [--json]      print the running relay\'s status',
    '  (from a checkout: npm run relay -- …)',
    '',
    'The invite: make a relay invite in the family app (Family → Homes → Make relay invite). Give it as',
    'RELAY_INVITE, --invite-file or --invite; or, at the first start of a new data dir in a terminal, give',
    'none: relay-node asks you to paste it, checks it, and keeps it in DIR/invite (mode 600) for later starts.',
    '',
    ...rows.map(([l, h]) => l.padEnd(w) + h),
    '',
    'Every flag can also be set as an environment variable (--page-port 8788 ≡ RELAY_PAGE_PORT=8788)',
    'or as a key of the --config JSON file ({"page-port": 8788}). Flags win over RELAY_*, which win over the file.',
    'Browser: CHROMIUM_PATH, else Debian/Ubuntu Chromium, Google Chrome, or Playwright\'s Chromium.',
    'Docs: docs/relay.md',
  ].join('\n');
}

export function findFlag(name: string): FlagSpec | undefined {
  return FLAGS.find((s) => s.flag === name);
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string>();
  let command: Command = 'run';
  let i = 0;
  if (argv[0] === 'status') {
    command = 'status';
    i = 1;
  } else if (argv[0] === 'help') {
    return { kind: 'help', text: helpText() };
  }
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h') return { kind: 'help', text: helpText() };
    // A stray positional could be a pasted invite: never echo it.
    if (!a.startsWith('--')) return { kind: 'error', message: `unexpected argument #${i + 1} (flags start with --; see --help)` };
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = findFlag(name);
    if (!spec) return { kind: 'error', message: `unknown flag --${name.slice(0, 40)} (see --help)` };
    if (spec.kind === 'bool') {
      flags.set(name, eq < 0 ? 'true' : a.slice(eq + 1));
      continue;
    }
    const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (v === undefined) return { kind: 'error', message: `--${name} needs a value` };
    flags.set(name, v);
  }
  if (flags.get('help-all') === 'true') return { kind: 'help', text: helpText(true) };
  if (flags.get('help') === 'true') return { kind: 'help', text: helpText() };
  if (command === 'run' && flags.has('json')) return { kind: 'error', message: '--json belongs to `relay-node status`' };
  return { kind: 'ok', command, flags };
}
